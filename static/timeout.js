// The GOV.UK time-out warning (residents and staff): a modal dialog opens a short while before
// the session ends, counts down, and offers "Continue" (a POST with the CSRF token that keeps
// the session going) or "Sign out". Focus moves into the dialog and back out again; Escape
// counts as "Continue"; the countdown is announced once a minute and in the last 20 seconds,
// not every second. Without JavaScript the dialog never opens: the session just ends, and the
// next page says so.

// Whole minutes rounded up while more than a minute is left (never "1 minute" with 1:59 to go).
function words(seconds) {
  if (seconds > 60) return `${Math.ceil(seconds / 60)} minutes`;
  if (seconds === 60) return "1 minute";
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

export function initTimeoutWarning(dialog) {
  if (!dialog || typeof dialog.showModal !== "function") return;
  const countdown = dialog.querySelector(".portal-timeout__countdown");
  const announce = dialog.querySelector(".portal-timeout__announce");
  const heading = dialog.querySelector("#timeout-heading");
  const continueForm = dialog.querySelector(".portal-timeout__continue");
  const endedUrl = dialog.dataset.endedUrl;
  let seconds = Number(dialog.dataset.seconds);
  let warnSeconds = Number(dialog.dataset.warnSeconds);
  let endsAt = 0;
  let warnTimer = null;
  let tick = null;
  let returnFocus = null;
  let lastSpoken = "";

  function end() {
    window.clearInterval(tick);
    // A moment's grace, so the server agrees the session is over when the page asks.
    window.setTimeout(() => window.location.assign(endedUrl), 1500);
  }

  function update() {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    const text = words(left);
    countdown.textContent = text;
    const speak = left <= 20 ? text : words(Math.ceil(left / 60) * 60);
    if (speak !== lastSpoken && (left <= 20 || left % 60 === 0 || lastSpoken === "")) {
      announce.textContent = `We will sign you out in ${speak}.`;
      lastSpoken = speak;
    }
    if (left <= 0) end();
  }

  function open() {
    returnFocus = document.activeElement;
    lastSpoken = "";
    dialog.showModal();
    heading.focus();
    update();
    tick = window.setInterval(update, 1000);
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearInterval(tick);
    endsAt = Date.now() + seconds * 1000;
    warnTimer = window.setTimeout(open, Math.max(0, seconds - warnSeconds) * 1000);
  }

  function close() {
    window.clearInterval(tick);
    if (dialog.open) dialog.close();
    announce.textContent = "";
    if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
  }

  async function keepGoing(event) {
    if (event) event.preventDefault();
    try {
      const response = await fetch(continueForm.action, {
        method: "POST",
        body: new FormData(continueForm),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        window.location.assign(endedUrl);
        return;
      }
      const figures = await response.json();
      seconds = Number(figures.seconds);
      warnSeconds = Number(figures.warn_seconds);
      close();
      schedule();
    } catch {
      // Offline or the server is away: the plain form post says what happened.
      continueForm.submit();
    }
  }

  continueForm.addEventListener("submit", keepGoing);
  dialog.addEventListener("cancel", (event) => keepGoing(event));
  schedule();
  // As GOV.UK Frontend marks its components once they are set up.
  dialog.setAttribute("data-portal-timeout-init", "");
}
