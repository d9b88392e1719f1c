// The attribution report's bar charts: each canvas[data-attribution-chart]
// reads its numbers from the data-chart attribute of #attribution-<by>, the same
// rows as the table under it (no inline scripts under the CSP).
(function () {
  "use strict";
  var colours = ["#206bc4", "#0ca678", "#f76707", "#ae3ec9", "#d63939", "#4299e1", "#f59f00", "#74b816", "#17a2b8", "#667382"];
  function draw() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-attribution-chart]").forEach(function (canvas) {
      var el = document.getElementById("attribution-" + canvas.getAttribute("data-attribution-chart"));
      if (!el) return;
      var d = JSON.parse(el.getAttribute("data-chart"));
      var scale = Math.pow(10, d.minor || 0);
      var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "currency", currency: d.currency, maximumFractionDigits: d.minor || 0 });
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [{ label: d.title, data: d.values.map(function (v) { return v / scale; }),
            backgroundColor: d.values.map(function (_, i) { return colours[i % colours.length]; }) }]
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          animation: false,
          scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return fmt.format(v); } } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return fmt.format(c.parsed.x); } } } }
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
