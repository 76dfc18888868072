/*
 * The case page's map: one point on tiles from SHEQU_MAP_TILE_URL, drawn with the vendored Leaflet.
 * The position is always on the page as text; the map only adds to it. Without Leaflet, or when the
 * tiles cannot load, the page still says where the case is.
 */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("case-map");
    if (!box || typeof window.L === "undefined") {
      return;
    }
    var lat = parseFloat(box.getAttribute("data-lat"));
    var lng = parseFloat(box.getAttribute("data-lng"));
    if (isNaN(lat) || isNaN(lng)) {
      return;
    }
    box.hidden = false;
    var map = window.L.map(box, { scrollWheelZoom: false }).setView([lat, lng], 16);
    window.L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: box.getAttribute("data-attribution") || ""
    }).addTo(map);
    // A vector marker: no icon images to locate behind hashed static file names.
    window.L.circleMarker([lat, lng], {
      radius: 9,
      color: "#b02a37",
      weight: 3,
      fillOpacity: 0.4
    }).addTo(map).bindTooltip(box.getAttribute("data-label") || "");
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
