// The social listening charts: each canvas.social-chart names the JSON
// script tag its data comes from (data-source; no inline scripts under the
// CSP). Clicking a point opens the posts behind it (links[series][point]).
(function () {
  "use strict";
  function draw(canvas) {
    var el = document.getElementById(canvas.getAttribute("data-source"));
    if (!el || !window.Chart) return;
    var d = JSON.parse(el.textContent);
    var stacked = !!d.stack;
    var datasets = (d.series || []).map(function (s) {
      return {
        label: s.label, data: s.data, borderColor: s.color, backgroundColor: stacked ? s.color : s.color,
        fill: false, tension: 0.25, pointRadius: 3, pointHoverRadius: 6
      };
    });
    new window.Chart(canvas, {
      type: stacked ? "bar" : "line",
      data: { labels: d.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, max: d.pct ? 100 : undefined,
               ticks: { precision: 0, callback: function (v) { return d.pct ? v + "%" : v; } } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + c.formattedValue + (d.pct ? "%" : "");
          } } }
        },
        onHover: function (evt, els) {
          evt.native.target.style.cursor = els.length ? "pointer" : "default";
        },
        onClick: function (evt, els) {
          if (!els.length || !d.links) return;
          var l = d.links[els[0].datasetIndex];
          if (l && l[els[0].index]) window.location.assign(l[els[0].index]);
        }
      }
    });
  }
  function all() {
    var cs = document.querySelectorAll("canvas.social-chart");
    for (var i = 0; i < cs.length; i++) draw(cs[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
