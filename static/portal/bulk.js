/* The bulk bar (portal/links/_bulk_bar.html): "select all on this page" ticks the page's
   boxes, and only the fields of the chosen action are shown. Without JavaScript every field
   shows and each box is ticked by hand; the server decides either way. */
(function () {
  "use strict";

  function showFields(bar) {
    var action = bar.querySelector("select[name='bulk-action']");
    if (!action) {
      return;
    }
    bar.querySelectorAll("[data-bulk-for]").forEach(function (element) {
      element.hidden = element.getAttribute("data-bulk-for").split(" ").indexOf(action.value) < 0;
    });
  }

  function init() {
    document.querySelectorAll(".bulk-bar").forEach(showFields);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-page]")) {
      var form = document.getElementById(target.getAttribute("data-select-page"));
      if (form) {
        form.querySelectorAll("input[type=checkbox][name=link]").forEach(function (box) {
          box.checked = target.checked;
        });
      }
    } else if (target.matches(".bulk-bar select[name='bulk-action']")) {
      showFields(target.closest(".bulk-bar"));
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
