// "Copier le lien" buttons: <button data-rdv-copy="input-id">. Without JavaScript (or
// without the clipboard API) the button stays hidden and the read-only field is there
// to select and copy by hand.
(function () {
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-rdv-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-rdv-copy"));
    var status = document.getElementById(input.id + "-copie");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        status.textContent = "Lien copié. Collez-le dans votre message à la personne invitée.";
      }, function () {
        input.select();
        status.textContent = "La copie a échoué : le lien est sélectionné, copiez-le avec Ctrl+C.";
      });
    });
  });
})();
