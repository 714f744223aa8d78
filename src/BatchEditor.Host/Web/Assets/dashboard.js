// Live updates (server-sent events from /api/events) and confirmation of destructive actions (the chart is drawn on the server).
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

})();
