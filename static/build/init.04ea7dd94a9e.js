// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk/govuk-frontend.min.8982af0b181b.js";

initAll();

// The time-out warning is only on pages whose session has something to lose: only those fetch it.
const timeoutDialog = document.querySelector('[data-module="portal-timeout"]');
if (timeoutDialog) {
  import("./timeout.355a57d0ecd9.js").then(({ initTimeoutWarning }) => initTimeoutWarning(timeoutDialog));
}

// "Print or save as PDF" buttons: hidden until there is a script to press them.
document.querySelectorAll('[data-module="portal-print"]').forEach((button) => {
  button.classList.remove("govuk-!-display-none");
  button.addEventListener("click", () => window.print());
});
