// After a security key is registered (django-otp-webauthn's event), go where the page says: the setup page's
// `next`, or the security page itself so the new key shows in the list.
document.addEventListener("otp_webauthn.register_complete", () => {
  const holder = document.querySelector("[data-after-register]");
  window.location.assign(holder ? holder.dataset.afterRegister : window.location.href);
});
