// Progressive enhancement for the visit form: fill the hidden position fields when the phone allows
// it. The form works the same without JavaScript or without a fix.
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  if (!form || !navigator.geolocation) { return; }
  var status = form.querySelector("[data-locate-status]");
  navigator.geolocation.getCurrentPosition(function (pos) {
    form.elements.latitude.value = pos.coords.latitude.toFixed(6);
    form.elements.longitude.value = pos.coords.longitude.toFixed(6);
    form.elements.located_at.value = new Date(pos.timestamp).toISOString();
    if (status) { status.textContent = status.getAttribute("data-done") || status.textContent; }
  }, function () {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}());
