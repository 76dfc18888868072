/*
 * Resident case pages and the kiosk. Loaded with `defer`; no inline scripts. Every page works
 * without it.
 *
 * 1. [data-shequ-print]: a button that prints the page (the materials list, a case number).
 * 2. [data-shequ-locate]: "use my location" fills the form's latitude and longitude from
 *    navigator.geolocation; shown only where the browser offers it.
 * 3. [data-shequ-kiosk-home]: the kiosk goes back to its start screen after data-idle-seconds
 *    without a touch, a key or typing, so the next person never sees the last one's answers.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shequ-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  function setupLocate(box) {
    if (!("geolocation" in navigator)) {
      return;
    }
    var form = box.closest("form");
    var button = box.querySelector("button");
    var status = box.querySelector("[data-shequ-locate-status]");
    var latitude = form && form.querySelector("input[name=latitude]");
    var longitude = form && form.querySelector("input[name=longitude]");
    if (!button || !latitude || !longitude) {
      return;
    }
    box.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = status.getAttribute("data-located");
          button.disabled = false;
        },
        function () {
          status.textContent = status.getAttribute("data-failed");
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function setupKiosk(marker) {
    var home = marker.getAttribute("data-shequ-kiosk-home");
    var seconds = parseInt(marker.getAttribute("data-idle-seconds"), 10) || 60;
    var timer = null;
    function restart() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        window.location.assign(home);
      }, seconds * 1000);
    }
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shequ-locate]").forEach(setupLocate);
    var kiosk = document.querySelector("[data-shequ-kiosk-home]");
    if (kiosk) {
      setupKiosk(kiosk);
    }
  });
})();
