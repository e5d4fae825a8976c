(function () {
  'use strict';
  var report = window.invrReport;
  var status = document.getElementById('report-status');
  report.flush();
  if (typeof Chart === 'undefined') {
    report.record('Chart.js did not load');
    return;
  }
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var expected = Number(status.getAttribute('data-charts-expected'));
  var drawn = {};
  var drawnCount = 0;

  Chart.defaults.animation = false;  // static page: draw once, final state
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
  Chart.register({
    id: 'invrDrawn',
    afterRender: function (chart) {
      var id = chart.canvas.id;
      if (drawn[id]) return;
      drawn[id] = true;
      drawnCount += 1;
      status.setAttribute('data-charts-drawn', String(drawnCount));
      if (drawnCount === expected) status.setAttribute('data-ready', 'true');
    }
  });

  // 95% CI whiskers: Chart.js has no error bars, so these plugins draw them
  // on the chart's own canvas. One whisker: a line from `from` to `to` (pixels)
  // at `at` across the other axis, with caps `half` pixels long.
  function whisker(ctx, horizontal, at, from, to, half) {
    ctx.beginPath();
    if (horizontal) {
      ctx.moveTo(from, at); ctx.lineTo(to, at);
      ctx.moveTo(from, at - half); ctx.lineTo(from, at + half);
      ctx.moveTo(to, at - half); ctx.lineTo(to, at + half);
    } else {
      ctx.moveTo(at, from); ctx.lineTo(at, to);
      ctx.moveTo(at - half, from); ctx.lineTo(at + half, from);
      ctx.moveTo(at - half, to); ctx.lineTo(at + half, to);
    }
    ctx.stroke();
  }
  function missing(x) { return x === null || x === undefined; }

  // Bar charts: each dataset's ciLow/ciHigh arrays, one vertical whisker a bar.
  var errorBars = {
    id: 'invrErrorBars',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var scale = chart.scales.y;
      ctx.save();
      ctx.strokeStyle = '#222';
      ctx.lineWidth = 1.2;
      chart.data.datasets.forEach(function (dataset, i) {
        if (!chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          var low = dataset.ciLow[j];
          var high = dataset.ciHigh[j];
          if (missing(low) || missing(high)) return;
          whisker(ctx, false, bar.x, scale.getPixelForValue(high), scale.getPixelForValue(low),
                  Math.max(2, Math.min(6, (bar.width || 12) / 4)));
        });
      });
      ctx.restore();
    }
  };

  // Frontier scatter charts: dashed lines at the CTR budgets and at 0 under
  // the points; over them, each point's horizontal (CTR) and vertical
  // (metric) whiskers in its method's colour and its knob value beside it.
  function frontierMarks(budgets) {
    return {
      id: 'invrFrontierMarks',
      beforeDatasetsDraw: function (chart) {
        var ctx = chart.ctx, area = chart.chartArea, x = chart.scales.x, y = chart.scales.y;
        ctx.save();
        ctx.strokeStyle = '#999';
        ctx.fillStyle = '#666';
        ctx.lineWidth = 1;
        ctx.setLineDash([5, 4]);
        ctx.font = '11px ' + Chart.defaults.font.family;
        budgets.forEach(function (budget, i) {
          var px = x.getPixelForValue(budget);
          if (px < area.left || px > area.right) return;
          ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
          // Each budget's label on its own row (the verdict has three): on a wide
          // CTR axis even -3% and 0% sit close enough to overlap on one row.
          ctx.fillText('budget ' + number(budget) + '%', px + 3, area.top + 11 + 12 * i);
        });
        var py = y.getPixelForValue(0);
        if (py >= area.top && py <= area.bottom) {
          ctx.setLineDash([2, 3]);
          ctx.beginPath(); ctx.moveTo(area.left, py); ctx.lineTo(area.right, py); ctx.stroke();
        }
        ctx.restore();
      },
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, x = chart.scales.x, y = chart.scales.y;
        ctx.save();
        ctx.lineWidth = 1.2;
        ctx.font = '11px ' + Chart.defaults.font.family;
        chart.data.datasets.forEach(function (dataset, i) {
          if (!chart.isDatasetVisible(i)) return;
          chart.getDatasetMeta(i).data.forEach(function (element, j) {
            var p = dataset.data[j];
            var color = p.dominated ? dataset.invrColor + '55' : dataset.invrColor;
            ctx.strokeStyle = color;
            ctx.fillStyle = color;
            if (!missing(p.xLow) && !missing(p.xHigh))
              whisker(ctx, true, element.y, x.getPixelForValue(p.xLow), x.getPixelForValue(p.xHigh), 3);
            if (!missing(p.yLow) && !missing(p.yHigh))
              whisker(ctx, false, element.x, y.getPixelForValue(p.yLow), y.getPixelForValue(p.yHigh), 3);
            if (p.value) ctx.fillText(p.value, element.x + 6, element.y - 6);
          });
        });
        ctx.restore();
      }
    };
  }

  function number(x) {
    return Number(Number(x).toPrecision(4)).toString();
  }
  function percentTick(value) {
    return number(value) + '%';
  }
  function title(text) {
    return {display: true, text: text};
  }
  function fade(color) {
    return color + 'cc';  // #rrggbb + alpha
  }

  function lorenz(spec) {
    var datasets = spec.series.map(function (s) {
      return {
        label: s.label, borderColor: s.color, backgroundColor: s.color, showLine: true,
        pointRadius: 0, borderWidth: 2,
        data: s.x.map(function (x, i) { return {x: x * 100, y: s.y[i] * 100}; })
      };
    });
    datasets.push({
      label: 'equality', borderColor: '#999', backgroundColor: '#999', borderDash: [6, 4],
      showLine: true, pointRadius: 0, borderWidth: 1, data: [{x: 0, y: 0}, {x: 100, y: 100}]
    });
    return {
      type: 'scatter',
      data: {datasets: datasets},
      options: {scales: {
        x: {type: 'linear', min: 0, max: 100, title: title('Producers, least exposed first (%)'), ticks: {callback: percentTick}},
        y: {min: 0, max: 100, title: title('Share of impressions (%)'), ticks: {callback: percentTick}}
      }}
    };
  }

  function relative(spec) {
    var low = 0, high = 0;
    spec.values.concat(spec.low, spec.high).forEach(function (v) {
      if (v === null) return;
      low = Math.min(low, v);
      high = Math.max(high, v);
    });
    var pad = Math.max(0.5, (high - low) * 0.08);
    return {
      type: 'bar',
      data: {labels: spec.labels, datasets: [{
        label: spec.title, data: spec.values, ciLow: spec.low, ciHigh: spec.high,
        backgroundColor: spec.colors.map(fade), borderColor: spec.colors, borderWidth: 1
      }]},
      plugins: [errorBars],
      options: {
        scales: {y: {suggestedMin: low - pad, suggestedMax: high + pad,
                     title: title('Change against control (%)'), ticks: {callback: percentTick}}},
        plugins: {
          legend: {display: false},  // the arms are the x-axis labels
          tooltip: {callbacks: {label: function (item) {
            var d = item.dataset, j = item.dataIndex;
            var text = (item.raw >= 0 ? '+' : '') + number(item.raw) + '%';
            if (d.ciLow[j] !== null && d.ciHigh[j] !== null)
              text += ' [' + number(d.ciLow[j]) + ', ' + number(d.ciHigh[j]) + ']';
            return text;
          }}}
        }
      }
    };
  }

  function line(spec) {
    return {
      type: 'line',
      data: {labels: spec.labels, datasets: spec.series.map(function (s) {
        return {label: s.label, data: s.values, borderColor: s.color, backgroundColor: s.color,
                pointRadius: 2, borderWidth: 2, spanGaps: true};
      })},
      options: {scales: {x: {title: title('Day')},
                         y: {title: title(spec.y_title), ticks: {callback: percentTick}}}}
    };
  }

  // The bins all arms share: the longest edge list when every arm's edges
  // are a prefix of it (bins that grow until an arm's largest value fits),
  // else null.
  function sharedEdges(series) {
    var longest = [];
    series.forEach(function (s) { if (s.edges.length > longest.length) longest = s.edges; });
    var shared = series.every(function (s) {
      return s.edges.every(function (e, i) { return e === longest[i]; });
    });
    return shared ? longest : null;
  }

  // Shared bins: grouped bars with one category per bin (an arm's missing
  // top bins count 0). Bins that differ between arms: step outlines on a
  // linear axis, so each arm keeps its own bins.
  function histogram(spec) {
    var series = spec.series;
    var axes = {y: {beginAtZero: true, title: title(spec.y_title)}};
    var edges = series.length > 0 ? sharedEdges(series) : null;
    if (edges) {
      var labels = edges.slice(1).map(function (high, i) {
        return '[' + number(edges[i]) + ', ' + number(high) + ')';
      });
      axes.x = {title: title(spec.x_title)};
      return {
        type: 'bar',
        data: {labels: labels, datasets: series.map(function (s) {
          var counts = labels.map(function (_, i) { return i < s.counts.length ? s.counts[i] : 0; });
          return {label: s.label, data: counts, backgroundColor: fade(s.color), borderColor: s.color, borderWidth: 1};
        })},
        options: {scales: axes}
      };
    }
    axes.x = {type: 'linear', title: title(spec.x_title)};
    return {
      type: 'scatter',
      data: {datasets: series.map(function (s) {
        var points = s.counts.map(function (c, i) { return {x: s.edges[i], y: c}; });
        if (s.counts.length > 0) points.push({x: s.edges[s.counts.length], y: s.counts[s.counts.length - 1]});
        return {label: s.label, data: points, showLine: true, stepped: 'after', pointRadius: 0,
                borderColor: s.color, backgroundColor: s.color, borderWidth: 2};
      })},
      options: {scales: axes}
    };
  }

  // `unit`: '%' (the default) or ' pp' (percentage points).
  function signed(x, unit) {
    return (x > 0 ? '+' : '') + number(x) + (unit || '%');
  }
  function withInterval(x, low, high, unit) {
    var text = signed(x, unit);
    if (!missing(low) && !missing(high))
      text += ' [' + signed(low, unit) + ', ' + signed(high, unit) + ']';
    return text;
  }

  // Scale limits that keep every point, whisker, budget and (0, 0) in view.
  function span(values) {
    var low = 0, high = 0;
    values.forEach(function (v) {
      if (missing(v)) return;
      low = Math.min(low, v);
      high = Math.max(high, v);
    });
    // Proportional, so a B50PS difference of a few hundredths of a point still spreads out.
    var pad = high > low ? (high - low) * 0.08 : 0.2;
    return {suggestedMin: low - pad, suggestedMax: high + pad};
  }

  // A sweep's frontier: one scatter series per method, its points joined in
  // knob order; dominated points faded; control grey at (0, 0).
  function frontier(spec) {
    var xs = spec.budgets.slice(), ys = [];
    var datasets = spec.series.map(function (s) {
      var points = s.points.map(function (p) {
        xs.push(p.x, p.x_low, p.x_high);
        ys.push(p.y, p.y_low, p.y_high);
        return {x: p.x, y: p.y, xLow: p.x_low, xHigh: p.x_high, yLow: p.y_low, yHigh: p.y_high,
                arm: p.arm, value: p.value, dominated: p.dominated, change: p.change};
      });
      var colors = points.map(function (p) { return p.dominated ? s.color + '55' : s.color; });
      return {label: s.label, data: points, invrColor: s.color, showLine: true, borderWidth: 2,
              borderColor: s.color + 'aa', backgroundColor: s.color, pointBackgroundColor: colors,
              pointBorderColor: colors, pointRadius: 5, pointHoverRadius: 7};
    });
    datasets.push({label: spec.control.legend, invrColor: spec.control.color,
                   data: [{x: 0, y: 0, arm: spec.control.label, value: '', dominated: false, control: true}],
                   backgroundColor: spec.control.color, borderColor: spec.control.color,
                   pointStyle: 'rectRot', pointRadius: 7, pointHoverRadius: 8});
    var y = span(ys);
    y.reverse = spec.reverse_y;
    y.title = title(spec.y_title);
    // y: arm - control in percentage points (spec.y_unit 'pp').
    var yUnit = spec.y_unit ? ' ' + spec.y_unit : '%';
    y.ticks = {callback: function (value) { return number(value) + yUnit; }};
    var x = span(xs);
    x.type = 'linear';
    x.title = title(spec.x_title);
    x.ticks = {callback: percentTick};
    return {
      type: 'scatter',
      data: {datasets: datasets},
      plugins: [frontierMarks(spec.budgets)],
      options: {
        scales: {x: x, y: y},
        plugins: {tooltip: {callbacks: {label: function (item) {
          var p = item.raw;
          if (p.control) return [p.arm + ' (control): the reference, at 0'];
          var lines = [p.arm + (p.dominated ? ' (dominated)' : ''),
                       'CTR ' + withInterval(p.x, p.xLow, p.xHigh),
                       spec.metric + ' ' + withInterval(p.y, p.yLow, p.yHigh, yUnit)];
          if (!missing(p.change)) lines.push(spec.metric + ' relative change ' + signed(p.change));
          return lines;
        }}}}
      }
    };
  }

  var builders = {lorenz: lorenz, relative: relative, line: line, histogram: histogram,
                  frontier: frontier};
  data.charts.forEach(function (spec) {
    try {
      var canvas = document.getElementById(spec.canvas);
      var config = builders[spec.kind](spec);
      config.options.plugins = config.options.plugins || {};
      config.options.plugins.legend = config.options.plugins.legend || {position: 'bottom'};
      new Chart(canvas, config);
    } catch (e) {
      report.record('chart ' + spec.canvas + ': ' + (e && e.stack ? e.stack : e));
    }
  });
  report.flush();
})();
