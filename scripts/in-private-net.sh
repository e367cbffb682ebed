#!/usr/bin/env bash
# Run a command inside a private network namespace whose only interface is lo
# (multicast on, 224/4 routed to lo), with a private /run/avahi-daemon and
# /run/dbus.  mDNS, SNMP and plug discovery can then run with their real
# defaults and still no packet leaves the machine; and two runs at once each
# get their own system bus, so their avahi-daemons do not fight over its name.
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

inner='ip link set lo up
ip link set lo multicast on 2>/dev/null || true
ip route add 224.0.0.0/4 dev lo 2>/dev/null || true
mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon
mkdir -p /run/dbus && mount -t tmpfs tmpfs /run/dbus
exec "$@"'

if [ "$(id -u)" -eq 0 ]; then
  ns="printerapp-test-$$"
  cleanup() {
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  }
  trap cleanup EXIT
  ip netns add "$ns"
  ip netns exec "$ns" unshare -m bash -c "$inner" bash "$@"
else
  # Without root: an unprivileged user+net+mount namespace does the same job.
  unshare --user --map-root-user --net --mount bash -c "$inner" bash "$@"
fi
