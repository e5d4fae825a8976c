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

  // 95% CI whiskers on bar charts: Chart.js has no error bars, so this plugin
  // draws them on the chart's own canvas from each dataset's low/high arrays.
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
          if (low === null || high === null || low === undefined || high === undefined) return;
          var top = scale.getPixelForValue(high);
          var bottom = scale.getPixelForValue(low);
          var half = Math.max(2, Math.min(6, (bar.width || 12) / 4));
          ctx.beginPath();
          ctx.moveTo(bar.x, top);
          ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - half, top);
          ctx.lineTo(bar.x + half, top);
          ctx.moveTo(bar.x - half, bottom);
          ctx.lineTo(bar.x + half, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    }
  };

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

  var builders = {lorenz: lorenz, relative: relative, line: line, histogram: histogram};
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
