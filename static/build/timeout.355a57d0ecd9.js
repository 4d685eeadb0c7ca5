// The GOV.UK time-out warning (residents and staff): a modal dialog opens a short while before
// the session ends, counts down, and offers "Continue" (a POST with the CSRF token that keeps
// the session going) or "Sign out". Focus moves into the dialog and back out again; Escape
// counts as "Continue"; the countdown is announced once a minute and in the last 20 seconds,
// not every second. Without JavaScript the dialog never opens: the session just ends, and the
// next page says so.
//
// Every tab of the browser shares one session. A page loaded or "Continue" pressed in one tab
// tells the others (BroadcastChannel: nothing is kept on the device), which move their end to
// match: an idle tab neither warns while another is in use nor ends, and so clears, the
// session that other tab is still using.

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
  let endTimer = null;
  let tick = null;
  let returnFocus = null;
  let lastSpoken = "";
  // Residents and staff have separate sessions: a channel each, named by where each one ends.
  const tabs =
    "BroadcastChannel" in window ? new BroadcastChannel(`portal-timeout ${endedUrl}`) : null;

  function end() {
    window.clearInterval(tick);
    // A moment's grace, so the server agrees the session is over when the page asks.
    endTimer = window.setTimeout(() => window.location.assign(endedUrl), 1500);
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

  function schedule(until) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    window.clearInterval(tick);
    endsAt = until;
    dialog.dataset.endsAt = String(endsAt); // when this tab will end it (read by the tests)
    warnTimer = window.setTimeout(open, Math.max(0, endsAt - warnSeconds * 1000 - Date.now()));
  }

  // The session runs `seconds` from now: here, and in every other tab.
  function restart() {
    schedule(Date.now() + seconds * 1000);
    if (tabs) tabs.postMessage({ endsAt, warnSeconds });
  }

  function close() {
    window.clearInterval(tick);
    const wasOpen = dialog.open;
    if (wasOpen) dialog.close();
    announce.textContent = "";
    if (wasOpen && returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
    returnFocus = null;
  }

  // Another tab moved the end on (a page loaded there, or "Continue"): a later end only, so a
  // tab left open from before can never bring the end forward.
  function elsewhere(event) {
    const theirs = event.data || {};
    if (typeof theirs.endsAt !== "number" || theirs.endsAt <= endsAt) return;
    warnSeconds = Number(theirs.warnSeconds) || warnSeconds;
    close();
    schedule(theirs.endsAt);
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
      restart();
    } catch {
      // Offline or the server is away: the plain form post says what happened.
      continueForm.submit();
    }
  }

  continueForm.addEventListener("submit", keepGoing);
  dialog.addEventListener("cancel", (event) => keepGoing(event));
  if (tabs) tabs.addEventListener("message", elsewhere);
  restart();
  // As GOV.UK Frontend marks its components once they are set up.
  dialog.setAttribute("data-portal-timeout-init", "");
}
