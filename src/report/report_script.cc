// The page's small error-capturing script and its CSS. The charts script is
// charts.js beside this file, embedded at build time (src/report/CMakeLists.txt).
// Plain ES5-style code with no build step, so what runs in the browser is what
// is reviewed here.
#include "report/report_script.h"

namespace invr::report {

const char* error_capture_script() {
  return R"JS(
(function () {
  'use strict';
  var errors = [];
  function flush() {
    var list = document.getElementById('report-errors');
    var status = document.getElementById('report-status');
    if (!list || !status) return;  // not parsed yet: the charts script flushes again
    while (list.childNodes.length < errors.length) {
      var item = document.createElement('li');
      item.textContent = errors[list.childNodes.length];
      list.appendChild(item);
    }
    list.hidden = errors.length === 0;
    status.setAttribute('data-errors', String(errors.length));
  }
  function record(message) {
    errors.push(String(message));
    flush();
  }
  window.invrReport = {errors: errors, record: record, flush: flush};
  window.addEventListener('error', function (event) {
    record('error: ' + event.message + (event.filename ? ' (' + event.filename + ':' + event.lineno + ')' : ''));
  });
  window.addEventListener('unhandledrejection', function (event) {
    record('unhandled rejection: ' + event.reason);
  });
  ['error', 'warn'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      record('console.' + level + ': ' + Array.prototype.map.call(arguments, String).join(' '));
      return original.apply(console, arguments);
    };
  });
})();
)JS";
}

const char* page_style() {
  return R"CSS(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .5rem; text-align: right; white-space: nowrap; }
th[scope=row], thead th:first-child, td.text { text-align: left; }
.table-wrap { overflow-x: auto; }
thead th { background: #f5f5f7; white-space: normal; vertical-align: bottom; }
td.better { background: #e3f4e6; }
td.worse { background: #fbe4e2; }
td.muted, .muted { color: #888; }
td.caution { background: #fdf3d8; }
.ci { display: block; color: #666; font-size: .75rem; }
.levels { display: block; color: #555; font-size: .75rem; }
.estimator { display: block; color: #777; font-size: .7rem; }
.knob { display: block; color: #444; font-size: .8rem; }
table.sweep-verdict { font-size: .85rem; }
table.sweep-verdict th, table.sweep-verdict td { padding: .3rem .35rem; }
table.headline tr.primary td { font-weight: 600; }
table.headline tr.primary td .levels, table.headline tr.primary td .ci, table.headline tr.primary td .estimator { font-weight: normal; }
.warning { border: 1px solid #d9534f; border-left: 6px solid #d9534f; background: #fff1f0; padding: .7rem 1rem; margin: 1rem 0; }
.trust { border: 1px solid #c9d3e0; background: #f7f9fc; padding: .2rem 1.2rem .6rem; margin-top: 1.5rem; }
.trust h2 { border: none; margin-top: .8rem; }
.trust ul { list-style: none; padding-left: 0; }
.trust li { margin: .45rem 0; padding-left: 5.6rem; text-indent: -5.6rem; }
.verdict { display: inline-block; width: 5rem; text-indent: 0; text-align: center; border-radius: 3px; font-size: .75rem; font-weight: 600; padding: .05rem 0; margin-right: .4rem; }
.trust-ok .verdict { background: #e3f4e6; color: #1e6b2e; }
.trust-caution .verdict { background: #fdf3d8; color: #7a5a00; }
.trust-warning .verdict { background: #fbe4e2; color: #a11d12; }
.trust-note .verdict { background: #eceff3; color: #444; }
code { background: #f0f0f3; padding: 0 .2rem; border-radius: 2px; }
figure { margin: 1rem 0 1.5rem; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
.chart { position: relative; width: 100%; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 0 1.2rem; }
details { margin: .6rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: #f5f5f7; padding: .6rem; overflow-x: auto; font-size: .8rem; }
footer { margin-top: 3rem; color: #666; font-size: .85rem; }
#report-errors { color: #a00; background: #fff0f0; border: 1px solid #e0a0a0; padding: .5rem 1.5rem; }
)CSS";
}

}  // namespace invr::report
