// The job pages' live parts. /jobs: the first page's table is fetched again every 2 s (the same
// store query as the page, as JSON cells) and rebuilt, so new jobs appear and statuses move.
// /jobs/{id}: until the job ends, its state is asked every 2 s and the page reloads when it
// changes. Values are set with textContent, never as HTML.
(function () {
  "use strict";
  var every = 2000;

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) { location.assign("/login"); return null; }
        return r.ok ? r.json() : null;
      });
  }

  function row(item) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", item.id);
    var th = document.createElement("th");
    th.scope = "row";
    var a = document.createElement("a");
    a.className = "job-id";
    a.href = "/jobs/" + encodeURIComponent(item.id);
    a.textContent = item.id;
    th.appendChild(a);
    tr.appendChild(th);
    item.cells.forEach(function (text, i) {
      var td = document.createElement("td");
      if (i === 1) {
        var span = document.createElement("span");
        span.className = "status status-" + text;
        span.textContent = text;
        td.appendChild(span);
      } else {
        td.textContent = text;
      }
      tr.appendChild(td);
    });
    return tr;
  }

  var table = document.getElementById("jobs");
  if (table && table.getAttribute("data-live")) {
    var url = table.getAttribute("data-live");
    var body = table.tBodies[0];
    var poll = function () {
      get(url)
        .then(function (d) {
          if (!d) return;
          // Keep keyboard focus on the same job's link across the rebuild.
          var focused = document.activeElement && body.contains(document.activeElement)
            ? document.activeElement.closest("tr").getAttribute("data-id") : null;
          body.replaceChildren.apply(body, d.items.map(row));
          var empty = document.getElementById("jobs-empty");
          if (empty) empty.hidden = d.items.length > 0;
          if (focused) {
            var link = body.querySelector('tr[data-id="' + focused + '"] a');
            if (link) link.focus();
          }
          table.setAttribute("data-polls", String(Number(table.getAttribute("data-polls") || 0) + 1));
        })
        .catch(function () { /* the next poll retries */ })
        .then(function () { setTimeout(poll, every); });
    };
    setTimeout(poll, every);
  }

  var job = document.getElementById("job");
  if (job && job.getAttribute("data-live")) {
    var state = job.getAttribute("data-state");
    var watch = function () {
      get(job.getAttribute("data-live"))
        .then(function (d) {
          if (d && d.state !== state) { location.reload(); return; }
          setTimeout(watch, every);
        })
        .catch(function () { setTimeout(watch, every); });
    };
    setTimeout(watch, every);
  }
})();
