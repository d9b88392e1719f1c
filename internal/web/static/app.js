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
})();
