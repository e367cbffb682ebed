#!/usr/bin/env bash
# Set up everything and run the main job on a sample: show the filter chain
# CUPS would run for the CUPS test page on an HP LaserJet 2100 (foomatic
# pxlmono PPD), then print it through `printerapp ippprint` to a file: device.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/printerapp-demo.XXXXXX")
driver=/usr/lib/cups/driver/foomatic-db-compressed-ppds
"$driver" cat "foomatic-db-compressed-ppds:0/ppd/foomatic-ppd/HP-LaserJet_2100-pxlmono.ppd" \
  > "$work/lj2100.ppd"
sample=/usr/share/cups/data/default-testpage.pdf

echo "== printerapp filters --ppd lj2100.ppd $sample"
printerapp filters --ppd "$work/lj2100.ppd" "$sample"

echo "== printerapp ippprint (as ippeveprinter runs it) -> file:$work/out.prn"
PPD="$work/lj2100.ppd" CONTENT_TYPE=application/octet-stream \
  DEVICE_URI="file://$work/out.prn" IPP_JOB_ID=1 IPP_JOB_NAME=demo \
  IPP_JOB_ORIGINATING_USER_NAME="$(id -un)" IPP_MEDIA=iso_a4_210x297mm \
  printerapp ippprint "$sample"

bytes=$(stat -c %s "$work/out.prn")
echo "== wrote $bytes bytes; the printer would receive:"
head -c 64 "$work/out.prn" | tr -c '[:print:]' '.'; echo
echo "(output kept in $work)"
