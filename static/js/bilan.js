// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // RGAA 11.10: after a failed submission, move focus to the error summary.
  const summary = document.getElementById("resume-erreurs");
  if (summary) summary.focus();
});
document.addEventListener("htmx:afterSwap", (event) => {
  // Announce and focus the heading of swapped content for screen-reader users.
  const heading = event.detail.target.querySelector("h1, h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    const live = document.getElementById("annonces");
    if (live) live.textContent = heading.textContent;
  }
});
