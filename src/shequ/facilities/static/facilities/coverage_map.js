/*
 * The living-circle map: estates coloured by coverage, the category's facilities, suggested sites.
 * Data comes from the page (json_script "coverage-data"); every figure is also in the tables below,
 * so the page says everything without the map. Tiles come from SHEQU_MAP_TILE_URL when it is set;
 * with none (offline, or inside a government network), the map draws on a blank background.
 */
(function () {
  "use strict";

  // An estate is [lat, lng, households, distance or null, state, name, nearest facility];
  // state 0 covered, 1 not covered, 2 unreachable (views/coverage.py, _map_data).
  var STATES = ["covered", "gap", "unreachable"];
  var COLOURS = { covered: "#198754", gap: "#dc3545", unreachable: "#212529" };

  function text(box, name) {
    return box.getAttribute("data-" + name) || "";
  }

  function estateTip(box, estate) {
    var state = STATES[estate[4]];
    var distance = state === "unreachable" ? text(box, "unreachable")
      : estate[3] === null ? text(box, "far")
      : estate[3] + " " + text(box, "metres");
    var parts = [estate[5], text(box, state), estate[2] + " " + text(box, "households"), distance];
    if (estate[6]) { parts.push(estate[6]); }
    return parts.join(" · ");
  }

  function draw() {
    var box = document.getElementById("coverage-map");
    var source = document.getElementById("coverage-data");
    if (!box || !source || typeof window.L === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var L = window.L;
    var map = L.map(box, { scrollWheelZoom: false, preferCanvas: true });
    var tiles = text(box, "tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: text(box, "attribution") }).addTo(map);
    }
    var bounds = [];
    data.estates.forEach(function (estate) {
      var state = STATES[estate[4]];
      L.circleMarker([estate[0], estate[1]], {
        radius: 4 + Math.min(8, Math.sqrt(estate[2]) / 4),
        color: COLOURS[state], weight: 2, fillOpacity: state === "covered" ? 0.35 : 0.6
      }).addTo(map).bindTooltip(estateTip(box, estate));
      bounds.push([estate[0], estate[1]]);
    });
    data.facilities.forEach(function (facility) {
      var lat = facility[0], lng = facility[1];
      L.rectangle(
        [[lat - 0.0004, lng - 0.0005], [lat + 0.0004, lng + 0.0005]],
        { color: "#0d6efd", weight: 2, fillOpacity: 0.7 }
      ).addTo(map).bindTooltip(text(box, "facility") + " · " + facility[2]);
    });
    data.sites.forEach(function (site) {
      var rank = site[0];
      L.marker([site[1], site[2]], {
        icon: L.divIcon({ className: "site-star", html: "★" + rank, iconSize: [32, 20] }),
        keyboard: true, title: text(box, "site") + " " + rank
      }).addTo(map).bindTooltip(
        text(box, "site") + " " + rank + " · +" + site[3] + " " + text(box, "households")
      );
      bounds.push([site[1], site[2]]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
    } else {
      map.setView([34.26, 117.18], 11);
    }
    // How many estates the map shows (a hook for checks and for assistive summaries).
    box.setAttribute("data-estates-drawn", String(data.estates.length));
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
