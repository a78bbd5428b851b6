// Berth's page glue: confirmations, select-all, htmx settings. No framework.
"use strict";

// Swap 503 answers too: they carry the "engine not reachable" banner.
document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "503", swap: true, error: false, target: "#engine-banner-slot", swapOverride: "outerHTML" },
      { code: "[45]..", swap: false, error: true },
    ];
  }
});

// <form data-confirm="Remove web?">: ask first, with or without htmx.
// A capture listener on the document runs before htmx's own submit handler.
document.addEventListener("submit", (event) => {
  const form = event.target;
  let question = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
  const when = form.dataset.confirmWhen;
  if (when && event.submitter && event.submitter.value === when) {
    const count = document.querySelectorAll(`input[form="${form.id}"]:checked`).length;
    question = `${when[0].toUpperCase() + when.slice(1)} ${count} selected container(s)?`;
  }
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// <input type=checkbox data-select-all="ids">: ticks every row's box.
document.addEventListener("change", (event) => {
  const name = event.target.dataset && event.target.dataset.selectAll;
  if (!name) return;
  document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
    box.checked = event.target.checked;
  });
});

// Show htmx network failures instead of failing silently.
document.addEventListener("htmx:sendError", () => {
  const slot = document.getElementById("messages");
  if (slot) slot.innerHTML = '<p class="message error" role="alert">Berth did not answer. Check your connection and try again.</p>';
});

// <button data-copy="#field">: copy the field's value (or text) to the clipboard.
// The Clipboard API needs a secure context; plain-http consoles fall back to
// selecting the text and execCommand.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent;
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => {});
  } else if (source.select) {
    source.select();
    if (document.execCommand("copy")) done();
  }
});
