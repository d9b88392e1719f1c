// Quote editor: picking a catalogue product fills the line's name, unit,
// price and tax; "Add line" shows one more empty row. The totals are
// computed on the server (htmx posts the form to /quotes/preview).
(function () {
  "use strict";
  var form = document.getElementById("quote-form");
  if (!form) return;
  var english = function () {
    var l = form.querySelector("[name=language]");
    return l && l.value === "en";
  };
  var set = function (row, name, value) {
    var el = row.querySelector("[name='lines." + row.dataset.row + "." + name + "']");
    if (el) el.value = value;
  };
  form.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.classList || !sel.classList.contains("rk-product")) return;
    var opt = sel.options[sel.selectedIndex];
    var row = sel.closest("tr");
    if (!opt || !opt.value || !row) return;
    set(row, "name", (english() && opt.dataset.nameEn) || opt.dataset.name || "");
    set(row, "unit", opt.dataset.unit || "");
    set(row, "unit_price", opt.dataset.price || "");
    set(row, "list_price", opt.dataset.price || "");
    set(row, "tax_category", opt.dataset.tax || "standard");
    var q = row.querySelector("[name='lines." + row.dataset.row + ".quantity']");
    if (q && !q.value) q.value = "1";
  });
  var add = document.getElementById("quote-add-line");
  if (add) {
    add.addEventListener("click", function () {
      var rows = form.querySelectorAll("tr.rk-quote-line");
      var last = rows[rows.length - 1];
      if (!last) return;
      var n = Number(last.dataset.row) + 1;
      var copy = last.cloneNode(true);
      copy.dataset.row = String(n);
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^lines\.\d+\./, "lines." + n + ".");
        if (el.id) el.id = "f-" + el.name;
        if (el.tagName === "SELECT") el.selectedIndex = 0;
        else el.value = "";
      });
      copy.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
      last.parentNode.appendChild(copy);
      copy.querySelector("select, input").focus();
    });
  }
})();
