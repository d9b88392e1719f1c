// The survey results' charts. The data comes as JSON in the data-charts
// attribute of #survey-data (no inline scripts under the CSP): one entry
// per canvas with data-chart="<name>"; the same numbers are in the tables
// under each chart.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("survey-data");
    if (!el || !window.Chart) return;
    var charts = JSON.parse(el.getAttribute("data-charts") || "{}");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var c = charts[canvas.getAttribute("data-chart")];
      if (!c || !c.labels || c.labels.length === 0) return;
      var line = c.type === "line";
      var sets = (c.sets || []).map(function (s) {
        return {
          label: s.label,
          data: s.data,
          backgroundColor: s.color,
          borderColor: line ? s.color : undefined,
          borderRadius: line ? 0 : 3,
          tension: 0.25,
          fill: false,
          spanGaps: true
        };
      });
      var value = { beginAtZero: !line, stacked: !!c.stacked, ticks: { precision: 0 } };
      if (c.percent) {
        value.max = 100;
        value.ticks.callback = function (v) { return v + "%"; };
      }
      if (c.min !== undefined) value.min = c.min;
      if (c.max !== undefined) value.max = c.max;
      new window.Chart(canvas, {
        type: line ? "line" : "bar",
        data: { labels: c.labels, datasets: sets },
        options: {
          indexAxis: c.stacked && !line ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: sets.length > 1 } },
          scales: c.stacked && !line ? { x: value, y: { stacked: true } } : { y: value, x: { stacked: !!c.stacked } }
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
