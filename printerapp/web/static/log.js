// The log page: reload the records every second; the form works without this script.
"use strict";

const LOG_REFRESH_MS = 1000;
let busy = false;

async function refreshLog() {
  if (busy) return;
  busy = true;
  try {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.getElementById("log-list");
    const current = document.getElementById("log-list");
    if (!fresh || !current || fresh.innerHTML === current.innerHTML) return;
    const atEnd = current.scrollTop + current.clientHeight >= current.scrollHeight - 4;
    current.replaceWith(fresh);
    if (atEnd) fresh.scrollTop = fresh.scrollHeight;
  } catch (err) {
    // the server restarts: the next tick tries again
  } finally {
    busy = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("log-list");
  if (list) list.scrollTop = list.scrollHeight;
  setInterval(refreshLog, LOG_REFRESH_MS);
});
