// The printer page: reload #detail when the event stream reports a change, and every few
// seconds for the queue's own changes (a job ending).  Forms work without this script.
"use strict";

const REFRESH_MS = 3000;
let pending = false;

async function refresh() {
  if (pending) return;
  pending = true;
  try {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.getElementById("detail");
    const current = document.getElementById("detail");
    if (!fresh || !current || fresh.innerHTML === current.innerHTML) return;
    // keep the keyboard where it was: find the focused button again by its label
    const focused = document.activeElement;
    const label = focused && focused.getAttribute ? focused.getAttribute("aria-label") : null;
    current.replaceWith(fresh);
    if (label) {
      const again = [...fresh.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === label);
      if (again) again.focus();
    }
  } catch (err) {
    // the server restarts or the network drops: the next event or tick tries again
  } finally {
    pending = false;
  }
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { live.textContent = "live"; live.className = "on"; });
  source.addEventListener("printers", refresh);
  source.addEventListener("error", () => { live.textContent = "reconnecting…"; live.className = ""; });
}

document.addEventListener("DOMContentLoaded", () => {
  connect();
  setInterval(refresh, REFRESH_MS);
});
