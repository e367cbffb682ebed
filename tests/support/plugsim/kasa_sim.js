// One tplink-smarthome-simulator device on 127.0.0.1, driven by kasa_sim.py.
// argv[2]: JSON {model, unreliable (0..1), alias}.  Prints {"port": N} once
// listening, then answers one JSON line per JSON command line on stdin:
//   {"cmd": "state"}                    -> {"on": bool}
//   {"cmd": "set_on", "on": bool}       -> {"on": bool}     (the button)
//   {"cmd": "unreliable", "value": f}   -> {}               (0..1 of answers garbled)
//   {"cmd": "reachable", "value": bool} -> {}               (stop/start on the same port)
//   {"cmd": "emeter", "power": W, "total": kWh} -> {"power": W, "total": kWh}
// It stops when stdin closes.
'use strict';
const readline = require('readline');
const { Device } = require('tplink-smarthome-simulator');

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
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
      const rt = device.data.emeter.realtime;
      if (msg.power != null) rt.power = msg.power;
      if (msg.total != null) rt.total = msg.total;
      reply({ power: rt.power, total: rt.total });
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
