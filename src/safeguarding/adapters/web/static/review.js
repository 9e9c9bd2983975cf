// Keyboard shortcuts for the review pages. Plain forms do the work; this only saves clicks.
// On the queue: j opens the most urgent case. On a case: c, d, e choose the outcome and
// fill its reasons; r reveals the next blurred image; q goes back to the queue.
(function () {
  "use strict";

  function typing(event) {
    var tag = event.target && event.target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.target.isContentEditable;
  }

  function fillReasons(select, outcome) {
    var reasons = JSON.parse(select.dataset.reasons || "{}")[outcome] || [];
    select.innerHTML = "";
    reasons.forEach(function (code) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = code.replace(/_/g, " ");
      select.appendChild(option);
    });
  }

  function choose(outcome) {
    var radio = document.querySelector('form.decision input[name="outcome"][value="' + outcome + '"]');
    if (!radio) return false;
    radio.checked = true;
    var select = document.querySelector('form.decision select[name="reason_code"]');
    fillReasons(select, outcome);
    select.focus();
    return true;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches('form.decision input[name="outcome"]')) {
      fillReasons(document.querySelector('form.decision select[name="reason_code"]'), event.target.value);
    }
  });

  var outcomes = { c: "confirm", d: "dismiss", e: "escalate" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var handled = false;
    if (outcomes[event.key]) {
      handled = choose(outcomes[event.key]);
    } else if (event.key === "r") {
      // the images the case is about first, then the rest of the conversation's
      var next = document.querySelector("li.in-case button.reveal") || document.querySelector("button.reveal");
      if (next) { next.click(); handled = true; }
    } else if (event.key === "q") {
      window.location.href = "/ui/queue";
      handled = true;
    } else if (event.key === "j") {
      var first = document.querySelector('[data-testid="case-table"] tbody tr a');
      if (first) { first.click(); handled = true; }
    }
    if (handled) event.preventDefault();
  });
})();
