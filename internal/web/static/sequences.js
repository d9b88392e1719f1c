// The sequence report's chart: the rate of each outcome for the enrolled
// contacts and for the holdout, side by side. The data comes as JSON in
// the data-chart attribute of #seq-chart-data (no inline scripts under the
// CSP); the table under the chart has the same numbers with n and the
// intervals.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("seq-chart-data");
    var canvas = document.getElementById("seq-chart");
    if (!el || !canvas || !window.Chart) return;
    var c = JSON.parse(el.getAttribute("data-chart") || "{}");
    if (!c.labels || c.labels.length === 0) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: c.labels,
        datasets: [
          { label: c.enrolledLabel, data: c.enrolled, backgroundColor: "#206bc4", borderRadius: 3 },
          { label: c.holdoutLabel, data: c.holdout, backgroundColor: "#ae3ec9", borderRadius: 3 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } },
        plugins: {
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + ctx.parsed.y + "%"; } } }
        }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
