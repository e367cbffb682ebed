// printerapp dashboard: live table from /api/events, ticking countdowns,
// ranked drivers for the chosen device.  No external code: the page works
// without this script (forms post and redirect), this only keeps it live.
"use strict";

let clockOffset = 0; // server clock minus browser clock, in seconds
// queue states in which "Restart" is offered (view.RESTARTABLE on the server)
const RESTARTABLE = ["stopped", "waiting"];

function text(row, cls, value) {
  const cell = row.querySelector("." + cls);
  if (cell && cell.firstChild && cell.firstChild.nodeType === Node.TEXT_NODE) {
    cell.firstChild.nodeValue = value;
  } else if (cell) {
    cell.prepend(document.createTextNode(value));
  }
}

function formatSeconds(s) {
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return (h ? h + ":" + two(m) : String(m)) + ":" + two(sec);
}

function tick() {
  const now = Date.now() / 1000 + clockOffset;
  for (const cell of document.querySelectorAll("td.countdown")) {
    const offAt = parseFloat(cell.dataset.offAt);
    cell.textContent = Number.isFinite(offAt) ? formatSeconds(offAt - now) : "-";
  }
  for (const line of document.querySelectorAll("td.state .retry")) {
    const retryAt = parseFloat(line.dataset.retryAt);
    line.textContent = Number.isFinite(retryAt) ? "next try in " + formatSeconds(retryAt - now) : "";
  }
}

function update(snapshot) {
  clockOffset = snapshot.now - Date.now() / 1000;
  let missing = false;
  for (const p of snapshot.printers) {
    const row = document.getElementById("printer-" + p.key);
    if (!row) { missing = true; continue; }
    text(row, "state", p.state);
    row.querySelector(".reason").textContent = p.reason;
    const crash = p.last_crash && !p.reason.includes(p.last_crash) ? "last crash: " + p.last_crash : "";
    row.querySelector(".crash").textContent = crash;
    row.querySelector(".retry").dataset.retryAt = p.retry_at === null ? "" : String(p.retry_at);
    const restart = row.querySelector("form.restart");
    if (restart) restart.hidden = !RESTARTABLE.includes(p.state);
    row.querySelector(".jobs").textContent = p.jobs === null ? "-" : String(p.jobs);
    // documents of jobs that used up their retries: listed on the printer's page
    row.querySelector(".held").textContent = p.held ? p.held + " held" : "";
    const plug = p.plug;
    row.querySelector(".plug").textContent = plug ? plug.plug + ": " + plug.state : "-";
    const countdown = row.querySelector(".countdown");
    countdown.dataset.offAt = plug && plug.off_at !== null ? String(plug.off_at) : "";
  }
  const rows = document.querySelectorAll("#printers tbody tr").length;
  if (missing || rows !== snapshot.printers.length) {
    location.replace("/"); // a printer came or went: render the table anew
  }
  tick();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { live.textContent = "live"; live.className = "on"; });
  source.addEventListener("printers", (e) => update(JSON.parse(e.data)));
  source.addEventListener("error", () => { live.textContent = "reconnecting…"; live.className = ""; });
}

async function loadDrivers() {
  const device = document.getElementById("device");
  const chosen = device.options[device.selectedIndex];
  const select = document.getElementById("ppd");
  select.length = 1;
  if (!device.value) return;
  const params = new URLSearchParams({
    uri: device.value,
    "device-id": chosen.dataset.deviceId || "",
    "make-and-model": chosen.dataset.makeModel || "",
    limit: "20",
  });
  const answer = await fetch("/api/drivers?" + params);
  if (!answer.ok) return;
  for (const d of (await answer.json()).drivers) {
    select.add(new Option(d.make_and_model + " [" + d.reasons.join(", ") + "]", d.name));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  connect();
  setInterval(tick, 1000);
  const device = document.getElementById("device");
  if (device) device.addEventListener("change", loadDrivers);
});
