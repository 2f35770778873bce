// Autosave of the synthèse editor (progressive enhancement: the form works without it).
// Every 20 s when something changed, and when a textarea loses focus, the form is posted with
// fetch to its data-autosave-url. The server answers {"revision": n, "message": "..."} (the
// hidden revision field is updated), or 409 {"conflit": true} when newer text exists: autosave
// stops and a visible warning tells the user to submit normally to compare both texts.
// One request at a time: an autosave never starts while another runs, and the save button
// waits for a running autosave, then submits with the revision it produced (no false
// "modifié ailleurs", no two writers at once).
// CSRF: the token is read from the form's csrfmiddlewaretoken field (the cookie is HttpOnly).
(() => {
  "use strict";
  const form = document.getElementById("form-synthese");
  if (!form || !window.fetch || !window.FormData) return;
  const url = form.dataset.autosaveUrl;
  const status = document.getElementById("autosave-statut");
  const revision = form.querySelector('input[name="revision"]');
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (!url || !status || !revision || !token) return;

  let dirty = false;
  let stopped = false;
  let submitting = false;
  let inflight = null; // the running autosave (a promise), or null

  const say = (text, kind) => {
    status.textContent = text;
    status.classList.remove("text-danger", "fw-bold", "alert", "alert-warning", "text-success");
    if (kind === "conflit") status.classList.add("alert", "alert-warning", "fw-bold");
    else if (kind === "erreur") status.classList.add("text-danger");
    else if (kind === "ok") status.classList.add("text-success");
  };

  const post = async () => {
    dirty = false;
    try {
      const response = await fetch(url, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": token.value, Accept: "application/json" },
        credentials: "same-origin",
      });
      let data = {};
      try {
        data = await response.json();
      } catch (e) {
        data = {};
      }
      if (response.ok && typeof data.revision === "number") {
        revision.value = String(data.revision);
        say(data.message || "Enregistré", "ok");
      } else if (response.status === 409 && data.conflit) {
        stopped = true;
        say(
          data.message ||
            "Attention : le texte a été modifié ailleurs. Cliquez sur « Enregistrer » pour comparer.",
          "conflit",
        );
      } else {
        dirty = true;
        say(data.erreur || "Enregistrement automatique impossible pour l'instant.", "erreur");
      }
    } catch (e) {
      dirty = true;
      say("Enregistrement automatique impossible (connexion ?). Votre texte reste dans la page.", "erreur");
    }
  };

  const save = () => {
    if (!dirty || inflight || stopped) return inflight;
    inflight = post().finally(() => {
      inflight = null;
    });
    return inflight;
  };

  form.querySelectorAll("textarea").forEach((area) => {
    area.addEventListener("input", () => {
      dirty = true;
    });
    area.addEventListener("blur", () => {
      save();
    });
  });
  // The save button: no autosave starts any more; one still running is awaited first, so the
  // form goes with the revision that autosave produced.
  form.addEventListener("submit", (event) => {
    stopped = true;
    if (submitting || !inflight) return;
    event.preventDefault();
    const submitter = event.submitter || null;
    inflight.finally(() => {
      submitting = true;
      if (form.requestSubmit) form.requestSubmit(submitter);
      else form.submit();
    });
  });
  window.setInterval(save, 20000);
})();
