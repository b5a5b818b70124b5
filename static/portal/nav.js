// The main navigation folds behind a "Menu" button on narrow screens (portal.css, "phone").
// Without this script the navigation simply stays open: nothing depends on it. No inline
// script or style (the CSP forbids them): the state lives in classes and aria-expanded.
(function () {
  "use strict";
  function setUp() {
    var header = document.querySelector("header.top");
    var button = header && header.querySelector(".nav-toggle");
    var nav = header && header.querySelector(".main-nav");
    if (!button || !nav) { return; }
    header.classList.add("nav-folds");
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = header.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
