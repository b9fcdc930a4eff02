// Progressive enhancement of the motif form (everything works without it):
// - a checkbox with data-rdv-toggles="id1 id2" shows those blocks only when ticked
//   (the server ignores them when it is not);
// - a link of the error summary brings the tab holding its field to the front.
(function () {
  function syncToggles(checkbox) {
    checkbox.getAttribute("data-rdv-toggles").split(" ").forEach(function (id) {
      var block = document.getElementById(id);
      if (block) { block.hidden = !checkbox.checked; }
    });
  }
  document.querySelectorAll("[data-rdv-toggles]").forEach(function (checkbox) {
    syncToggles(checkbox);
    checkbox.addEventListener("change", function () { syncToggles(checkbox); });
  });
  document.querySelectorAll("[data-rdv-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      var panel = target && target.closest(".fr-tabs__panel");
      var tab = panel && document.getElementById(panel.getAttribute("aria-labelledby"));
      if (tab && tab.getAttribute("aria-selected") !== "true") { tab.click(); }
    });
  });
})();
