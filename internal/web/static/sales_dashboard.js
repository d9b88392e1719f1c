// The sales dashboard's charts. The data comes as JSON in the data-charts
// attribute of #dashboard-data (no inline scripts under the CSP): one entry per canvas
// with data-chart="<name>". A click on a bar opens the deal list behind it
// (the same links are in the table under each chart).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("dashboard-data");
    if (!el || !window.Chart) return;
    var charts = JSON.parse(el.getAttribute("data-charts") || "{}");
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var c = charts[canvas.getAttribute("data-chart")];
      if (!c || !c.labels || c.labels.length === 0) return;
      var sets = (c.sets || []).map(function (s) {
        var floating = s.range && s.range.length > 0;
        return {
          label: s.label,
          data: floating ? s.range : s.data,
          backgroundColor: s.color,
          borderRadius: 3,
          barPercentage: floating ? 0.35 : 0.8,
          grouped: !floating,
          order: floating ? 2 : 1,
          tips: s.tips || []
        };
      });
      var valueAxis = {
        beginAtZero: true,
        stacked: !!c.stacked,
        ticks: { precision: 0 }
      };
      if (c.percent) {
        valueAxis.max = c.max || 100;
        valueAxis.ticks.callback = function (v) { return v + "%"; };
      }
      var indexAxis = { stacked: !!c.stacked, ticks: { autoSkip: false } };
      var chart = new window.Chart(canvas, {
        type: "bar",
        data: { labels: c.labels, datasets: sets },
        options: {
          indexAxis: c.horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          scales: c.horizontal ? { x: valueAxis, y: indexAxis } : { x: indexAxis, y: valueAxis },
          plugins: {
            legend: { display: sets.length > 1, position: "bottom" },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var tip = ctx.dataset.tips[ctx.dataIndex];
                  return ctx.dataset.label + ": " + (tip !== undefined ? tip : ctx.formattedValue);
                }
              }
            }
          },
          onHover: function (evt, items) {
            evt.native.target.style.cursor = items.length ? "pointer" : "default";
          },
          onClick: function (evt, items) {
            if (!items.length || !c.urls) return;
            var url = c.urls[items[0].index];
            if (url) window.location.assign(url);
          }
        }
      });
      canvas.setAttribute("data-drawn", "1");
      return chart;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
