/* tocsin dashboard: small progressive enhancements; every page works without this file.
   Loaded from /static (the CSP allows no inline script). Never inserts HTML: textContent only. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    // Map: show a marker's label below the map on hover or click (labels come from data-label).
    var info = document.getElementById("map-info");
    var markers = document.querySelectorAll(".map .marker");
    markers.forEach(function (m) {
      function show() {
        markers.forEach(function (o) { o.classList.remove("sel"); });
        m.classList.add("sel");
        if (info) { info.textContent = m.getAttribute("data-label") || ""; }
      }
      m.addEventListener("mouseenter", show);
      m.addEventListener("focus", show);
    });
    // Search: "/" focuses the query box, as on most search sites.
    var q = document.getElementById("q");
    if (q) {
      document.addEventListener("keydown", function (e) {
        if (e.key === "/" && document.activeElement !== q && !(e.target instanceof HTMLInputElement)) {
          e.preventDefault(); q.focus();
        }
      });
    }
  });
})();
