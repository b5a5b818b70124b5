// Attribute by searching (portal.views.attribution): as the user types in the link page's
// "Find a material or an organization" box, ask the JSON endpoint and list what it names, each
// with an "Attribute" button that posts the same form the page's plain search offers. Built
// with DOM nodes and textContent only: names from the registers are never parsed as HTML.
// Without this script the box is a plain GET form that reloads the page with the results.
(function () {
  "use strict";

  var DELAY_MS = 250;

  function wire(box) {
    var input = box.querySelector("input[type=search]");
    var results = box.querySelector(".find-results");
    var form = input && input.form;
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!input || !results || !form || !csrf) {
      return;
    }
    var minLength = parseInt(box.dataset.minLength || "2", 10);
    var timer = null;
    var asked = 0;

    function message(text) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = text;
      results.replaceChildren(p);
    }

    function section(title, rows) {
      var nodes = [];
      if (!rows.length) {
        return nodes;
      }
      var heading = document.createElement("h3");
      heading.textContent = title;
      var list = document.createElement("ul");
      list.className = "found";
      rows.forEach(function (row) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = row.url;
        link.textContent = row.label;
        var post = document.createElement("form");
        post.method = "post";
        post.action = box.dataset.attributeUrl;
        post.className = "inline";
        var token = document.createElement("input");
        token.type = "hidden";
        token.name = "csrfmiddlewaretoken";
        token.value = csrf.value;
        var value = document.createElement("input");
        value.type = "hidden";
        value.name = "attribute-" + row.kind;
        value.value = row.value;
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "small";
        button.textContent = box.dataset.textAttribute;
        post.append(token, value, button);
        item.append(link, " ", post);
        list.append(item);
      });
      nodes.push(heading, list);
      return nodes;
    }

    function show(data) {
      var nodes = section(box.dataset.textMaterials, data.materials).concat(
        section(box.dataset.textOrganizations, data.organizations)
      );
      if (nodes.length) {
        results.replaceChildren.apply(results, nodes);
      } else {
        message(box.dataset.textNone);
      }
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < minLength) {
        message(box.dataset.textShort);
        return;
      }
      var ticket = ++asked;
      var url = box.dataset.endpoint + "?q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          if (ticket === asked) {
            show(data);
          }
        })
        .catch(function () {
          if (ticket === asked) {
            message(box.dataset.textFailed);
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      ask();
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-attribution-search]"), wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
