/* Renkei form embed: <div data-renkei-form="KEY"></div><script src="https://HOST/f/embed.js" async></script>
   Renders each form with DOM calls only (no HTML strings), posts it as JSON
   to Renkei with the tracker's visitor id and the page address. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";
  function visitorId() {
    try {
      if (window.renkei && typeof window.renkei.visitorId === "function") return window.renkei.visitorId() || "";
      return window.localStorage.getItem("rk_vid") || "";
    } catch (e) { return ""; }
  }
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) n.setAttribute(k, attrs[k]);
    if (text) n.textContent = text;
    return n;
  }
  function render(box, key, def) {
    var form = el("form", { "class": "rk-form", novalidate: "" });
    if (def.title) form.appendChild(el("h3", { "class": "rk-form-title" }, def.title));
    var hp = el("div", { "aria-hidden": "true", style: "position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden" });
    hp.appendChild(el("input", { type: "text", name: def.honeypot, tabindex: "-1", autocomplete: "off" }));
    form.appendChild(hp);
    var errs = {};
    def.fields.forEach(function (f) {
      var id = "rk-" + key + "-" + f.key;
      var row = el("div", { "class": "rk-field" });
      var input = el("input", { id: id, name: f.key, type: f.type });
      if (f.required) input.setAttribute("required", "");
      if (f.max_length) input.setAttribute("maxlength", String(f.max_length));
      var label = el("label", { "for": id }, f.label + (f.required ? " *" : ""));
      if (f.type === "checkbox") { input.value = "yes"; row.appendChild(input); row.appendChild(label); }
      else { row.appendChild(label); row.appendChild(input); }
      var msg = el("div", { "class": "rk-error", role: "alert", style: "color:#d63939" });
      row.appendChild(msg);
      errs[f.key] = msg;
      form.appendChild(row);
    });
    var alert = el("div", { "class": "rk-alert", role: "alert", style: "color:#d63939" });
    form.appendChild(alert);
    var button = el("button", { type: "submit" }, def.submit);
    form.appendChild(button);
    var token = def.token;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var values = {};
      def.fields.forEach(function (f) {
        var i = form.elements[f.key];
        values[f.key] = f.type === "checkbox" ? (i.checked ? "yes" : "") : i.value;
        errs[f.key].textContent = "";
      });
      alert.textContent = "";
      button.disabled = true;
      fetch(def.action, {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ values: values, _t: token, website_url: form.elements[def.honeypot].value,
          page_url: location.href, referrer: document.referrer, visitor_id: visitorId(), lang: def.lang })
      }).then(function (res) { return res.json().then(function (j) { return [res.status, j]; }); })
        .then(function (r) {
          var j = r[1];
          button.disabled = false;
          if (j.ok) {
            if (j.redirect) { location.href = j.redirect; return; }
            var done = el("p", { "class": "rk-thanks", role: "status" }, j.message);
            form.replaceWith(done);
            return;
          }
          alert.textContent = j.message || def.error_text;
          for (var k in j.errors || {}) if (errs[k]) errs[k].textContent = j.errors[k];
        })
        .catch(function () { button.disabled = false; alert.textContent = def.error_text; });
    });
    box.textContent = "";
    box.appendChild(form);
  }
  function load(box) {
    var key = box.getAttribute("data-renkei-form");
    if (!key || box.getAttribute("data-renkei-loaded")) return;
    box.setAttribute("data-renkei-loaded", "1");
    var lang = (box.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "").slice(0, 2);
    fetch(base + "/f/embed/" + encodeURIComponent(key) + "?lang=" + encodeURIComponent(lang), { mode: "cors", credentials: "omit" })
      .then(function (res) { return res.json(); })
      .then(function (def) { render(box, key, def); })
      .catch(function () {});
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll("[data-renkei-form]"), load); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
