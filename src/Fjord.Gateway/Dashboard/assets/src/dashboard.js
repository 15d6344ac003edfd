// The dashboard's live parts: each polls its JSON every 2 s and moves its chart (uPlot draws it)
// and tables. Values are set with textContent, never as HTML. Polling pauses while the tab is
// hidden, so a dashboard left open in the background costs the node nothing.
(function () {
  "use strict";
  if (typeof uPlot === "undefined") return;
  var css = getComputedStyle(document.documentElement);
  function color(name) { return css.getPropertyValue(name).trim(); }
  var axis = function () { return { stroke: color("--muted"), grid: { stroke: color("--line") }, ticks: { stroke: color("--line") } }; };
  // The x axis always spans the last 15 minutes, however few samples there are yet.
  var lastQuarter = { time: true, range: function () { var now = Date.now() / 1000; return [now - 900, now]; } };

  function chart(el, series, axes, scales, columns) {
    var plot = null;
    function width() { return Math.max(280, el.clientWidth); }
    window.addEventListener("resize", function () { if (plot) plot.setSize({ width: width(), height: 220 }); });
    return function (d) {
      var data = [d.t].concat(columns.map(function (c) { return d[c]; }));
      if (!plot) {
        plot = new uPlot({ width: width(), height: 220, series: [{}].concat(series), scales: scales, axes: axes }, data, el);
      } else {
        plot.setData(data);
      }
      el.setAttribute("data-points", String(d.t.length));
    };
  }

  function cells(body, rows) {
    if (!body) return;
    body.replaceChildren.apply(body, rows.map(function (values) {
      var tr = document.createElement("tr");
      values.forEach(function (v, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        cell.textContent = String(v);
        tr.appendChild(cell);
      });
      return tr;
    }));
  }

  function poll(url, onData) {
    function tick() {
      if (document.hidden) { setTimeout(tick, 2000); return; }
      fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401) { location.assign("/login"); return null; }
          return r.ok ? r.json() : null;
        })
        .then(function (d) { if (d) onData(d); })
        .catch(function () { /* the next poll retries */ })
        .then(function () { setTimeout(tick, 2000); });
    }
    tick();
  }

  var throughput = document.getElementById("throughput");
  if (throughput) {
    var drawThroughput = chart(throughput,
      [{ label: "succeeded/s", stroke: color("--ok"), width: 2 }, { label: "failed/s", stroke: color("--bad"), width: 2 }],
      [axis(), axis()], { x: lastQuarter }, ["succeeded", "failed"]);
    poll(throughput.getAttribute("data-stats"), function (d) {
      drawThroughput(d);
      cells(document.querySelector("#functions tbody"), d.functions.map(function (f) {
        return [f.name, f.ready, f.scheduled, f.running, f.succeeded, f.failed, f.paused ? "paused" : "active", f.oldestReady];
      }));
      cells(document.querySelector("#overview-nodes tbody"), d.nodes.map(function (n) {
        return [n.id, n.role, n.alive ? "alive" : "silent", n.cpuBusy, n.cpuSteal, n.memory];
      }));
    });
  }

  var depth = document.getElementById("depth");
  if (depth) {
    var ageAxis = axis();
    ageAxis.scale = "s";
    ageAxis.side = 1;
    ageAxis.values = function (u, ticks) { return ticks.map(function (t) { return t + " s"; }); };
    var drawDepth = chart(depth,
      [{ label: "ready", stroke: color("--accent"), width: 2 }, { label: "scheduled", stroke: color("--muted"), width: 1 },
       { label: "running", stroke: color("--ok"), width: 2 }, { label: "oldest ready age (s)", stroke: color("--bad"), width: 2, scale: "s" }],
      [axis(), axis(), ageAxis], { x: lastQuarter, s: { auto: true } }, ["ready", "scheduled", "running", "oldestReadyAgeS"]);
    poll(depth.getAttribute("data-series"), drawDepth);
  }
})();
