// Live updates (server-sent events from /api/events), the throughput chart, and confirmation of destructive actions.
// No framework and no CDN: the dashboard must work on a machine without internet access.
(function () {
  "use strict";

  // Elements with data-live name the event stream that keeps their counts, progress and item state current.
  document.querySelectorAll("[data-live]").forEach(function (el) {
    var source = new EventSource(el.getAttribute("data-live"));
    source.addEventListener("snapshot", function (e) {
      var s = JSON.parse(e.data);
      document.querySelectorAll("[data-count]").forEach(function (n) {
        n.textContent = s.counts[n.getAttribute("data-count")] || 0;
      });
      document.querySelectorAll("[data-finished]").forEach(function (n) { n.textContent = s.finished; });
      document.querySelectorAll("[data-progress]").forEach(function (p) { p.max = s.total; p.value = s.finished; });
      if (s.itemState) {
        document.querySelectorAll("[data-item-state]").forEach(function (n) {
          n.textContent = s.itemState;
          n.className = "state " + s.itemState.toLowerCase();
        });
        document.querySelectorAll("[data-item-reason]").forEach(function (n) { n.textContent = s.itemReason; });
      }
    });
  });

  document.querySelectorAll("[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!confirm(b.getAttribute("data-confirm"))) e.preventDefault(); });
  });

  var chart = document.getElementById("throughput");
  if (!chart) return;
  var windowName = "30m";

  function draw(points) {
    var max = Math.max(1, ...points.map(function (p) { return p.succeeded + p.failed; }));
    var w = 1000, h = 160, bw = w / Math.max(points.length, 1);
    var bars = points.map(function (p, i) {
      var hs = (p.succeeded / max) * (h - 20), hf = (p.failed / max) * (h - 20), x = i * bw;
      var title = new Date(p.at).toLocaleString() + ": " + p.succeeded + " succeeded, " + p.failed + " other";
      return '<g><title>' + title + '</title>' +
        '<rect x="' + x + '" y="' + (h - hs) + '" width="' + Math.max(bw - 1, 1) + '" height="' + hs + '" fill="#1f8a4c"/>' +
        '<rect x="' + x + '" y="' + (h - hs - hf) + '" width="' + Math.max(bw - 1, 1) + '" height="' + hf + '" fill="#c53030"/></g>';
    }).join("");
    chart.innerHTML = '<svg viewBox="0 0 ' + w + ' ' + h + '" preserveAspectRatio="none" role="img">' + bars +
      '<text x="4" y="14" font-size="12" fill="#6b7385">max ' + max + ' per bucket</text></svg>';
  }

  function load() {
    fetch("/api/throughput?window=" + windowName).then(function (r) { return r.json(); }).then(draw).catch(function () { });
  }

  document.querySelectorAll("[data-window]").forEach(function (b) {
    b.addEventListener("click", function () {
      windowName = b.getAttribute("data-window");
      document.querySelectorAll("[data-window]").forEach(function (o) { o.classList.toggle("on", o === b); });
      load();
    });
  });
  load();
  setInterval(load, 10000);
})();
