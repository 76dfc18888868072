/*
 * Drawing an alert's area on a map, with the vendored Leaflet (loaded with `defer`; no inline
 * scripts). Inside [data-area-map] (which names its tiles and centre), each click on the map adds a
 * corner; the polygon is drawn and written to the form's `area` textarea as a GeoJSON Polygon
 * (WGS-84 longitude/latitude, the ring closed). "Undo" removes the last corner, "clear" all of them.
 * A polygon already in the textarea (a re-shown form) is drawn first. Without tiles or Leaflet the
 * map stays hidden and the textarea works as before, so the page never depends on the map.
 */
(function () {
  "use strict";

  var L = window.L;
  var STYLE = { color: "#b02a37", weight: 3, fillOpacity: 0.15 };

  function number(value) {
    var parsed = parseFloat(value);
    return isNaN(parsed) ? null : parsed;
  }

  function cornersOf(text) {
    try {
      var shape = JSON.parse(text);
      var geometry = shape && shape.type === "Feature" ? shape.geometry : shape;
      if (!geometry || geometry.type !== "Polygon" || !geometry.coordinates.length) {
        return [];
      }
      var ring = geometry.coordinates[0].slice(0, -1);
      return ring.map(function (p) { return [p[1], p[0]]; });
    } catch (error) {
      return [];
    }
  }

  function drawer(box) {
    var form = box.closest("form");
    var area = form && form.querySelector("textarea[name=area]");
    if (!area || !box.getAttribute("data-tiles")) {
      return;
    }
    var canvas = box.querySelector("[data-area-canvas]");
    box.hidden = false;
    var centre = [number(box.getAttribute("data-centre-lat")), number(box.getAttribute("data-centre-lng"))];
    var map = L.map(canvas, { scrollWheelZoom: false });
    L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: box.getAttribute("data-attribution") || ""
    }).addTo(map);
    var corners = cornersOf(area.value);
    var shape = null;

    function redraw(write) {
      if (shape) {
        map.removeLayer(shape);
        shape = null;
      }
      if (corners.length === 1) {
        shape = L.circleMarker(corners[0], STYLE).addTo(map);
      } else if (corners.length === 2) {
        shape = L.polyline(corners, STYLE).addTo(map);
      } else if (corners.length > 2) {
        shape = L.polygon(corners, STYLE).addTo(map);
      }
      if (!write) {
        return;
      }
      if (corners.length < 3) {
        area.value = "";
        return;
      }
      var ring = corners.map(function (c) { return [Number(c[1].toFixed(6)), Number(c[0].toFixed(6))]; });
      ring.push(ring[0]);
      area.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }

    if (corners.length > 2) {
      redraw(false);
      map.fitBounds(L.latLngBounds(corners));
    } else if (centre[0] !== null && centre[1] !== null) {
      map.setView(centre, 13);
    } else {
      map.setView([35, 105], 4);
    }
    map.on("click", function (event) {
      corners.push([event.latlng.lat, event.latlng.lng]);
      redraw(true);
    });
    box.querySelector("[data-area-undo]").addEventListener("click", function () {
      corners.pop();
      redraw(true);
    });
    box.querySelector("[data-area-clear]").addEventListener("click", function () {
      corners = [];
      redraw(true);
    });
  }

  function init() {
    if (typeof L === "undefined") {
      return;
    }
    var boxes = document.querySelectorAll("[data-area-map]");
    for (var i = 0; i < boxes.length; i++) {
      drawer(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
