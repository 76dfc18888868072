/*
 * The living-circle map: estates coloured by coverage, the category's facilities, suggested sites.
 * Data comes from the page (json_script "coverage-data"); every figure is also in the tables below,
 * so the page says everything without the map. Tiles come from SHEQU_MAP_TILE_URL when it is set;
 * with none (offline, or inside a government network), the map draws on a blank background.
 */
(function () {
  "use strict";

  var COLOURS = { covered: "#198754", gap: "#dc3545", unreachable: "#212529" };

  function text(box, name) {
    return box.getAttribute("data-" + name) || "";
  }

  function estateState(estate) {
    if (estate.unreachable) { return "unreachable"; }
    return estate.covered ? "covered" : "gap";
  }

  function estateTip(box, estate) {
    var distance = estate.unreachable ? text(box, "unreachable")
      : estate.distance === null ? text(box, "far")
      : Math.round(estate.distance) + " " + text(box, "metres");
    var parts = [estate.name, text(box, estateState(estate) === "gap" ? "gap" : estateState(estate)),
      estate.households + " " + text(box, "households"), distance];
    if (estate.facility) { parts.push(estate.facility); }
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
      var state = estateState(estate);
      L.circleMarker([estate.lat, estate.lng], {
        radius: 4 + Math.min(8, Math.sqrt(estate.households) / 4),
        color: COLOURS[state], weight: 2, fillOpacity: state === "covered" ? 0.35 : 0.6
      }).addTo(map).bindTooltip(estateTip(box, estate));
      bounds.push([estate.lat, estate.lng]);
    });
    data.facilities.forEach(function (facility) {
      L.rectangle(
        [[facility.lat - 0.0004, facility.lng - 0.0005], [facility.lat + 0.0004, facility.lng + 0.0005]],
        { color: "#0d6efd", weight: 2, fillOpacity: 0.7 }
      ).addTo(map).bindTooltip(text(box, "facility") + " · " + facility.name);
    });
    data.sites.forEach(function (site) {
      L.marker([site.lat, site.lng], {
        icon: L.divIcon({ className: "site-star", html: "★" + site.rank, iconSize: [32, 20] }),
        keyboard: true, title: text(box, "site") + " " + site.rank
      }).addTo(map).bindTooltip(
        text(box, "site") + " " + site.rank + " · +" + site.households + " " + text(box, "households")
      );
      bounds.push([site.lat, site.lng]);
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
