/*
 * The indicator dashboard's charts: the chosen indicator's figure by year against its baseline and
 * targets (ECharts line), the child regions' figures against the target (ECharts bar), and a map of
 * the child regions coloured by status (Leaflet; outlines where a region has one, else a circle at
 * its centre). Data comes from the page (json_script "indicator-chart-data"); every figure is also in
 * the page's tables. Tiles come from SHEQU_MAP_TILE_URL when it is set; with none, the map draws on a
 * blank background.
 */
(function () {
  "use strict";

  var COLOURS = {
    met: "#198754", on_track: "#0dcaf0", lagging: "#dc3545", no_data: "#adb5bd", no_target: "#adb5bd"
  };

  function text(box, name) {
    return box.getAttribute("data-" + name) || "";
  }

  function figure(value, unit) {
    return value === null || value === undefined ? "—" : value + " " + unit;
  }

  function trendChart(echarts, data) {
    var box = document.getElementById("indicator-trend");
    if (!box) { return; }
    var trend = data.trend;
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: trend.years },
      yAxis: { type: "value", name: text(box, "unit") },
      series: [
        { name: text(box, "value"), type: "line", data: trend.values, connectNulls: true,
          symbolSize: 8, itemStyle: { color: "#0d6efd" } },
        { name: text(box, "target"), type: "line", data: trend.targets, connectNulls: true,
          symbol: "diamond", symbolSize: 10, lineStyle: { type: "dashed" }, itemStyle: { color: "#dc3545" } },
        { name: text(box, "baseline"), type: "scatter", data: trend.baselines,
          symbol: "rect", symbolSize: 9, itemStyle: { color: "#6c757d" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function childrenChart(echarts, data) {
    var box = document.getElementById("indicator-children");
    if (!box || !data.children.length) { return; }
    var chart = echarts.init(box, null, { renderer: "svg" });
    var target = data.indicator.target;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: { type: "category", data: data.children.map(function (c) { return c.name; }),
        axisLabel: { rotate: 35, interval: 0, fontSize: 11 } },
      yAxis: { type: "value", name: text(box, "unit") },
      series: [{
        type: "bar",
        data: data.children.map(function (c) {
          return { value: c.value, itemStyle: { color: COLOURS[c.status] || COLOURS.no_data } };
        }),
        markLine: target === null ? undefined : {
          symbol: "none", label: { formatter: text(box, "target") + " " + target },
          lineStyle: { color: "#dc3545", type: "dashed" }, data: [{ yAxis: target }]
        }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function childrenMap(L, data) {
    var box = document.getElementById("indicator-map");
    if (!box) { return; }
    var map = L.map(box, { scrollWheelZoom: false, preferCanvas: true });
    var tiles = text(box, "tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: text(box, "attribution") }).addTo(map);
    }
    var unit = text(box, "unit");
    var layers = [];
    var drawn = 0;
    data.children.forEach(function (child) {
      var colour = COLOURS[child.status] || COLOURS.no_data;
      var tip = child.name + " · " + figure(child.value, unit) + " · " + text(box, child.status) +
        (child.incomplete ? " · " + text(box, "incomplete") : "");
      var layer = null;
      if (child.geometry) {
        layer = L.geoJSON(child.geometry, { style: { color: "#343a40", weight: 1, fillColor: colour, fillOpacity: 0.6 } });
      } else if (child.centre) {
        layer = L.circleMarker(child.centre, { radius: 12, color: "#343a40", weight: 1, fillColor: colour, fillOpacity: 0.8 });
      }
      if (layer) {
        layer.bindTooltip(tip);
        layer.on("click", function () {
          var url = new URL(window.location.href);
          url.searchParams.set("region", child.code);
          window.location.href = url.toString();
        });
        layer.addTo(map);
        layers.push(layer);
        drawn += 1;
      }
    });
    if (layers.length) {
      map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [20, 20], maxZoom: 14 });
    } else {
      map.setView([34.26, 117.18], 9);
    }
    // How many regions the map shows (a hook for checks and for assistive summaries).
    box.setAttribute("data-regions-drawn", String(drawn));
  }

  function draw() {
    var source = document.getElementById("indicator-chart-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (typeof window.echarts !== "undefined") {
      trendChart(window.echarts, data);
      childrenChart(window.echarts, data);
    }
    if (typeof window.L !== "undefined") {
      childrenMap(window.L, data);
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
