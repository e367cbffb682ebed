#!/usr/bin/env bash
# Install what printerapp needs on a Debian/Ubuntu machine: the CUPS/avahi
# packages (with sudo when not root) and a venv at .venv with the project.
# DRIVERS=all also installs the full driver set of scripts/drivers-all.txt
# (DRIVERS=default, the default: foomatic, Gutenprint and cups-filters only).
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  cups-daemon cups-client cups-ipp-utils cups-ppdc cups-filters cups-filters-core-drivers
  ghostscript foomatic-db-compressed-ppds printer-driver-gutenprint
  avahi-daemon avahi-utils libnss-mdns dbus iproute2 util-linux poppler-utils
  python3-venv udev libudev1 nodejs
  chromium strace faketime
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

DRIVER_PACKAGES=()
case "${DRIVERS:-default}" in
  default) ;;
  all) read -r -d '' -a DRIVER_PACKAGES < <(sed -e 's/#.*//' scripts/drivers-all.txt) || true ;;
  *) echo "setup: DRIVERS must be 'default' or 'all', not '${DRIVERS}'" >&2; exit 2 ;;
esac

not_installed() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(not_installed "${DEB_PACKAGES[@]}")
mapfile -t missing_drivers < <(not_installed "${DRIVER_PACKAGES[@]}")
if [ "${#missing[@]}" -gt 0 ] || [ "${#missing_drivers[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
if [ "${#missing_drivers[@]}" -gt 0 ]; then
  # no recommends: hplip's would pull in policykit, sane-utils and GUI helpers
  echo "setup: installing the full driver set: ${missing_drivers[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing_drivers[@]}"
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# "compat" editable mode is a plain path entry: every job is a fresh interpreter,
# and the default mode's import hook costs each one ~15 ms (bench/job_overhead.py).
.venv/bin/python -m pip install -q -e ".[${EXTRAS:-test}]" --config-settings editable_mode=compat
# The Kasa plug simulator the power tests start (npm package, kept in the venv).
# Some nodejs builds bundle npm and conflict with Debian's npm: add it only if missing.
if ! command -v npm >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
fi
if [ ! -d .venv/node/node_modules/tplink-smarthome-simulator ]; then
  npm install --prefix .venv/node --no-audit --no-fund --no-save tplink-smarthome-simulator@5
fi
# An editable install is not byte-compiled, and each job starts a fresh
# interpreter: compile now so no job pays for it (stale files are ignored).
.venv/bin/python -m compileall -q printerapp
