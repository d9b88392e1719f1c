// The segment builder: groups of conditions (AND / OR), a field picker,
// operators and value inputs per field type, and a live count. The page
// gives the allow-list, the texts and the filter as JSON in the
// data-setup attribute of #segment-setup (no inline scripts under the CSP); the filter is written
// back as JSON into the form's hidden "filter" field on every change, and
// a debounced POST to /marketing/segments/preview counts it. Every text
// from the server is set with textContent, never as HTML.
(function () {
  "use strict";

  var setupEl = document.getElementById("segment-setup");
  var builder = document.getElementById("segment-builder");
  var hidden = document.getElementById("segment-filter");
  if (!setupEl || !builder || !hidden) return;
  var S = JSON.parse(setupEl.getAttribute("data-setup"));
  var T = S.texts || {};
  var fields = {};
  (S.fields || []).forEach(function (f) { fields[f.name] = f; });
  var root = normalize(S.filter || {});
  var serverErrors = S.errors || {};
  var timer = null;
  var seq = 0;

  function normalize(g) {
    g.match = g.match === "any" ? "any" : "all";
    g.conditions = g.conditions || [];
    g.groups = g.groups || [];
    g.groups.forEach(normalize);
    return g;
  }

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (k) { if (k) e.appendChild(k); });
    return e;
  }

  function fmt(s, v) { return String(s).replace("%s", v); }

  // ---- model helpers ----

  function firstOption(f) { return f.options && f.options.length ? f.options[0].value : ""; }

  function newCondition() {
    var f = fields.lifecycle_stage || (S.fields || [])[0];
    return { field: f.name, op: f.ops[0].value, value: firstOption(f) };
  }

  // resetValues fits a condition's operands to its field and operator.
  function resetValues(c) {
    var f = fields[c.field];
    var keepValue = c.value;
    delete c.values;
    if (c.op === "is_set" || c.op === "is_empty") { delete c.value; }
    else if (c.op === "in") { delete c.value; c.values = []; }
    else if (c.op === "between") { delete c.value; c.values = ["", ""]; }
    else if (c.op === "within_days") { delete c.value; c.days = c.days || 30; }
    else if (f.options && f.options.length) {
      c.value = f.options.some(function (o) { return o.value === keepValue; }) ? keepValue : firstOption(f);
    } else { c.value = keepValue || ""; }
    if (f.type === "visit" || f.type === "email") c.days = c.days || 14;
    if (c.op !== "within_days" && f.type !== "visit" && f.type !== "form" && f.type !== "survey" && f.type !== "email") delete c.days;
  }

  // clean is the filter as sent: empty parts left out.
  function clean(g) {
    var out = { match: g.match };
    if (g.conditions.length) {
      out.conditions = g.conditions.map(function (c) {
        var x = { field: c.field, op: c.op };
        if (c.value !== undefined && c.value !== "") x.value = c.value;
        if (c.values) x.values = c.values.filter(function (v) { return v !== ""; });
        if (c.op === "between" && c.values) x.values = c.values.slice();
        if (c.days) x.days = parseInt(c.days, 10) || 0;
        return x;
      });
    }
    if (g.groups.length) out.groups = g.groups.map(clean);
    return out;
  }

  // ---- rendering ----

  function render(focusKey) {
    builder.textContent = "";
    builder.appendChild(groupBox(root, "filter", 1, null));
    if (focusKey) {
      var f = builder.querySelector('[data-key="' + focusKey + '"]');
      if (f) f.focus();
    }
    showErrors(serverErrors);
  }

  function groupBox(g, path, depth, parent) {
    var box = el("div", { class: depth === 1 ? "rk-seg-group rk-seg-root" : "rk-seg-group", "data-path": path });
    var head = el("div", { class: "d-flex align-items-center gap-2 mb-2" });
    var match = el("select", { class: "form-select form-select-sm w-auto", "aria-label": T["match.all"], "data-key": path + ".match" });
    ["all", "any"].forEach(function (m) {
      var o = el("option", { value: m, text: T["match." + m] });
      if (g.match === m) o.selected = true;
      match.appendChild(o);
    });
    match.addEventListener("change", function () { g.match = match.value; changed(); });
    head.appendChild(match);
    if (parent) {
      head.appendChild(el("span", { class: "text-secondary small", text: T.group_title }));
      var rm = el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-auto", "aria-label": T.remove_group, title: T.remove_group },
        [el("i", { class: "ti ti-trash", "aria-hidden": "true" })]);
      rm.addEventListener("click", function () {
        parent.groups.splice(parent.groups.indexOf(g), 1);
        serverErrors = {};
        render();
        changed();
      });
      head.appendChild(rm);
    }
    box.appendChild(head);
    g.conditions.forEach(function (c, i) { box.appendChild(conditionRow(g, c, path + ".conditions[" + i + "]")); });
    g.groups.forEach(function (sub, i) { box.appendChild(groupBox(sub, path + ".groups[" + i + "]", depth + 1, g)); });
    var acts = el("div", { class: "d-flex gap-2 mt-2" });
    var addC = el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-key": path + ".add" },
      [el("i", { class: "ti ti-plus me-1", "aria-hidden": "true" }), document.createTextNode(T.add_condition)]);
    addC.addEventListener("click", function () {
      g.conditions.push(newCondition());
      serverErrors = {};
      render(path + ".conditions[" + (g.conditions.length - 1) + "].field");
      changed();
    });
    acts.appendChild(addC);
    if (depth < 3) {
      var addG = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", "data-key": path + ".addgroup" },
        [el("i", { class: "ti ti-brackets me-1", "aria-hidden": "true" }), document.createTextNode(T.add_group)]);
      addG.addEventListener("click", function () {
        g.groups.push({ match: g.match === "all" ? "any" : "all", conditions: [newCondition()], groups: [] });
        serverErrors = {};
        render();
        changed();
      });
      acts.appendChild(addG);
    }
    box.appendChild(acts);
    return box;
  }

  function conditionRow(g, c, path) {
    var f = fields[c.field] || (S.fields || [])[0];
    var row = el("div", { class: "rk-seg-cond", "data-path": path });
    var line = el("div", { class: "d-flex flex-wrap align-items-center gap-2" });

    var fsel = el("select", { class: "form-select form-select-sm rk-seg-field", "aria-label": f.label, "data-key": path + ".field" });
    var groups = {};
    (S.fields || []).forEach(function (x) {
      if (!groups[x.group]) { groups[x.group] = el("optgroup", { label: x.group }); fsel.appendChild(groups[x.group]); }
      var o = el("option", { value: x.name, text: x.label });
      if (x.name === c.field) o.selected = true;
      groups[x.group].appendChild(o);
    });
    fsel.addEventListener("change", function () {
      c.field = fsel.value;
      var nf = fields[c.field];
      if (!nf.ops.some(function (o) { return o.value === c.op; })) c.op = nf.ops[0].value;
      c.value = "";
      resetValues(c);
      render(path + ".field");
      changed();
    });
    line.appendChild(fsel);

    var osel = el("select", { class: "form-select form-select-sm w-auto", "aria-label": f.label, "data-key": path + ".op" });
    f.ops.forEach(function (o) {
      var x = el("option", { value: o.value, text: o.label });
      if (o.value === c.op) x.selected = true;
      osel.appendChild(x);
    });
    osel.addEventListener("change", function () { c.op = osel.value; resetValues(c); render(path + ".op"); changed(); });
    line.appendChild(osel);

    valueInputs(c, f, path).forEach(function (x) { line.appendChild(x); });

    var rm = el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary ms-auto", "aria-label": T.remove, title: T.remove },
      [el("i", { class: "ti ti-x", "aria-hidden": "true" })]);
    rm.addEventListener("click", function () {
      g.conditions.splice(g.conditions.indexOf(c), 1);
      serverErrors = {};
      render();
      changed();
    });
    line.appendChild(rm);
    row.appendChild(line);
    row.appendChild(el("div", { class: "invalid-feedback d-block rk-seg-msg", "data-msg": path }));
    return row;
  }

  function input(attrs, get, set) {
    var i = el("input", attrs);
    i.className = "form-control form-control-sm " + (attrs.class || "");
    i.value = get();
    i.addEventListener("input", function () { set(i.value); changed(); });
    return i;
  }

  function daysInput(c, path, optional) {
    var wrap = el("span", { class: "d-inline-flex align-items-center gap-1" });
    wrap.appendChild(input({ type: "number", min: "1", max: "3650", class: "rk-seg-days", "aria-label": T.days,
      "data-key": path + ".days", inputmode: "numeric" },
      function () { return c.days ? String(c.days) : ""; },
      function (v) { c.days = parseInt(v, 10) || 0; }));
    wrap.appendChild(el("span", { class: "text-secondary small", text: optional ? T.days_optional : T.days }));
    return wrap;
  }

  function valueInputs(c, f, path) {
    var out = [];
    if (c.op === "is_set" || c.op === "is_empty") {
      if (f.type === "form" || f.type === "survey") out.push(daysInput(c, path, true));
      return out;
    }
    if (c.op === "within_days") { out.push(daysInput(c, path, false)); return out; }
    var type = f.type === "number" ? "number" : f.type === "date" ? "date" : "text";
    if (c.op === "between") {
      c.values = c.values || ["", ""];
      [0, 1].forEach(function (k) {
        out.push(input({ type: type, class: "rk-seg-value", "aria-label": k ? T.to : T.from, "data-key": path + ".values" + k },
          function () { return c.values[k] || ""; }, function (v) { c.values[k] = v; }));
        if (k === 0) out.push(el("span", { class: "text-secondary small", text: "–" }));
      });
      return out;
    }
    if (c.op === "in") {
      c.values = c.values || [];
      if (f.options && f.options.length) {
        var box = el("span", { class: "rk-seg-checks" });
        f.options.forEach(function (o, k) {
          var id = (path + ".in" + k).replace(/[^a-z0-9]/gi, "-");
          var cb = el("input", { type: "checkbox", class: "form-check-input", id: id, value: o.value });
          cb.checked = c.values.indexOf(o.value) >= 0;
          cb.addEventListener("change", function () {
            c.values = c.values.filter(function (v) { return v !== o.value; });
            if (cb.checked) c.values.push(o.value);
            changed();
          });
          box.appendChild(el("label", { class: "form-check form-check-inline mb-0", for: id }, [cb,
            el("span", { class: "form-check-label", text: o.label })]));
        });
        out.push(box);
      } else {
        out.push(input({ type: "text", class: "rk-seg-value", placeholder: T.values_help, "aria-label": T.value, "data-key": path + ".values" },
          function () { return c.values.join(", "); },
          function (v) { c.values = v.split(",").map(function (x) { return x.trim(); }).filter(Boolean); }));
      }
      return out;
    }
    if (f.options && f.options.length) {
      var sel = el("select", { class: "form-select form-select-sm w-auto rk-seg-value", "aria-label": T.value, "data-key": path + ".value" });
      f.options.forEach(function (o) {
        var x = el("option", { value: o.value, text: o.label });
        if (o.value === c.value) x.selected = true;
        sel.appendChild(x);
      });
      if (!c.value) c.value = sel.value;
      sel.addEventListener("change", function () { c.value = sel.value; changed(); });
      out.push(sel);
    } else {
      var ph = f.type === "visit" ? "/pricing" : "";
      out.push(input({ type: type, class: "rk-seg-value", placeholder: ph, "aria-label": T.value, "data-key": path + ".value" },
        function () { return c.value || ""; }, function (v) { c.value = v; }));
    }
    if (f.type === "visit" || f.type === "email") out.push(daysInput(c, path, false));
    if (f.type === "form" || f.type === "survey") out.push(daysInput(c, path, true));
    return out;
  }

  // ---- errors and the live count ----

  // showErrors marks the conditions the messages are about; keys are paths
  // such as filter.groups[0].conditions[1].value.
  function showErrors(errs) {
    builder.querySelectorAll(".is-invalid").forEach(function (x) { x.classList.remove("is-invalid"); });
    builder.querySelectorAll("[data-msg]").forEach(function (x) { x.textContent = ""; });
    var general = [];
    Object.keys(errs || {}).forEach(function (key) {
      var m = /^(.*\.conditions\[\d+\])\.(\w+)$/.exec(key);
      var at = m && builder.querySelector('[data-msg="' + m[1] + '"]');
      if (at) {
        at.textContent = errs[key];
        var inp = builder.querySelector('[data-key^="' + m[1] + "." + (m[2] === "values" ? "value" : m[2]) + '"]');
        if (inp) inp.classList.add("is-invalid");
      } else if (key.indexOf("filter") === 0) {
        general.push(errs[key]);
      }
    });
    var g = document.querySelector('[data-error="filter"]');
    if (general.length && !g) {
      g = el("div", { class: "text-danger small mt-2", "data-error": "filter" });
      builder.parentNode.appendChild(g);
    }
    if (g) g.textContent = general.join(" ");
  }

  function changed() {
    hidden.value = JSON.stringify(clean(root));
    clearTimeout(timer);
    timer = setTimeout(preview, 400);
  }

  var countEl = document.getElementById("segment-count");
  var noteEl = document.getElementById("segment-count-note");
  var firstEl = document.getElementById("segment-first");

  function preview() {
    var card = document.getElementById("segment-preview");
    if (!countEl || (card && card.hidden)) return;
    var mine = ++seq;
    noteEl.textContent = T.counting;
    var body = new URLSearchParams();
    body.set("filter", hidden.value);
    fetch("/marketing/segments/preview", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.json();
    }).then(function (d) {
      if (mine !== seq) return; // an older answer
      serverErrors = d.errors || {};
      showErrors(serverErrors);
      firstEl.textContent = "";
      if (d.errors && Object.keys(d.errors).length) {
        countEl.textContent = "–";
        noteEl.textContent = T.invalid;
        return;
      }
      countEl.textContent = d.count_text;
      noteEl.textContent = d.count ? T.first : T.none_match;
      (d.contacts || []).forEach(function (c) {
        var a = el("a", { class: "list-group-item list-group-item-action", href: "/contacts/" + c.id }, [
          el("div", { class: "fw-medium", text: c.name || c.email }),
          el("div", { class: "small text-secondary", text: [c.email, c.stage].filter(Boolean).join(" · ") })]);
        firstEl.appendChild(a);
      });
      if (d.count > (d.contacts || []).length) {
        firstEl.appendChild(el("div", { class: "list-group-item small text-secondary", text: T.more }));
      }
    }).catch(function () {
      if (mine === seq) noteEl.textContent = "";
    });
  }

  // A static list filled from conditions shows the builder only when asked.
  var from = document.getElementById("from-filter");
  if (from) {
    from.addEventListener("change", function () {
      document.getElementById("segment-builder-card").hidden = !from.checked;
      document.getElementById("segment-preview").hidden = !from.checked;
      changed();
    });
  }

  render();
  hidden.value = JSON.stringify(clean(root));
  preview();
})();
