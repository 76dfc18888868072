/*
 * The evaluation report: the print button, and a small ECharts line per indicator (its figure by
 * year against its targets and baseline). Data comes from the page (json_script
 * "evaluation-trends", one entry per indicator in the order of the [data-evaluation-trend] boxes);
 * every figure is also in the page's trend table, so nothing is lost without script.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-evaluation-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  function text(box, name) {
    return box.getAttribute("data-" + name) || "";
  }

  function draw(echarts, box, trend) {
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 8, top: 12, bottom: 22 },
      xAxis: { type: "category", data: trend.years, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", axisLabel: { fontSize: 10 } },
      series: [
        { name: text(box, "value"), type: "line", data: trend.values, connectNulls: true,
          symbolSize: 6, itemStyle: { color: "#0d6efd" } },
        { name: text(box, "target"), type: "line", data: trend.targets, connectNulls: true,
          symbol: "diamond", symbolSize: 8, lineStyle: { type: "dashed" }, itemStyle: { color: "#dc3545" } },
        { name: text(box, "baseline"), type: "scatter", data: trend.baselines,
          symbol: "rect", symbolSize: 7, itemStyle: { color: "#6c757d" } }
      ]
    });
    return chart;
  }

  function start() {
    var source = document.getElementById("evaluation-trends");
    if (!source || !window.echarts) { return; }
    var trends = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-evaluation-trend]").forEach(function (box) {
      var trend = trends[Number(box.getAttribute("data-evaluation-trend"))];
      if (trend && trend.years.length) { charts.push(draw(window.echarts, box, trend)); }
    });
    function resize() { charts.forEach(function (chart) { chart.resize(); }); }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
