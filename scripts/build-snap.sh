#!/usr/bin/env bash
# Build the snap of one driver variant with craft-parts and pack it:
#   scripts/build-snap.sh gutenprint [--clean]     -> build/snap/printerapp_<ver>_<variant>.snap
# The variant is any ./configure --driver= value.  craft-parts (PyPI) goes into
# .venv-snap, made from the distribution's python3 with its python3-apt, so the
# project's own venv is untouched.  Runs as root (stage-packages come from apt).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 1 ] || { echo "usage: $0 VARIANT [--clean]" >&2; exit 2; }
variant=$1; shift

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
for p in squashfs-tools python3-apt python3-venv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
if [ ! -x .venv-snap/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv-snap
  .venv-snap/bin/python -m pip install -q 'craft-parts>=2.37,<3' PyYAML
fi

./configure --driver="$variant"
exec .venv-snap/bin/python scripts/snapbuild.py --variant="$variant" "$@"
