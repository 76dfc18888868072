/*
 * Facility registry maps, drawn with the vendored Leaflet (loaded with `defer`; no inline scripts).
 *
 * 1. Position picker: inside [data-facility-picker] (a fieldset holding the coordinate-system select
 *    and the latitude/longitude inputs), a map is shown when a tile URL is configured
 *    (data-tiles). Clicking the map puts a marker there, fills the inputs with its WGS-84 position and
 *    sets the coordinate system to WGS-84 (the tiles are WGS-84, like OpenStreetMap's); typing in the
 *    inputs moves the marker. Without tiles or without Leaflet the map stays hidden and the inputs
 *    work as plain text boxes, so the page never depends on the map.
 * 2. Read-only map: [data-facility-map] shows one point (data-lat, data-lng) on the detail page.
 */
(function () {
  "use strict";

  var L = window.L;
  var MARKER = { radius: 9, color: "#b02a37", weight: 3, fillOpacity: 0.4 };

  function number(value) {
    var parsed = parseFloat(String(value || "").replace(/\s/g, ""));
    return isNaN(parsed) ? null : parsed;
  }

  function tiles(map, box) {
    L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: box.getAttribute("data-attribution") || ""
    }).addTo(map);
  }

  function picker(root) {
    var box = root.querySelector("[data-facility-picker-map]");
    var lat = root.querySelector("[name=lat]");
    var lng = root.querySelector("[name=lng]");
    var system = root.querySelector("[name=coordinate_system]");
    var note = root.querySelector("[data-facility-picker-note]");
    if (!box || !lat || !lng || !root.getAttribute("data-tiles")) {
      return;
    }
    box.hidden = false;
    if (note) {
      note.hidden = false;
    }
    var start = [number(lat.value), number(lng.value)];
    var known = start[0] !== null && start[1] !== null;
    var centre = known
      ? start
      : [number(root.getAttribute("data-centre-lat")), number(root.getAttribute("data-centre-lng"))];
    var map = L.map(box, { scrollWheelZoom: false }).setView(centre, known ? 17 : 14);
    tiles(map, root);
    var marker = known ? L.circleMarker(start, MARKER).addTo(map) : null;

    function place(point) {
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = L.circleMarker(point, MARKER).addTo(map);
      }
    }

    map.on("click", function (event) {
      place(event.latlng);
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      if (system) {
        system.value = "wgs84";
      }
    });

    function typed() {
      var point = [number(lat.value), number(lng.value)];
      if (point[0] === null || point[1] === null) {
        return;
      }
      if (Math.abs(point[0]) > 90 || Math.abs(point[1]) > 180) {
        return;
      }
      place(point);
      map.panTo(point);
    }

    lat.addEventListener("change", typed);
    lng.addEventListener("change", typed);
  }

  function readOnly(box) {
    var lat = number(box.getAttribute("data-lat"));
    var lng = number(box.getAttribute("data-lng"));
    if (lat === null || lng === null || !box.getAttribute("data-tiles")) {
      return;
    }
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false }).setView([lat, lng], 16);
    tiles(map, box);
    L.circleMarker([lat, lng], MARKER).addTo(map).bindTooltip(box.getAttribute("data-label") || "");
  }

  function init() {
    if (typeof L === "undefined") {
      return;
    }
    var pickers = document.querySelectorAll("[data-facility-picker]");
    for (var i = 0; i < pickers.length; i++) {
      picker(pickers[i]);
    }
    var maps = document.querySelectorAll("[data-facility-map]");
    for (var j = 0; j < maps.length; j++) {
      readOnly(maps[j]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
