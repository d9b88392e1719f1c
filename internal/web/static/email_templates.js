// The e-mail template editor: a list of blocks (heading, text, image,
// button, divider, columns) that can be added, moved and removed, an HTML
// source mode, the merge fields to insert, and a live preview rendered by
// the server as a chosen contact. The page gives the blocks, the fields,
// the palette, the texts and the messages of a refused save as JSON in the
// data-setup attribute of #etpl-setup (no inline scripts under the CSP).
// The blocks are written back as JSON into the form's hidden "blocks"
// field on every change. The preview is shown in an <iframe sandbox>
// through srcdoc: nothing in a template can run. Every text from the
// server is set with textContent, never as HTML.
(function () {
  "use strict";

  var setupEl = document.getElementById("etpl-setup");
  var form = document.getElementById("etpl-form");
  var builder = document.getElementById("etpl-builder");
  var hidden = document.getElementById("etpl-blocks");
  if (!setupEl || !form || !builder || !hidden) return;
  var S = JSON.parse(setupEl.getAttribute("data-setup"));
  var T = S.texts || {};
  var blocks = S.blocks || [];
  var errors = S.errors || {};
  var lastField = null; // the text control a merge field goes into
  var timer = null;
  var seq = 0;

  var TYPES = ["heading", "text", "image", "button", "divider", "columns"];

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

  function newBlock(type) {
    switch (type) {
      case "heading": return { type: type, text: "", level: 1 };
      case "text": return { type: type, text: "" };
      case "image": return { type: type, src: "https://", alt: "" };
      case "button": return { type: type, label: "", url: "https://", color: "blue" };
      case "columns": return { type: type, columns: [[{ type: "text", text: "" }], [{ type: "text", text: "" }]] };
    }
    return { type: type };
  }

  // ---- rendering the block list ----

  function render() {
    builder.textContent = "";
    builder.appendChild(blockList(blocks, "blocks", true));
    markErrors();
    changed();
  }

  function blockList(list, path, top) {
    var wrap = el("div", { class: "rk-etpl-list" });
    if (!list.length) wrap.appendChild(el("p", { class: "text-secondary small", text: T.empty }));
    list.forEach(function (b, i) {
      wrap.appendChild(blockCard(list, i, path + "[" + i + "]", top));
    });
    wrap.appendChild(addControl(list, path, top));
    return wrap;
  }

  function addControl(list, path, top) {
    var sel = el("select", { class: "form-select form-select-sm w-auto", "aria-label": T.add, "data-add": path });
    sel.appendChild(el("option", { value: "", text: "+ " + T.add }));
    TYPES.forEach(function (t) {
      if (t === "columns" && !top) return;
      sel.appendChild(el("option", { value: t, text: T[t] }));
    });
    sel.addEventListener("change", function () {
      if (!sel.value) return;
      list.push(newBlock(sel.value));
      render();
    });
    return el("div", { class: "mt-2" }, [sel]);
  }

  function iconButton(icon, label, onClick, disabled) {
    var b = el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary btn-icon", title: label, "aria-label": label },
      [el("i", { class: "ti " + icon, "aria-hidden": "true" })]);
    if (disabled) b.disabled = true;
    b.addEventListener("click", onClick);
    return b;
  }

  function blockCard(list, i, path, top) {
    var b = list[i];
    var head = el("div", { class: "d-flex align-items-center mb-2" }, [
      el("span", { class: "badge bg-azure-lt me-auto", text: T[b.type] || b.type }),
      iconButton("ti-arrow-up", T.up, function () { move(list, i, -1); }, i === 0),
      iconButton("ti-arrow-down", T.down, function () { move(list, i, 1); }, i === list.length - 1),
      iconButton("ti-trash", T.remove, function () { list.splice(i, 1); render(); })
    ]);
    var card = el("div", { class: "border rounded p-2 mb-2 rk-etpl-block", "data-type": b.type }, [head]);
    var body = el("div");
    switch (b.type) {
      case "heading":
        body.appendChild(textInput(b, "text", T.heading, path, false));
        body.appendChild(choice(b, "level", T.level, [["1", T.level1], ["2", T.level2]], path, true));
        break;
      case "text":
        body.appendChild(textInput(b, "text", T.text, path, true));
        body.appendChild(el("div", { class: "form-hint", text: T.text_help }));
        break;
      case "image":
        body.appendChild(textInput(b, "src", T.src, path, false));
        body.appendChild(textInput(b, "alt", T.alt, path, false));
        body.appendChild(textInput(b, "width", T.width, path, false, "number"));
        body.appendChild(textInput(b, "link", T.link, path, false));
        break;
      case "button":
        body.appendChild(textInput(b, "label", T.label, path, false));
        body.appendChild(textInput(b, "url", T.url, path, false));
        body.appendChild(choice(b, "color", T.color, (S.colors || []).map(function (c) { return [c.Value, c.Label]; }), path, false));
        break;
      case "columns":
        body.appendChild(columnsCount(b, path));
        var row = el("div", { class: "row g-2" });
        (b.columns || []).forEach(function (col, c) {
          row.appendChild(el("div", { class: "col-md" }, [
            el("div", { class: "small text-secondary mb-1", text: T.column + " " + (c + 1) }),
            blockList(col, path + ".columns[" + c + "]", false)
          ]));
        });
        body.appendChild(row);
        break;
    }
    card.appendChild(body);
    card.appendChild(el("div", { class: "text-danger small", "data-path": path + ".type" }));
    return card;
  }

  function move(list, i, d) {
    var j = i + d;
    if (j < 0 || j >= list.length) return;
    var t = list[i]; list[i] = list[j]; list[j] = t;
    render();
  }

  var uid = 0;

  function textInput(b, key, label, path, area, type) {
    var id = "etpl-f" + (++uid);
    var input = area ? el("textarea", { id: id, class: "form-control", rows: "4" })
      : el("input", { id: id, class: "form-control", type: type || "text" });
    input.value = b[key] == null ? "" : String(b[key]);
    input.setAttribute("data-path", path + "." + key);
    input.setAttribute("data-merge", "1");
    input.addEventListener("input", function () {
      if (type === "number") {
        var n = parseInt(input.value, 10);
        if (isNaN(n)) delete b[key]; else b[key] = n;
      } else {
        b[key] = input.value;
      }
      changed();
    });
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-1", for: id, text: label }), input,
      el("div", { class: "invalid-feedback", "data-error-for": path + "." + key })]);
  }

  function choice(b, key, label, options, path, numeric) {
    var id = "etpl-f" + (++uid);
    var sel = el("select", { id: id, class: "form-select form-select-sm", "data-path": path + "." + key });
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] });
      if (String(b[key]) === o[0]) opt.selected = true;
      sel.appendChild(opt);
    });
    sel.addEventListener("change", function () {
      b[key] = numeric ? parseInt(sel.value, 10) : sel.value;
      changed();
    });
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-1", for: id, text: label }), sel,
      el("div", { class: "invalid-feedback", "data-error-for": path + "." + key })]);
  }

  function columnsCount(b, path) {
    var id = "etpl-f" + (++uid);
    var sel = el("select", { id: id, class: "form-select form-select-sm w-auto", "data-path": path + ".columns" });
    ["2", "3"].forEach(function (n) {
      var opt = el("option", { value: n, text: T.columns_n.replace("%s", n) });
      if ((b.columns || []).length === parseInt(n, 10)) opt.selected = true;
      sel.appendChild(opt);
    });
    sel.addEventListener("change", function () {
      var n = parseInt(sel.value, 10);
      while (b.columns.length < n) b.columns.push([{ type: "text", text: "" }]);
      b.columns.length = n;
      render();
    });
    return el("div", { class: "mb-2" }, [el("label", { class: "form-label small mb-1", for: id, text: T.columns }), sel]);
  }

  // ---- messages ----

  function markErrors() {
    form.querySelectorAll("[data-path]").forEach(function (c) {
      var msg = errors[c.getAttribute("data-path")];
      if (c.tagName === "DIV") { c.textContent = msg || ""; return; }
      c.classList.toggle("is-invalid", !!msg);
      var fb = c.parentNode.querySelector("[data-error-for]");
      if (fb) fb.textContent = msg || "";
    });
  }

  // ---- merge fields ----

  function fieldList() {
    var box = document.getElementById("etpl-fields");
    if (!box) return;
    (S.fields || []).forEach(function (f) {
      var b = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary me-1 mb-1", title: T.insert_field },
        [el("span", { text: f.label }), el("code", { class: "ms-1 small", text: "{{" + f.key + "}}" })]);
      b.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the caret where it was
      b.addEventListener("click", function () { insertField(f.key); });
      box.appendChild(b);
    });
  }

  function insertField(key) {
    var c = lastField || document.getElementById("f-subject");
    if (!c) return;
    var tag = "{{" + key + "}}";
    var start = c.selectionStart == null ? c.value.length : c.selectionStart;
    var end = c.selectionEnd == null ? start : c.selectionEnd;
    c.value = c.value.slice(0, start) + tag + c.value.slice(end);
    c.focus();
    c.setSelectionRange(start + tag.length, start + tag.length);
    c.dispatchEvent(new Event("input", { bubbles: true }));
  }

  form.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t.getAttribute("data-merge") === "1" || ["f-subject", "f-preheader", "html"].indexOf(t.id) >= 0) lastField = t;
  });

  // ---- editor mode ----

  function mode() {
    var h = document.getElementById("editor-html");
    return h && h.checked ? "html" : "blocks";
  }

  function showMode() {
    var html = mode() === "html";
    document.getElementById("etpl-blocks-card").hidden = html;
    document.getElementById("etpl-html-card").hidden = !html;
    changed();
  }

  form.querySelectorAll("input[name=editor]").forEach(function (r) { r.addEventListener("change", showMode); });

  // ---- the live preview ----

  var frame = document.getElementById("etpl-preview");
  var subjectEl = document.getElementById("etpl-preview-subject");
  var textEl = document.getElementById("etpl-preview-text");
  var errorsEl = document.getElementById("etpl-preview-errors");
  var contactSel = document.getElementById("etpl-contact");

  function changed() {
    hidden.value = JSON.stringify(blocks);
    clearTimeout(timer);
    timer = setTimeout(preview, 350);
  }

  function preview() {
    if (!frame) return;
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    body.set("blocks", hidden.value);
    errorsEl.textContent = T.updating;
    fetch("/marketing/email/templates/preview", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.json();
    }).then(function (d) {
      if (mine !== seq) return; // an older answer
      errors = d.errors || {};
      markErrors();
      var msgs = Object.keys(errors).filter(function (k) { return k !== "name"; }).map(function (k) { return errors[k]; });
      errorsEl.textContent = msgs.join(" ");
      if (msgs.length) return;
      subjectEl.textContent = d.subject;
      textEl.textContent = d.text;
      frame.srcdoc = d.html;
      frame.setAttribute("data-rendered", String(mine));
    }).catch(function () {
      if (mine === seq) errorsEl.textContent = "";
    });
  }

  form.addEventListener("input", function (e) {
    if (e.target === hidden || e.target === q) return;
    if (!e.target.hasAttribute("data-path")) changed();
  });
  form.addEventListener("change", function (e) {
    if (e.target === contactSel || e.target.name === "locale") changed();
  });

  // ---- "preview as": the contact picker ----

  var q = document.getElementById("etpl-contact-q");
  var qTimer = null;

  function loadContacts() {
    fetch("/marketing/email/templates/suggest?q=" + encodeURIComponent(q ? q.value : ""), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (res) { return res.json(); }).then(function (list) {
      var keep = contactSel.value;
      while (contactSel.options.length > 1) contactSel.remove(1);
      list.forEach(function (c) {
        var opt = el("option", { value: String(c.id), text: c.label });
        if (String(c.id) === keep) opt.selected = true;
        contactSel.appendChild(opt);
      });
      if (q && q.value && list.length && !keep) {
        contactSel.value = String(list[0].id);
        changed();
      }
    });
  }

  if (q && contactSel) {
    q.addEventListener("input", function () {
      clearTimeout(qTimer);
      qTimer = setTimeout(loadContacts, 300);
    });
    loadContacts();
  }

  form.addEventListener("submit", function () { hidden.value = JSON.stringify(blocks); });

  fieldList();
  render();
})();
