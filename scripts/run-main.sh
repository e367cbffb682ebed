#!/usr/bin/env bash
# Set up everything and run the main job: `printerapp server --demo`.
#
# The server turns every printer it detects into an IPP Everywhere queue.
# --demo adds a simulated HP LaserJet 2100 (a raw port-9100 printer on
# 127.0.0.1, announced over mDNS on loopback), so a queue appears even on a
# machine without printers.  Print to it from another terminal:
#   .venv/bin/printerapp printers
#   ipptool -tv -f /usr/share/cups/data/default-testpage.pdf \
#       ipp://localhost:PORT/ipp/print /usr/share/cups/ipptool/print-job.test
# The demo printer's jobs land in the state directory's demo/ folder.
# Stop with Ctrl-C: every queue stops cleanly.  Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ippeveprinter needs DNS-SD: the system's avahi-daemon, which needs the system bus.
# A desktop or server runs both already; a bare container does not.
if ! avahi-daemon --check 2>/dev/null; then
  echo "run-main: starting the system D-Bus and avahi-daemon"
  if ! dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.GetId >/dev/null 2>&1; then
    # no bus answers: a socket or pid file left by a dead one would stop a new one
    as_root mkdir -p /run/dbus
    as_root rm -f /run/dbus/pid /run/dbus/system_bus_socket
    as_root dbus-daemon --system --fork
  fi
  if ! as_root avahi-daemon --daemonize --no-drop-root --no-chroot; then
    echo "run-main: avahi-daemon did not start; ippeveprinter needs DNS-SD (run avahi-daemon -f CONF by hand to see why)" >&2
    exit 1
  fi
fi

state="${PRINTERAPP_STATE_DIR:-$PWD/.state}"
mkdir -p "$state"
echo "run-main: state in $state; Ctrl-C stops the server"
PRINTERAPP_STATE_DIR="$state" exec printerapp --log-level INFO server --demo "$@"
