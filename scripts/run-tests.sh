#!/usr/bin/env bash
# Set up everything and run the whole test suite: lint, types, then pytest in
# a private network namespace.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI tests the full driver set (each family's PPDs, filters and a job)
DRIVERS="${DRIVERS:-all}" scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff check"; ruff check printerapp tests bench
echo "== ruff format --check"; ruff format --check printerapp tests bench
echo "== mypy --strict printerapp"; mypy --strict printerapp
# The snap variants to build with craft-parts before the suite (it needs the package
# archive, which the tests' private network cannot reach); their primed trees then print
# in tests/packaging/test_snap_prime.py.  SNAP_VARIANTS= skips it.
SNAP_VARIANTS="${SNAP_VARIANTS-gutenprint}"
for variant in $SNAP_VARIANTS; do
  echo "== snap build: $variant"; scripts/build-snap.sh "$variant"
done
export PRINTERAPP_SNAP_PRIMED="$SNAP_VARIANTS"
echo "== pytest (private network namespace)"
exec scripts/in-private-net.sh "$PWD/.venv/bin/python" -m pytest "$@"
