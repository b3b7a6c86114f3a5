// The chat page without reloading: the form's question (or the suggestion clicked) is posted to
// /fragment, and the answer section the server renders (every text already escaped there) replaces
// the current one inside the page's ARIA live region. Without this script the form posts to / and
// the whole page comes back with the same answer.
"use strict";
(function () {
  var form = document.getElementById("ask");
  var box = document.getElementById("question");
  var answer = document.getElementById("answer");
  var status = document.getElementById("status");
  if (!form || !box || !answer || !status || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var busy = false;

  function show(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = doc.getElementById("answer");
    var nodes = Array.prototype.slice.call((found || doc.body).childNodes);
    answer.replaceChildren.apply(answer, nodes);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    var data = new URLSearchParams();
    var submitter = event.submitter;
    var typed = !(submitter && submitter.name === "suggestion");
    if (!typed) {
      data.append("suggestion", submitter.value);
    } else {
      data.append("question", box.value);
    }
    busy = true;
    answer.setAttribute("aria-busy", "true");
    status.textContent = "Looking in the clinic's articles…";
    fetch("/fragment", {
      method: "POST",
      body: data,
      credentials: "omit",
      cache: "no-store",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      return response.text().then(function (html) {
        show(html);
        if (response.ok) {
          box.value = "";
        }
        status.textContent = "";
      });
    }).catch(function () {
      status.textContent = "Sorry, the chatbot could not be reached. Please check your connection and try again.";
    }).then(function () {
      busy = false;
      answer.removeAttribute("aria-busy");
      // a typed question keeps the focus in the box, for the next one; after a suggestion (its button
      // is gone now) the focus goes to the answer, so that a screen reader reads on from there
      (typed ? box : answer).focus({ preventScroll: true });
      var top = answer.getBoundingClientRect().top;
      if (answer.querySelector(".notice-emergency") || top < 0 || top > window.innerHeight * 0.6) {
        answer.scrollIntoView({ block: "start" });
      }
    });
  });
})();
