// The positioning chart of a product: our list price against the prices
// observed for the competitors' products mapped to it, over time. The data
// comes as JSON in the data-chart attribute of #positioning-data (no
// inline scripts under the CSP).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("positioning-data");
    var canvas = document.querySelector("canvas[data-positioning]");
    if (!el || !canvas || !window.Chart) return;
    var c = JSON.parse(el.getAttribute("data-chart") || "{}");
    if (!c.labels || c.labels.length === 0) return;
    var sets = (c.sets || []).map(function (s) {
      return {
        label: s.label,
        data: s.data,
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.ours ? [6, 4] : [],
        borderWidth: s.ours ? 3 : 2,
        pointRadius: s.ours ? 0 : 4,
        stepped: s.ours ? false : "before",
        spanGaps: true,
        tips: s.tips || []
      };
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: c.labels, datasets: sets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          y: {
            beginAtZero: false,
            title: { display: true, text: c.unit },
            ticks: { callback: function (v) { return Number(v).toLocaleString(); } }
          }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var tip = ctx.dataset.tips[ctx.dataIndex];
                return ctx.dataset.label + ": " + (tip ? tip : ctx.formattedValue);
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-drawn", "1");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
