/*
 * Intake pages (loaded with `defer`; no inline scripts).
 *
 * 1. Position: inside [data-shequ-locate], the [data-shequ-locate-button] (hidden until this script
 *    shows it) asks navigator.geolocation for the position and fills the latitude/longitude inputs;
 *    with [data-shequ-locate-auto] it does so once on load when they are empty. The inputs stay
 *    visible and editable, so the page works without JavaScript or GPS. A "change" event is sent so
 *    the likely-duplicates fragment (htmx) refreshes.
 * 2. Printing: [data-shequ-print] buttons (hidden until shown here) print the page; copying:
 *    [data-shequ-copy] buttons copy (or select) the value of the field they name.
 */
(function () {
  "use strict";

  function say(status, key, value) {
    if (!status) {
      return;
    }
    var text = status.getAttribute("data-" + key) || "";
    status.textContent = value === undefined ? text : text.replace("%s", value);
  }

  function setValue(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function locate(root) {
    var lat = root.querySelector("[name=latitude]");
    var lng = root.querySelector("[name=longitude]");
    var status = root.querySelector("[data-shequ-locate-status]");
    if (!lat || !lng) {
      return;
    }
    if (!("geolocation" in navigator)) {
      say(status, "unsupported");
      return;
    }
    say(status, "pending");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setValue(lat, position.coords.latitude.toFixed(6));
        setValue(lng, position.coords.longitude.toFixed(6));
        say(status, "done", String(Math.round(position.coords.accuracy)));
      },
      function () {
        say(status, "failed");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function init() {
    var roots = document.querySelectorAll("[data-shequ-locate]");
    for (var i = 0; i < roots.length; i++) {
      (function (root) {
        var button = root.querySelector("[data-shequ-locate-button]");
        if (button) {
          button.hidden = false;
          button.addEventListener("click", function () {
            locate(root);
          });
        }
        var lat = root.querySelector("[name=latitude]");
        if (root.hasAttribute("data-shequ-locate-auto") && lat && !lat.value) {
          locate(root);
        }
      })(roots[i]);
    }
    // Copy buttons: [data-shequ-copy="<input id>"] copy that field's value; where the clipboard API is
    // not available (plain http), the text is selected for the user to copy.
    var copiers = document.querySelectorAll("[data-shequ-copy]");
    for (var k = 0; k < copiers.length; k++) {
      (function (button) {
        var field = document.getElementById(button.getAttribute("data-shequ-copy"));
        if (!field) {
          return;
        }
        button.hidden = false;
        button.addEventListener("click", function () {
          field.focus();
          field.select();
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(field.value);
          }
        });
      })(copiers[k]);
    }
    var printers = document.querySelectorAll("[data-shequ-print]");
    for (var j = 0; j < printers.length; j++) {
      printers[j].hidden = false;
      printers[j].addEventListener("click", function () {
        window.print();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
