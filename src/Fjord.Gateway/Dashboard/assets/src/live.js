// Server-rendered pages that should stay current without a reload (/nodes, /schedules): an
// element with data-live="SECONDS" is fetched again from the same URL at that interval and its
// children are swapped for the new page's element of the same id. The markup is the server's
// own (every value escaped there, same origin, the CSP still forbids inline script), so no value
// is ever written as HTML here. Paused while the tab is hidden; a failed fetch (signed out, node
// gone) keeps the last content and marks it stale.
(function () {
  "use strict";
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live][id]"));
  if (regions.length === 0) return;
  var seconds = Math.max(2, Math.min.apply(null, regions.map(function (r) { return Number(r.getAttribute("data-live")) || 5; })));

  function refresh() {
    if (document.hidden) return;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" }, redirect: "error" })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        regions.forEach(function (region) {
          var next = fresh.getElementById(region.id);
          // Never pull a control out from under the keyboard: a region holding focus waits.
          if (!next || region.contains(document.activeElement)) return;
          region.replaceChildren.apply(region, Array.prototype.map.call(next.childNodes, function (n) { return document.importNode(n, true); }));
          region.removeAttribute("data-stale");
          region.setAttribute("data-refreshed", String(Date.now()));
        });
      })
      .catch(function () { regions.forEach(function (r) { r.setAttribute("data-stale", "true"); }); });
  }

  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
