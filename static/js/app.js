// Small behaviours wired by data-* attributes, so no page needs inline scripts or on* handlers
// (the Content-Security-Policy allows scripts from our own static files only).
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
});
document.addEventListener("click", (e) => {
  const el = e.target.closest ? e.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); e.stopImmediatePropagation(); return; }
  const all = e.target.closest ? e.target.closest("[data-select-all]") : null;
  if (all) for (const b of document.querySelectorAll(all.dataset.selectAll)) b.checked = all.checked;
}, true);
