/* Card sort: drag a card onto a pile, as an enhancement only. The page works without
   JavaScript and without a mouse (one radio group per card); dropping a card just ticks the
   radio of that pile. The drop zones are added here, hidden from assistive technologies since
   the radios already say everything. */
(function () {
  "use strict";
  var form = document.querySelector("[data-tri-cartes]");
  if (!form || !("draggable" in document.createElement("div"))) return;
  var cartes = form.querySelectorAll("fieldset[data-carte]");
  if (!cartes.length) return;
  var zones = document.createElement("div");
  zones.className = "tri-zones d-none d-md-flex gap-2 mb-3";
  zones.setAttribute("aria-hidden", "true");
  form.querySelectorAll("fieldset[data-carte]")[0].querySelectorAll("input[type=radio]").forEach(function (radio) {
    var zone = document.createElement("div");
    zone.className = "tri-zone border rounded p-3 flex-fill text-center";
    zone.dataset.pile = radio.value;
    zone.textContent = form.querySelector("label[for='" + radio.id + "']").textContent;
    zones.appendChild(zone);
  });
  form.insertBefore(zones, cartes[0]);
  cartes.forEach(function (carte) {
    carte.setAttribute("draggable", "true");
    carte.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", carte.dataset.carte);
    });
  });
  zones.querySelectorAll(".tri-zone").forEach(function (zone) {
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("bg-light"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("bg-light"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("bg-light");
      var id = event.dataTransfer.getData("text/plain");
      var radio = document.getElementById("c-" + id + "-" + zone.dataset.pile);
      if (radio) { radio.checked = true; }
    });
  });
})();
