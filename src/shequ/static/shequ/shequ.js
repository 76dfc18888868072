/*
 * shequ page behaviour. Loaded with `defer` from base.html; no inline scripts anywhere.
 *
 * 1. Large-text toggle: any element with [data-shequ-large-text] switches <html class="large-text">,
 *    remembers the choice in the `shequ_large_text` cookie (read by the server on the next page) and
 *    keeps every toggle's aria-pressed in step.
 * 2. htmx: unsafe requests carry Django's CSRF token, read from <meta name="csrf-token">.
 */
(function () {
  "use strict";

  var LARGE_TEXT_CLASS = "large-text";
  var LARGE_TEXT_COOKIE = "shequ_large_text";
  var ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
  var SAFE_METHODS = ["get", "head", "options", "trace"];

  function rememberLargeText(enabled) {
    var cookie =
      LARGE_TEXT_COOKIE + "=" + (enabled ? "1" : "0") +
      "; path=/; max-age=" + ONE_YEAR_SECONDS + "; SameSite=Lax";
    if (window.location.protocol === "https:") {
      cookie += "; Secure";
    }
    document.cookie = cookie;
  }

  function syncToggles(enabled) {
    var toggles = document.querySelectorAll("[data-shequ-large-text]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-pressed", enabled ? "true" : "false");
    }
  }

  function setLargeText(enabled) {
    document.documentElement.classList.toggle(LARGE_TEXT_CLASS, enabled);
    rememberLargeText(enabled);
    syncToggles(enabled);
  }

  // Delegated, so toggles inside content swapped in by htmx work too.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-shequ-large-text]");
    if (!toggle) {
      return;
    }
    event.preventDefault();
    setLargeText(!document.documentElement.classList.contains(LARGE_TEXT_CLASS));
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var method = String(event.detail.verb || "").toLowerCase();
    if (SAFE_METHODS.indexOf(method) !== -1) {
      return;
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });
})();
