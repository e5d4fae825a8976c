// The report page's own JavaScript and CSS, kept apart from the C++ that
// lays out the page so each reads as one language.
#pragma once

namespace invr::report {

// Runs first, before Chart.js: records window errors, unhandled rejections,
// console.error and console.warn into the page's #report-errors list and the
// data-errors attribute of #report-status, so a headless browser's DOM dump
// shows them.
const char* error_capture_script();

// Runs last: reads #report-data and draws every chart with Chart.js; counts
// drawn charts in #report-status (data-charts-drawn) and sets
// data-ready="true" once all data-charts-expected charts have rendered.
// Its code is src/report/charts.js, embedded at build time.
const char* charts_script();

const char* page_style();

}  // namespace invr::report
