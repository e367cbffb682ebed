// One tplink-smarthome-simulator device on 127.0.0.1, driven by kasa_sim.py.
// argv[2]: JSON {model, unreliable (0..1), alias}.  Prints {"port": N} once
// listening, then answers one JSON line per JSON command line on stdin:
//   {"cmd": "state"}                    -> {"on": bool}
//   {"cmd": "set_on", "on": bool}       -> {"on": bool}     (the button)
//   {"cmd": "unreliable", "value": f}   -> {}               (0..1 of answers garbled)
//   {"cmd": "reachable", "value": bool} -> {}               (stop/start on the same port)
//   {"cmd": "emeter", "power": W, "total": kWh} -> {"power": W, "total": kWh}
//   {"cmd": "profile", "steps": [[s, W], ...]} -> {"t0": monotonic s}  (a scripted load)
//   {"cmd": "meter", "value": bool}     -> {}               (false: get_realtime has no total)
//   {"cmd": "switch_log"}               -> {"log": [[monotonic s, on], ...]}  (relay changes)
// The meter is live: while the relay is on the load draws `power` W (or the
// profile's step), and the lifetime counter `total` integrates it exactly, so
// get_realtime answers as a real HS110 does: v1 `power` W, `total` kWh,
// `voltage` V, `current` A; hs110v2 (the package's realtimeV2) `power_mw`,
// `total_wh`, `voltage_mv`, `current_ma`, whole numbers.  Times are
// process.hrtime, CLOCK_MONOTONIC as Python's time.monotonic().
// It stops when stdin closes.
'use strict';
const readline = require('readline');
const { Device } = require('tplink-smarthome-simulator');

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

// The load and its counter, settled lazily whenever read or switched.
class Meter {
  constructor(realtime) {
    this.powerW = realtime.power;
    this.totalWh = realtime.total * 1000;
    this.voltage = realtime.voltage;
    this.hasTotal = true;
    this.steps = [];
    this.t0 = null;
    this.since = now();
    this.on = false;
  }

  loadAt(t) {
    let watts = this.powerW;
    if (this.t0 !== null) {
      for (const [offset, stepW] of this.steps) if (this.t0 + offset <= t) watts = stepW;
    }
    return watts;
  }

  settle(t) {
    if (this.on && t > this.since) {
      const cuts = [this.since, t];
      if (this.t0 !== null) {
        for (const [offset] of this.steps) {
          const c = this.t0 + offset;
          if (c > this.since && c < t) cuts.push(c);
        }
      }
      cuts.sort((a, b) => a - b);
      for (let i = 1; i < cuts.length; i += 1) {
        this.totalWh += (this.loadAt(cuts[i - 1]) * (cuts[i] - cuts[i - 1])) / 3600;
      }
    }
    this.since = Math.max(this.since, t);
  }

  switchTo(on) {
    this.settle(now());
    this.on = on;
  }

  power() {
    this.settle(now());
    return this.on ? this.loadAt(now()) : 0;
  }

  total() {
    this.settle(now());
    return this.totalWh / 1000;
  }

  realtime() {
    const rt = {};
    const prop = (name, get) => Object.defineProperty(rt, name, { enumerable: true, get });
    prop('current', () => this.power() / this.voltage);
    prop('voltage', () => this.voltage);
    prop('power', () => this.power());
    if (this.hasTotal) prop('total', () => this.total());
    return rt;
  }
}

// Log every relay change as [monotonic s, on] and, with a meter, make the
// meter follow the relay and get_realtime answer from it.
function watchRelay(device, switchLog) {
  const meter = device.data.emeter ? new Meter(device.data.emeter.realtime) : null;
  const sysinfo = device.data.system.sysinfo;
  let relay = sysinfo.relay_state;
  if (meter) meter.on = relay === 1;
  Object.defineProperty(sysinfo, 'relay_state', {
    enumerable: true,
    get: () => relay,
    set: (state) => {
      if (meter) meter.switchTo(state === 1);
      if (state !== relay) switchLog.push([now(), state === 1]);
      relay = state;
    },
  });
  if (meter) device.data.emeter.realtime = meter.realtime();
  return meter;
}

async function main() {
  const opts = JSON.parse(process.argv[2] || '{}');
  const device = new Device({
    model: opts.model || 'hs110',
    address: '127.0.0.1',
    port: 0,
    alias: opts.alias || 'printer plug',
    unreliablePercent: opts.unreliable || 0,
  });
  device.deviceNetworking.on('error', () => {}); // garbled peers must not kill it
  // server.close() waits for open connections: keep them to destroy them on stop.
  const sockets = new Set();
  const start = async () => {
    await device.start();
    device.deviceNetworking.server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  };
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await device.stop();
  };
  const switchLog = [];
  const meter = watchRelay(device, switchLog);
  await start();
  const port = device.port;
  let up = true;
  reply({ port });
  const sysinfo = () => device.data.system.sysinfo;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    const msg = JSON.parse(line);
    if (msg.cmd === 'state') {
      reply({ on: sysinfo().relay_state === 1 });
    } else if (msg.cmd === 'set_on') {
      device.api.system.set_relay_state({ state: msg.on ? 1 : 0 });
      reply({ on: sysinfo().relay_state === 1 });
    } else if (msg.cmd === 'unreliable') {
      device.unreliablePercent = msg.value;
      reply({});
    } else if (msg.cmd === 'reachable') {
      if (msg.value && !up) {
        device.deviceNetworking.port = port;
        await start();
      } else if (!msg.value && up) {
        await stop();
      }
      up = msg.value;
      reply({});
    } else if (msg.cmd === 'emeter') {
      meter.settle(now());
      if (msg.power != null) meter.powerW = msg.power;
      if (msg.total != null) meter.totalWh = msg.total * 1000;
      reply({ power: meter.powerW, total: meter.totalWh / 1000 });
    } else if (msg.cmd === 'profile') {
      const t0 = now();
      meter.settle(t0);
      meter.steps = [...msg.steps].sort((a, b) => a[0] - b[0]);
      meter.t0 = t0;
      reply({ t0 });
    } else if (msg.cmd === 'switch_log') {
      reply({ log: switchLog });
    } else if (msg.cmd === 'meter') {
      meter.hasTotal = msg.value;
      device.data.emeter.realtime = meter.realtime();
      reply({});
    } else {
      reply({ error: 'unknown command' });
    }
  });
  rl.on('close', async () => {
    if (up) await stop();
    process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
