// The link page's "Assign" form: the officer list shows only the people of the agency picked
// (each option carries data-agency; portal.forms.OfficerSelect). Without this script every
// officer is listed with the agency's code and the server checks the pair.
(function () {
  "use strict";

  function wire(form) {
    var agency = form.querySelector("[data-agency-picker]");
    var officer = form.querySelector("[data-officer-picker]");
    if (!agency || !officer) {
      return;
    }
    function filter() {
      var picked = agency.value;
      Array.prototype.forEach.call(officer.options, function (option) {
        var belongs = !option.value || option.getAttribute("data-agency") === picked;
        option.hidden = !belongs;
        option.disabled = !belongs;
        if (!belongs && option.selected) {
          officer.value = "";
        }
      });
      officer.disabled = !picked;
    }
    agency.addEventListener("change", filter);
    filter();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (form.querySelector("[data-agency-picker]")) {
        wire(form);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
