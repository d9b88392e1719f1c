// The pipeline board: drag a card to another column to move the deal.
// A drop submits the card's own move form (the keyboard way to move: the
// "Move / edit" menu of each card), so both ways send the deal's version
// and the server answers the same: the board again, a conflict message
// when someone else moved the deal first, or a page asking for the lost
// reason or the fields the stage needs.
(function () {
  "use strict";

  function submitMove(card, stageId) {
    var form = card.querySelector(".rk-move-form");
    if (!form) return;
    var select = form.querySelector("select[name=stage_id]");
    select.value = stageId;
    document.body.classList.add("rk-busy");
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function init() {
    if (!window.Sortable) return;
    var lists = document.querySelectorAll(".rk-deal-list");
    Array.prototype.forEach.call(lists, function (list) {
      if (!list.closest(".rk-board").querySelector(".rk-move-form")) return; // read-only
      window.Sortable.create(list, {
        group: "deals",
        sort: false,
        animation: 120,
        forceFallback: true, // pointer events: works the same in every browser and in tests
        fallbackTolerance: 4,
        filter: "details, input, select, button, textarea",
        preventOnFilter: false,
        ghostClass: "rk-drag-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          submitMove(evt.item, evt.to.getAttribute("data-stage-id"));
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
