// Signature pad for the attendance page (progressive enhancement, no dependency).
// Markup: a form containing [data-signature-pad] (hidden until this script runs) with a
// <canvas data-signature-canvas> and a [data-signature-clear] button, and a hidden input
// name="trace". Each stroke writes the drawing as a PNG data: URL into that input; an empty
// pad leaves it empty. Without JavaScript the pad stays hidden and the page explains the
// portal confirmation instead. No inline script or style, no eval (strict CSP).
(function () {
  "use strict";

  function setup(pad) {
    const form = pad.closest("form");
    const canvas = pad.querySelector("[data-signature-canvas]");
    const clear = pad.querySelector("[data-signature-clear]");
    const input = form ? form.querySelector('input[name="trace"]') : null;
    if (!canvas || !input || !canvas.getContext) return;
    const context = canvas.getContext("2d");
    if (!context) return;

    let drawing = false;
    let drawn = false;
    let last = null;

    function reset() {
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111111";
      drawn = false;
      input.value = "";
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }

    function save() {
      if (drawn) input.value = canvas.toDataURL("image/png");
    }

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      // A tap leaves a dot.
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = context.strokeStyle;
      context.fill();
      drawn = true;
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    function stop() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    if (clear) clear.addEventListener("click", reset);
    if (form) form.addEventListener("submit", save);

    // Drawing must not scroll the page on touch screens (CSSOM, allowed by the CSP).
    canvas.style.touchAction = "none";
    reset();
    pad.hidden = false;
  }

  function init() {
    document.querySelectorAll("[data-signature-pad]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
