// The overview's live part: polls the stats endpoint every 2 s, moves the chart (uPlot draws it)
// and the per-function table. Values are set with textContent, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("throughput");
  if (!el || typeof uPlot === "undefined") return;
  var url = el.getAttribute("data-stats");
  var plot = null;
  var css = getComputedStyle(document.documentElement);
  function color(name) { return css.getPropertyValue(name).trim(); }
  function width() { return Math.max(280, el.clientWidth); }

  function draw(d) {
    var data = [d.t, d.succeeded, d.failed];
    if (!plot) {
      var axis = { stroke: color("--muted"), grid: { stroke: color("--line") }, ticks: { stroke: color("--line") } };
      plot = new uPlot({
        width: width(), height: 220,
        series: [{}, { label: "succeeded/s", stroke: color("--ok"), width: 2 },
                     { label: "failed/s", stroke: color("--bad"), width: 2 }],
        // The x axis always spans the last 15 minutes, however few samples there are yet.
        scales: { x: { time: true, range: function () { var now = Date.now() / 1000; return [now - 900, now]; } } },
        axes: [axis, axis]
      }, data, el);
    } else {
      plot.setData(data);
    }
    el.setAttribute("data-points", String(d.t.length));
  }

  function table(functions) {
    var body = document.querySelector("#functions tbody");
    if (!body) return;
    var rows = functions.map(function (f) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = f.name;
      tr.appendChild(th);
      [f.ready, f.scheduled, f.running, f.succeeded, f.failed, f.paused ? "paused" : "active"].forEach(function (v) {
        var td = document.createElement("td");
        td.textContent = String(v);
        tr.appendChild(td);
      });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) { location.assign("/login"); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (d) { if (d) { draw(d); table(d.functions); } })
      .catch(function () { /* the next poll retries */ })
      .then(function () { setTimeout(poll, 2000); });
  }

  window.addEventListener("resize", function () { if (plot) plot.setSize({ width: width(), height: 220 }); });
  poll();
})();
