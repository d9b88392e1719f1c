// The awareness report's line chart: data comes from the JSON script tag
// #awareness-data (no inline scripts under the CSP).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("awareness-data");
    var canvas = document.getElementById("awareness-chart");
    if (!el || !canvas || !window.Chart) return;
    var d = JSON.parse(el.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.names[0], data: d.visitors, borderColor: "#0ca678", backgroundColor: "rgba(12,166,120,.1)", fill: true, tension: 0.25 },
          { label: d.names[1], data: d.pageviews, borderColor: "#206bc4", backgroundColor: "rgba(32,107,196,.08)", fill: true, tension: 0.25 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
