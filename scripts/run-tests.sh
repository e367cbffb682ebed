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
echo "== pytest (private network namespace)"
exec scripts/in-private-net.sh "$PWD/.venv/bin/python" -m pytest "$@"
