// On the first visit, show the times in the browser's own time zone: pick it in the
// zone list and reload. Without JavaScript the page shows the company's zone and the
// list still works.
(function () {
  "use strict";
  var form = document.getElementById("zone-form");
  if (!form || form.getAttribute("data-detect") !== "yes") return;
  var select = form.querySelector("select");
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!select || !zone || zone === select.value) return;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) {
      select.value = zone;
      form.submit();
      return;
    }
  }
})();
