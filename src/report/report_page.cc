// Lays out the report page: header, tables, chart canvases and the inlined
// data, Chart.js and scripts. Every chart's canvas and its specification are
// made by the same add_chart call, so the page cannot expect a chart it has
// no canvas for.
#include <fmt/format.h>

#include "report/report_charts.h"
#include "report/report_html.h"
#include "report/report_script.h"

namespace invr::report {
namespace {

class Page {
 public:
  explicit Page(const Results& results) : colors_(results) {}

  void html(std::string_view text) { body_ += text; }

  void add_chart(const std::string& id, const std::string& title, Json spec, int height = 340) {
    spec["canvas"] = id;
    spec["title"] = title;
    charts_.push_back(std::move(spec));
    body_ += fmt::format(
        "<figure><figcaption>{0}</figcaption><div class=\"chart\" style=\"height:{1}px\">"
        "<canvas id=\"{2}\" role=\"img\" aria-label=\"{0}\"></canvas></div></figure>\n",
        html_escape(title), height, id);
  }

  ArmColors& colors() { return colors_; }
  const std::string& body() const { return body_; }
  std::size_t chart_count() const { return charts_.size(); }
  const Json& charts() const { return charts_; }

 private:
  ArmColors colors_;
  std::string body_;
  Json charts_ = Json::array();
};

// Relative change against control: a grid with one chart per metric.
void relative_grid(Page& page, const std::string& id_prefix, const std::vector<std::string>& arms,
                   const std::map<std::string, Changes>& relative) {
  page.html("<div class=\"chart-grid\">\n");
  for (const auto& metric : relative_metrics()) {
    Json spec = relative_chart(arms, relative, metric, page.colors());
    if (spec.is_null()) continue;
    page.add_chart(id_prefix + metric.key,
                   fmt::format("{} {}", metric.label, metric.higher_is_better ? "↑" : "↓"),
                   std::move(spec), 240);
  }
  page.html("</div>\n");
}

std::vector<std::string> arm_names(const Results& r, bool with_control) {
  std::vector<std::string> names;
  for (const auto& arm : r.arms)
    if (with_control || arm.name != r.control) names.push_back(arm.name);
  return names;
}

std::string world_sentence(const Results& r) {
  const WorldInfo& w = r.world;
  const std::string what =
      w.kind == "synthetic"
          ? fmt::format("the synthetic world <b>{}</b> (ground truth from the generator)",
                        html_escape(w.name))
          : fmt::format(
                "the dataset <b>{}</b> (ground-truth relevance from an oracle "
                "model fitted on all interactions)",
                html_escape(w.name));
  return fmt::format(
      "<p>Simulated A/B test on {}: {} users, {} items from {} producers, "
      "{} simulated days. Users are split into arms by the server's bucketing; every arm "
      "gets the same main-pipeline slates, and the InvR arms put a user's InvR candidates "
      "(items that chose the user) at the listed slots.</p>\n",
      what, format_count(w.users), format_count(w.items), format_count(w.producers),
      format_count(w.days));
}

std::string how_to_read(const Results& r) {
  std::string html = R"HTML(<details open><summary>How to read this report</summary><ul>
<li><b>B50PS</b> (bottom-50% producer share): share of impressions that went to the less exposed half of producers. Higher is fairer.</li>
<li><b>T1PS</b> (top-1% producer share): share of impressions that went to the most exposed 1% of producers. Lower is fairer.</li>
<li><b>PSEI</b> (percent of sufficiently exposed items): percentage of treated items (the items InvR works for) that reached the sufficient number of impressions. Higher is better.</li>
<li><b>CTR</b>: clicks per impression. InvR aims to raise the first three at a small CTR cost.</li>
)HTML";
  if (r.version >= 2)
    html +=
        R"HTML(<li>Changes are given with their levels: <i>control → arm</i> above, then the change relative to control (+33% means 1.33 × the control level) and its 95% interval in brackets (users reshuffled between the two arms, a permutation test; for the paired effect, a bootstrap over users); "n/a (control 0)" when the control level is 0. A cell is green or red only when it is the <b>primary</b> estimate and its interval excludes zero (in the good or bad direction).</li>
<li>The primary estimate of CTR and clicks per user is the <b>paired counterfactual</b> when the simulator ran it (the same users' slates with and without InvR, in expected clicks: no click noise, so the narrowest interval), else <b>CUPED</b> (arm against control, adjusted by each user's pre-period CTR). The plain <b>arm-level</b> comparison is shown beside them; for every other metric it is the primary.</li>
)HTML";
  else
    html +=
        R"HTML(<li><b>Δ</b> columns and the bar charts give the change relative to control (+33% means 1.33 × the control value) with a 95% bootstrap confidence interval over users in brackets and as whiskers. A green cell's interval excludes zero in the good direction, a red one in the bad direction.</li>
)HTML";
  html +=
      R"HTML(<li>Arrows in chart titles give the good direction of each metric (↑ higher is better, ↓ lower is better).</li>
</ul></details>
)HTML";
  return html;
}

// Version 2's headline: the user-side effects, then exposure, for InvR arms.
void headline_sections(Page& page, const Results& r) {
  if (r.version < 2) return;
  const std::vector<std::string> treatment = arm_names(r, false);
  const std::string users = headline_table(treatment, r.analysis.effects);
  if (!users.empty()) {
    page.html(
        "<section id=\"headline\"><h2>Effect on users: CTR and clicks per user</h2>\n<p>Per InvR "
        "arm, the primary estimate first, then CUPED and the plain arm-level comparison. Levels "
        "are <i>control → arm</i>; the paired counterfactual's control level is the expected "
        "value of the same users' slates without InvR.</p>\n");
    page.html(users);
    page.html("</section>\n");
  }
  const std::string exposure = exposure_table(treatment, r.relative);
  if (!exposure.empty()) {
    page.html(
        "<section id=\"exposure\"><h2>Effect on exposure</h2>\n<p>Arm-level changes against "
        "control (the primary estimate for these metrics), with levels <i>control → "
        "arm</i>.</p>\n");
    page.html(exposure);
    page.html("</section>\n");
  }
}

// A knob sweep: the verdict table, then one frontier chart per metric.
void frontier_section(Page& page, const Results& r) {
  if (!r.sweep) return;
  const Sweep& sweep = *r.sweep;
  page.html("<section id=\"frontier\"><h2>Frontier: the sweep's points against CTR</h2>\n");
  page.html(frontier_intro(r));
  page.html(
      "<h3>Verdict</h3>\n<p>Per CTR budget and metric: the best point whose CTR change is within "
      "the budget, the best point of another method, and whether the winner's 95% interval "
      "lies wholly on the better side of the runner-up's. A metric's cell is the difference arm "
      "− control in percentage points with its 95% interval, under the levels <i>control → "
      "arm</i>; CTR is a change relative to control. Hover a cell for its relative "
      "change.</p>\n");
  page.html(verdict_table(sweep));
  for (std::size_t i = 0; i < sweep.metrics.size(); ++i) {
    const SweepMetric& metric = sweep.metrics[i];
    std::vector<std::string> left_off;
    Json spec = frontier_chart(r, i, left_off);
    const std::string label = html_escape(metric.label);
    if (spec.is_null()) {
      page.html(fmt::format(
          "<p class=\"muted frontier-left-off\" data-metric=\"{}\">No {} frontier: no point has "
          "both a CTR change and a {} difference.</p>\n",
          html_escape(metric.key), label, label));
      continue;
    }
    page.add_chart("chart-frontier-" + metric.key,
                   fmt::format("{}, arm − control (percentage points) {} against CTR change →",
                               metric.label,
                               metric.higher_is_better ? "↑" : "↓ (axis reversed: up is better)"),
                   std::move(spec), 420);
    if (left_off.empty()) continue;
    std::string why;
    for (const auto& item : left_off) why += (why.empty() ? "" : "; ") + html_escape(item);
    page.html(fmt::format(
        "<p class=\"muted frontier-left-off\" data-metric=\"{}\">{} of {} points left off the {} "
        "chart, their CTR change or {} difference being undefined: {}.</p>\n",
        html_escape(metric.key), left_off.size(), sweep.points.size(), label, label, why));
  }
  page.html("</section>\n");
}

void overview_section(Page& page, const Results& r) {
  const std::map<std::string, Changes> shown = display_changes(r.relative, r.analysis.effects);
  page.html("<section id=\"summary\"><h2>The paper's metrics per arm</h2>\n");
  page.html(metrics_table(arm_names(r, true), r.totals, shown, &r));
  if (!r.analysis.effects.empty())
    page.html(
        "<p class=\"muted\">Δ CTR is the primary estimate, as in the headline; the others are "
        "arm-level.</p>\n");
  page.html("<details><summary>More concentration measures</summary>\n");
  page.html(concentration_table(r));
  page.html("</details></section>\n");

  page.html(
      "<section id=\"relative\"><h2>Change against control</h2>\n<p>Relative change of each "
      "treatment arm against control (%), with 95% intervals as whiskers. Each "
      "metric has its own scale.</p>\n");
  relative_grid(page, "chart-relative-", arm_names(r, false), shown);
  page.html("</section>\n");
}

// Version 2's checks of the run: SRM, A/A, CTR trends.
void check_sections(Page& page, const Results& r) {
  if (r.analysis.srm) {
    page.html("<section id=\"srm\"><h2>Sample ratio</h2>\n<p>");
    page.html(srm_summary(*r.analysis.srm));
    page.html("</p>\n");
    page.html(srm_table(r.analysis));
    page.html("</section>\n");
  }
  if (r.aa) page.html(aa_section(*r.aa));
  page.html(trend_section(r));
}

void exposure_sections(Page& page, const Results& r) {
  if (!r.lorenz.empty()) {
    page.html(
        "<section id=\"lorenz\"><h2>Producer exposure: Lorenz curves</h2>\n<p>Producers sorted "
        "from least to most exposed; the curve gives the share of impressions the first x of "
        "them received. The closer to the diagonal, the more equal the exposure.</p>\n");
    page.add_chart("chart-lorenz", "Cumulative share of impressions by producer",
                   lorenz_chart(r, page.colors()), 420);
    page.html("</section>\n");
  }

  page.html("<section id=\"daily\"><h2>Metrics over days</h2>\n");
  const bool window = has_producer_window(r);
  const struct {
    const char* metric;
    const char* title;
    const char* y_title;
  } daily[] = {{"ctr", "CTR per day", "CTR (%)"},
               {"producer_b50ps",
                window ? "Producer B50PS over the 7 days up to each day" : "Producer B50PS per day",
                "Producer B50PS (%)"},
               {"psei", "PSEI per day", "PSEI (%)"}};
  for (const auto& d : daily) {
    Json spec = daily_chart(r, d.metric, page.colors());
    spec["y_title"] = d.y_title;
    page.add_chart(std::string("chart-daily-") + d.metric, d.title, std::move(spec), 280);
  }
  page.html("</section>\n");

  if (!r.treated_histogram.empty()) {
    std::vector<std::pair<std::string, const Histogram*>> series;
    for (const auto& arm : r.arms)
      if (auto it = r.treated_histogram.find(arm.name); it != r.treated_histogram.end())
        series.emplace_back(arm.name, &it->second);
    page.html(
        "<section id=\"treated-exposure\"><h2>Exposure of treated items</h2>\n<p>How many "
        "impressions each treated item received over the run, per arm.</p>\n");
    page.add_chart(
        "chart-treated-exposure", "Treated items by impressions received",
        histogram_chart(series, "Impressions per treated item", "Treated items", page.colors()));
    page.html("</section>\n");
  }
}

void user_section(Page& page, const Results& r) {
  if (r.users.empty()) return;
  page.html(
      "<section id=\"users\"><h2>User-side effects</h2>\n<p>What InvR costs the users who "
      "see it: the distribution of each user's CTR change against control, and the share of "
      "users whose slates lost relevance.</p>\n");
  std::vector<std::pair<std::string, const Histogram*>> series;
  bool any_share = false;
  for (const auto& arm : r.arms) {
    auto it = r.users.find(arm.name);
    if (it == r.users.end()) continue;
    if (it->second.ctr_change) series.emplace_back(arm.name, &*it->second.ctr_change);
    any_share = any_share || it->second.share_lost_relevance.has_value();
  }
  if (!series.empty())
    page.add_chart("chart-user-ctr-change", "Users by CTR change against control",
                   histogram_chart(series, "Per-user CTR change", "Users", page.colors()));
  if (any_share) page.html(users_table(r));
  page.html("</section>\n");
}

void experiment_sections(Page& page, const Results& r) {
  if (r.experiments.empty()) return;
  page.html("<section id=\"experiments\"><h2>Open-question experiments</h2>\n");
  for (std::size_t i = 0; i < r.experiments.size(); ++i) {
    const ExperimentResult& e = r.experiments[i];
    page.html(fmt::format("<article id=\"experiment-{}\"><h3>{}</h3>\n", i, html_escape(e.name)));
    if (!e.description.empty()) page.html(fmt::format("<p>{}</p>\n", html_escape(e.description)));
    page.html(srm_warning(e.analysis, fmt::format("srm-warning-experiment-{}", i)));
    if (e.analysis.srm) page.html("<p>" + srm_summary(*e.analysis.srm) + "</p>\n");
    page.html(headline_table(e.arms, e.analysis.effects));
    const std::map<std::string, Changes> shown = display_changes(e.relative, e.analysis.effects);
    page.html(metrics_table(e.arms, e.totals, shown, nullptr));
    relative_grid(page, fmt::format("chart-experiment-{}-", i), e.arms, shown);
    page.html("</article>\n");
  }
  page.html("</section>\n");
}

}  // namespace

std::string render_page(const Results& r, std::string_view chartjs_source) {
  Page page(r);
  page.html(fmt::format("<header><h1>InvR A/B simulation: {}</h1>\n", html_escape(r.world.name)));
  page.html(world_sentence(r));
  page.html(oracle_sentence(r.world));
  page.html(arms_table(r));
  page.html(how_to_read(r));
  if (!r.config_text.empty())
    page.html(
        fmt::format("<details><summary>Simulation configuration</summary><pre>{}</pre></details>\n",
                    html_escape(r.config_text)));
  page.html("</header>\n<main>\n");
  page.html(srm_warning(r.analysis, "srm-warning"));
  if (r.assignment_truth)
    page.html(
        "<div class=\"warning truth-warning\" id=\"truth-warning\" role=\"alert\"><b>Diagnostic "
        "run.</b> The invr-target arms were assigned with the simulator's click truth "
        "(<code>--assignment-truth</code>), not the model: their figures are a ceiling for a "
        "perfect relevance model, not a result a platform can get (docs/assignment.md, \"The "
        "ceiling\").</div>\n");
  headline_sections(page, r);
  page.html(trust_section(r));
  frontier_section(page, r);
  overview_section(page, r);
  check_sections(page, r);
  exposure_sections(page, r);
  user_section(page, r);
  experiment_sections(page, r);
  page.html("</main>\n");

  const Json data = {{"control", r.control}, {"charts", page.charts()}};
  std::string out;
  out.reserve(chartjs_source.size() + page.body().size() + 64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>InvR A/B simulation: {}</title>\n", html_escape(r.world.name));
  out += fmt::format("<style>{}</style>\n", page_style());
  out += fmt::format("<script>{}</script>\n", error_capture_script());
  out += "<script>/* Chart.js, inlined so the page works offline */\n";
  out += js_for_script(chartjs_source);
  out += "\n</script>\n</head>\n<body>\n";
  out += page.body();
  out += fmt::format(
      "<footer>Made by <code>invr report</code> from <code>{}</code>. Charts drawn by Chart.js, "
      "inlined with the data: this file needs no network.</footer>\n",
      html_escape(r.file));
  out += fmt::format(
      "<div id=\"report-status\" data-ready=\"false\" data-charts-expected=\"{}\" "
      "data-charts-drawn=\"0\" data-errors=\"0\" hidden></div>\n",
      page.chart_count());
  out += "<ul id=\"report-errors\" hidden></ul>\n";
  out += "<script type=\"application/json\" id=\"report-data\">";
  out += json_for_script(data);
  out += "</script>\n";
  out += fmt::format("<script>{}</script>\n</body>\n</html>\n", charts_script());
  return out;
}

}  // namespace invr::report
