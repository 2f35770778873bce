// Rich-text editor of the synthèse (progressive enhancement over the plain textareas).
// Each textarea[data-editeur] of #form-synthese gets a pell editor (static/vendor/pell, MIT)
// with a French toolbar limited to the server's allow-list: bold, italic, two heading levels,
// bulleted and numbered lists, paragraph; no link. The textarea stays in the form (hidden) and
// receives the editor's HTML, normalised (<b> → <strong>, <i> → <em>, <div> → <p>), on every
// change; an "input" event on it lets autosave.js see the change. The server sanitises again.
// Side panel (#materiaux): "Insérer" buttons put a snippet of the bilan at the end of the
// chosen section; "Citer le passage sélectionné" quotes the selected text of a handed-in work.
// No inline script or handler (strict CSP): listeners only.
(() => {
  "use strict";
  const form = document.getElementById("form-synthese");
  if (!form || !window.pell || !document.execCommand) return;

  const BLOC = /<(p|ul|ol|h3|h4|blockquote|br)\b/i;
  const escapeHtml = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  // Plain text (typed without JavaScript) → paragraphs, as the server displays it.
  const versHtml = (value) => {
    if (!value.trim() || BLOC.test(value)) return value;
    return value
      .trim()
      .split(/\n\s*\n/)
      .map((p) => "<p>" + escapeHtml(p.trim()).replace(/\n/g, "<br>") + "</p>")
      .join("");
  };
  const EN_LIGNE = /^(STRONG|EM|B|I|BR|SPAN)$/;
  const RENOMMER = { B: "strong", I: "em", DIV: "p", H1: "h3", H2: "h3" };
  const normaliser = (root) => {
    const copie = root.cloneNode(true);
    copie.querySelectorAll("b, i, div, h1, h2").forEach((el) => {
      const neuf = document.createElement(RENOMMER[el.tagName]);
      while (el.firstChild) neuf.appendChild(el.firstChild);
      el.replaceWith(neuf);
    });
    copie.querySelectorAll("[style], [class]").forEach((el) => {
      el.removeAttribute("style");
      el.removeAttribute("class");
    });
    // Text or inline elements at the top level (e.g. bold typed first) go into a paragraph.
    let paragraphe = null;
    Array.from(copie.childNodes).forEach((node) => {
      const enLigne =
        node.nodeType === Node.TEXT_NODE || (node.nodeType === Node.ELEMENT_NODE && EN_LIGNE.test(node.tagName));
      if (!enLigne) {
        paragraphe = null;
        return;
      }
      if (!paragraphe) {
        paragraphe = document.createElement("p");
        node.before(paragraphe);
      }
      paragraphe.appendChild(node);
    });
    // Paragraphs left empty by the browser (after a list, a heading) are dropped.
    copie.querySelectorAll("p, h3, h4, li").forEach((el) => {
      if (!el.textContent.trim()) el.remove();
    });
    const walker = document.createTreeWalker(copie, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) walker.currentNode.nodeValue = walker.currentNode.nodeValue.replace(/\u00a0/g, " ");
    return copie.innerHTML.trim();
  };

  const actions = [
    { name: "bold", icon: "<strong>G</strong>", title: "Gras", label: "Gras (Ctrl+B)" },
    { name: "italic", icon: "<em>I</em>", title: "Italique", label: "Italique (Ctrl+I)" },
    {
      name: "titre",
      icon: "Titre",
      title: "Titre",
      label: "Titre",
      result: () => window.pell.exec("formatBlock", "<h3>"),
    },
    {
      name: "soustitre",
      icon: "Sous-titre",
      title: "Sous-titre",
      label: "Sous-titre",
      result: () => window.pell.exec("formatBlock", "<h4>"),
    },
    { name: "paragraph", icon: "¶", title: "Paragraphe", label: "Paragraphe" },
    { name: "ulist", icon: "• Liste", title: "Liste à puces", label: "Liste à puces" },
    { name: "olist", icon: "1. Liste", title: "Liste numérotée", label: "Liste numérotée" },
  ];

  const editeurs = new Map(); // section key -> {area, content}
  let derniere = null;

  form.querySelectorAll("textarea[data-editeur]").forEach((area) => {
    const key = area.dataset.editeur;
    const label = form.querySelector('label[for="' + area.id + '"]');
    if (label && !label.id) label.id = "label-" + area.id;
    const help = document.getElementById(area.id + "_helptext");
    const boite = document.createElement("div");
    boite.className = "editeur-synthese";
    area.insertAdjacentElement("afterend", boite);
    let content = null;
    const synchroniser = () => {
      area.value = normaliser(content);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    };
    window.pell.init({
      element: boite,
      defaultParagraphSeparator: "p",
      onChange: () => synchroniser(),
      actions: actions.map((a) => ({
        name: a.name,
        icon: a.icon,
        title: a.title,
        ...(a.result ? { result: a.result } : {}),
      })),
      classes: {
        actionbar: "editeur-barre",
        button: "editeur-bouton",
        content: "editeur-contenu form-control",
        selected: "editeur-bouton-actif",
      },
    });
    content = boite.content;
    const barre = boite.querySelector(".editeur-barre");
    barre.setAttribute("role", "toolbar");
    // Named without the section's label, so that the label names the text box only.
    barre.setAttribute("aria-label", "Mise en forme");
    barre.querySelectorAll("button").forEach((bouton, i) => {
      bouton.setAttribute("aria-label", actions[i].label);
      bouton.removeAttribute("title");
      // Keep the selection in the text: a mouse click on the toolbar does not take the focus.
      bouton.addEventListener("mousedown", (event) => event.preventDefault());
      bouton.addEventListener("click", () => synchroniser());
    });
    content.setAttribute("role", "textbox");
    content.setAttribute("aria-multiline", "true");
    if (label) content.setAttribute("aria-labelledby", label.id);
    if (help) content.setAttribute("aria-describedby", help.id);
    content.id = "editeur-" + key;
    content.innerHTML = versHtml(area.value);
    content.addEventListener("focus", () => {
      derniere = key;
      const choix = document.getElementById("materiaux-section");
      if (choix) choix.value = key;
    });
    // autosave.js saves when a field loses the focus: tell it through the textarea.
    content.addEventListener("blur", () => area.dispatchEvent(new Event("blur")));
    area.hidden = true;
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    if (label) {
      // The label now names the editor only (the hidden textarea is the form's carrier).
      label.htmlFor = content.id;
      label.addEventListener("click", () => content.focus());
    }
    editeurs.set(key, { area, content, synchroniser });
  });
  if (!editeurs.size) return;

  // --- Side panel ----------------------------------------------------------------------------
  const panneau = document.getElementById("materiaux");
  if (!panneau) return;
  const choix = document.getElementById("materiaux-section");
  const statut = document.getElementById("materiaux-statut");
  const cible = panneau.querySelector("[data-materiaux-cible]");
  if (cible) cible.hidden = false;
  panneau.querySelectorAll("[data-inserer], [data-citer]").forEach((b) => {
    b.hidden = false;
  });

  const inserer = (html) => {
    const key = (choix && choix.value) || derniere || editeurs.keys().next().value;
    const ed = editeurs.get(key);
    if (!ed) return;
    const modele = document.createElement("template");
    modele.innerHTML = html;
    ed.content.appendChild(modele.content);
    ed.synchroniser();
    ed.area.dispatchEvent(new Event("blur")); // saved now, as after typing
    const libelle = choix ? choix.options[choix.selectedIndex].text : key;
    if (statut) statut.textContent = "Inséré dans « " + libelle + " ».";
  };

  panneau.querySelectorAll("[data-inserer]").forEach((bouton) => {
    bouton.addEventListener("click", () => inserer(bouton.dataset.inserer));
  });
  panneau.querySelectorAll("[data-citer]").forEach((bouton) => {
    const source = bouton.parentElement.querySelector("[data-citable]");
    bouton.addEventListener("click", () => {
      const selection = window.getSelection();
      const texte = selection ? selection.toString().trim() : "";
      const dedans =
        selection &&
        selection.rangeCount &&
        source.contains(selection.getRangeAt(0).commonAncestorContainer);
      if (!texte || !dedans) {
        if (statut) statut.textContent = "Sélectionnez d'abord un passage de ce travail.";
        return;
      }
      inserer("<blockquote><p>" + escapeHtml(texte).replace(/\n+/g, "<br>") + "</p></blockquote>");
    });
  });
})();
