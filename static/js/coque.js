// Staff shell: "/" focuses the global search (announced by the field's description), Escape
// closes the as-you-type results. Progressive enhancement: the search is a plain GET form.
document.addEventListener("keydown", (event) => {
  const champ = document.getElementById("coque-q");
  if (!champ) return;
  if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const cible = event.target;
    const saisie = cible.closest && cible.closest("input, textarea, select");
    if (saisie || cible.isContentEditable) return;
    event.preventDefault();
    champ.focus();
    champ.select();
  } else if (event.key === "Escape") {
    const resultats = document.getElementById("coque-resultats");
    if (resultats && resultats.innerHTML.trim() && document.getElementById("coque-recherche").contains(document.activeElement)) {
      resultats.innerHTML = "";
      champ.focus();
    }
  }
});
document.addEventListener("click", (event) => {
  // A click outside the search closes its results.
  const formulaire = document.getElementById("coque-recherche");
  const resultats = document.getElementById("coque-resultats");
  if (formulaire && resultats && !formulaire.contains(event.target)) resultats.innerHTML = "";
});
