// deminimis officer page: small enhancements only; every form works without this file.
(function () {
  "use strict";

  // Orgnr lookup as you type: fills the firm box once the number has 9 digits.
  function setupLookup() {
    var input = document.querySelector("input[data-lookup]");
    var box = document.getElementById("firm");
    if (!input || !box) return;
    var last = "";
    var timer = null;
    function year() {
      var d = document.getElementById("grant_date");
      var m = d && /(\d{4})/.exec(d.value || "");
      return m ? "&year=" + m[1] : "";
    }
    function lookup() {
      var digits = input.value.replace(/\D/g, "");
      if (digits.length !== 9 || digits === last) return;
      last = digits;
      fetch(input.dataset.lookup + digits + "?lang=" + input.dataset.lang + year(), {headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (facts) { box.innerHTML = facts.html || ""; })
        .catch(function () { last = ""; });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 250); });
    input.addEventListener("change", lookup);
  }

  // Copy buttons: copy the named textarea and say so on the button.
  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var area = document.getElementById(button.dataset.copy);
        var label = button.textContent;
        function done() { button.textContent = button.dataset.done; setTimeout(function () { button.textContent = label; }, 1500); }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(area.value).then(done, function () { area.select(); document.execCommand("copy"); done(); });
        } else { area.select(); document.execCommand("copy"); done(); }
      });
    });
  }

  // Batch progress: poll the run's status and reload when it is done.
  function setupBatch() {
    var job = document.getElementById("job");
    if (!job || job.dataset.status !== "running") return;
    var bar = document.getElementById("job-progress");
    var count = document.getElementById("job-count");
    function poll() {
      fetch(job.dataset.poll).then(function (r) { return r.json(); }).then(function (s) {
        if (s.status !== "running") { window.location.reload(); return; }
        if (s.total) { bar.max = s.total; bar.value = s.done; count.textContent = s.done + " / " + s.total; }
        setTimeout(poll, 500);
      }).catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 300);
  }

  // After a submit: focus the error summary (a form with errors), else the result's heading,
  // so a screen reader reads the outcome first and the keyboard starts there.
  function setupFocus() {
    var target = document.getElementById("form-errors") || document.getElementById("page-errors");
    if (!target && ["", "#result", "#result-h"].indexOf(location.hash) >= 0) {
      target = document.getElementById("result-h") || document.getElementById("note-h") ||
        document.getElementById("job-h");
    }
    if (!target && location.hash === "#reservation") target = document.getElementById("reservation-result");
    if (target) target.focus();
  }

  document.addEventListener("DOMContentLoaded", function () { setupLookup(); setupCopy(); setupBatch(); setupFocus(); });
})();
