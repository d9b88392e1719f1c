// renkei's own browser glue: htmx settings, toasts and confirm dialogs.
// Load it after vendor/tabler.min.js and vendor/htmx.min.js.
(function () {
  "use strict";

  // Tabler's bundle exposes Bootstrap's components as window.tabler.
  function toastClass() {
    if (window.bootstrap && window.bootstrap.Toast) return window.bootstrap.Toast;
    if (window.tabler && window.tabler.Toast) return window.tabler.Toast;
    return null;
  }

  // showToasts shows every .toast in root (root included) that is not shown yet.
  function showToasts(root) {
    var Toast = toastClass();
    if (!Toast || !root || !root.querySelectorAll) return;
    var toasts = Array.prototype.slice.call(root.querySelectorAll(".toast"));
    if (root.matches && root.matches(".toast")) toasts.unshift(root);
    toasts.forEach(function (el) {
      if (!el.classList.contains("show")) Toast.getOrCreateInstance(el).show();
    });
  }

  if (window.htmx) {
    // htmx.onLoad runs for the page body once and then for each piece of
    // content htmx swaps in (out-of-band swaps included).
    htmx.onLoad(showToasts);

    // Inline validation: a 4xx answer (422 above all) that carries HTML is
    // swapped into the target like a 2xx one, so the server can send back
    // the form with its error messages. Other errors are not swapped.
    // Note: detail.successful is then true in htmx:afterRequest; check
    // detail.xhr.status where the difference matters.
    document.addEventListener("htmx:beforeSwap", function (evt) {
      var xhr = evt.detail.xhr;
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status >= 400 && xhr.status < 500 && type.indexOf("text/html") === 0) {
        evt.detail.shouldSwap = true;
        evt.detail.isError = false;
      }
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      showToasts(document.body);
    });
  }

  // Confirm dialogs: <button data-confirm="Delete this deal?"> or
  // <form data-confirm="...">. Listening in the capture phase on the
  // document runs before htmx's and the browser's own handling, so
  // cancelling stops the request as well as a plain form submit.
  function confirmed(el, evt) {
    var message = el.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      return false;
    }
    return true;
  }

  document.addEventListener("click", function (evt) {
    var el = evt.target.closest && evt.target.closest("[data-confirm]");
    if (el && el.tagName !== "FORM") confirmed(el, evt);
  }, true);

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form.matches && form.matches("form[data-confirm]")) confirmed(form, evt);
  }, true);

  // Copy buttons: <button data-copy="#id" data-copied="Copied"> copies the
  // value (inputs) or text (other elements) of #id to the clipboard and
  // shows the data-copied label for a moment.
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-copy]");
    if (!btn) return;
    var src = document.querySelector(btn.getAttribute("data-copy"));
    if (!src) return;
    var text = "value" in src ? src.value : src.textContent;
    var done = function () {
      var label = btn.getAttribute("data-copied");
      if (!label || btn.getAttribute("data-copy-busy")) return;
      var old = btn.textContent;
      btn.setAttribute("data-copy-busy", "1");
      btn.textContent = label;
      setTimeout(function () {
        btn.textContent = old;
        btn.removeAttribute("data-copy-busy");
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else if (src.select) {
      src.select();
      if (document.execCommand("copy")) done();
    }
  });
  // Selects that submit their form when changed: <select data-autosubmit>.
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit();
      else el.form.submit();
    }
  });

  // Bulk selection: <input type="checkbox" data-check-all="ids"> checks
  // every checkbox named ids in its form; [data-bulk-count] shows how many
  // are checked (data-template holds "%d selected").
  function bulkCount(form) {
    if (!form) return;
    var out = form.querySelector("[data-bulk-count]");
    if (!out) return;
    var n = form.querySelectorAll('input[type="checkbox"][name="ids"]:checked').length;
    out.textContent = n ? (out.getAttribute("data-template") || "%d").replace("%d", n) : "";
  }
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (!el.matches) return;
    if (el.matches("input[data-check-all]")) {
      var name = el.getAttribute("data-check-all");
      var boxes = el.form ? el.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]') : [];
      Array.prototype.forEach.call(boxes, function (b) { b.checked = el.checked; });
      bulkCount(el.form);
    } else if (el.matches('input[type="checkbox"][name="ids"]')) {
      bulkCount(el.form);
    }
  });

  // Bulk action: show only the value control of the chosen operation
  // (<span data-bulk-for="add_tag remove_tag">).
  function bulkOp(select) {
    var root = select.closest("[data-bulk]");
    if (!root) return;
    Array.prototype.forEach.call(root.querySelectorAll("[data-bulk-for]"), function (el) {
      var ops = el.getAttribute("data-bulk-for").split(" ");
      el.hidden = ops.indexOf(select.value) < 0;
    });
  }

  // Custom property conditions of the list filters: the operators and the
  // value input follow the type of the chosen property.
  function propCond(row) {
    var key = row.querySelector("[data-prop-key]");
    var op = row.querySelector("[data-prop-op]");
    var val = row.querySelector("[data-prop-value]");
    if (!key || !op || !val) return;
    var opt = key.options[key.selectedIndex];
    var type = (opt && opt.getAttribute("data-type")) || "";
    Array.prototype.forEach.call(op.options, function (o) {
      var types = (o.getAttribute("data-types") || "").split(" ");
      o.hidden = o.disabled = type !== "" && types.indexOf(type) < 0;
    });
    if (op.options[op.selectedIndex] && op.options[op.selectedIndex].disabled) {
      for (var i = 0; i < op.options.length; i++) {
        if (!op.options[i].disabled) { op.selectedIndex = i; break; }
      }
    }
    val.type = type === "date" ? "date" : "text";
    val.inputMode = type === "number" ? "decimal" : "";
    var noValue = op.value === "is_set" || op.value === "not_set";
    val.disabled = noValue;
    // Choices are offered in a list next to the input.
    var choices = (opt && opt.getAttribute("data-options")) || "";
    var listID = val.id + "-list";
    var list = document.getElementById(listID);
    if (choices) {
      if (!list) {
        list = document.createElement("datalist");
        list.id = listID;
        val.parentNode.appendChild(list);
      }
      list.textContent = "";
      choices.split("|").forEach(function (c) {
        var o = document.createElement("option");
        o.value = c;
        list.appendChild(o);
      });
      val.setAttribute("list", listID);
    } else {
      val.removeAttribute("list");
    }
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    // A form sent back with messages: start at the first field to fix.
    if (root === document) {
      var bad = document.querySelector("main form .is-invalid");
      if (bad && bad.focus) bad.focus();
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-bulk-op]"), bulkOp);
    Array.prototype.forEach.call(root.querySelectorAll("[data-propcond]"), propCond);
    Array.prototype.forEach.call(root.querySelectorAll("form"), bulkCount);
  }
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (!el.matches) return;
    if (el.matches("[data-bulk-op]")) bulkOp(el);
    if (el.matches("[data-prop-key], [data-prop-op]")) propCond(el.closest("[data-propcond]"));
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
