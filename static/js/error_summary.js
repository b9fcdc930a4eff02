// A form shown again with errors: focus goes to its summary ([data-rdv-error-summary],
// read out by screen readers), and each link of the summary takes focus to its field.
(function () {
  var summary = document.querySelector("[data-rdv-error-summary]");
  if (!summary) { return; }
  summary.focus();
  function fieldOf(link) {
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return null; }
    if (target.matches("input, select, textarea")) { return target; }
    return target.querySelector("input:not([type=hidden]), select, textarea");
  }
  summary.querySelectorAll("a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = fieldOf(link);
      if (!field) { return; }
      event.preventDefault();
      // Other handlers (a tab holding the field) may show it first: try now, then once
      // the page has been drawn again.
      field.focus();
      if (document.activeElement !== field) {
        window.requestAnimationFrame(function () { field.focus(); });
      }
      field.scrollIntoView({ block: "center" });
    });
  });
})();
