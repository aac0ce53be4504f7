#!/usr/bin/env bash
# Record-extract benchmark: ingest throughput and peak memory at two sizes, and the summary
# (release rules + HTML) time per patient.
#   [PORTAL_BUILD=DIR] bench/ingest_bench.sh [RUNS=3] [SMALL=1000] [LARGE=10000]
# Synthetic Bulk Data NDJSON from bench/synth_fhir.py (about 310 KB and 360 resources a patient:
# 10,000 patients are about 3.1 GB in TMPDIR).
# Each ingest starts from an empty record store; medians of RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
SMALL=${2:-1000}
LARGE=${3:-10000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-ingest-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || {
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq time >/dev/null; else sudo apt-get install -y -qq time >/dev/null; fi
}
# PORTAL_BUILD: the build folder whose binaries are measured (default build/, made by ./dev).
BUILD=${PORTAL_BUILD:-build}
[ -x "$BUILD/bin/portal-gen" ] || [ -n "${PORTAL_BUILD:-}" ] || ./dev demo >/dev/null

mkdir -p "$WORK/content"
cp -r content/. "$WORK/content/"
sed -i "s|^state_dir = .*|state_dir = \"$WORK/state\"|; s|^templates_dir = .*|templates_dir = \"$PWD/site_templates\"|" \
  "$WORK/content/portal.toml"
CONFIG="$WORK/content/portal.toml"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "| patients | NDJSON MB | resources | median s | MB/s | resources/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
for n in "$SMALL" "$LARGE"; do
  python3 bench/synth_fhir.py "$WORK/extract-$n" "$n" >&2
  bytes=$(cat "$WORK/extract-$n"/*.ndjson | wc -c)
  lines=$(cat "$WORK/extract-$n"/*.ndjson | wc -l)
  : >"$WORK/times-$n"
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$WORK/state"
    sync
    /usr/bin/time -f "%e %M" -o "$WORK/t" "$BUILD/bin/portal-gen" ingest --config "$CONFIG" \
      "$WORK/extract-$n" >/dev/null 2>&1
    cat "$WORK/t" >>"$WORK/times-$n"
    echo "$n patients, run $i: $(cat "$WORK/t") (wall s, peak KB)" >&2
  done
  wall=$(cut -d' ' -f1 "$WORK/times-$n" | median)
  rss=$(cut -d' ' -f2 "$WORK/times-$n" | median)
  awk -v n="$n" -v b="$bytes" -v l="$lines" -v w="$wall" -v r="$rss" 'BEGIN {
    printf "| %d | %.1f | %d | %.2f | %.1f | %.0f | %.0f |\n", n, b / 1e6, l, w, b / 1e6 / w, l / w, r / 1024 }'
done

# Summaries: release rules and HTML for every patient of the small set, one thread, plaintext.
rm -rf "$WORK/state"
"$BUILD/bin/portal-gen" ingest --config "$CONFIG" "$WORK/extract-$SMALL" >/dev/null 2>&1
: >"$WORK/sum"
for ((i = 1; i <= RUNS; i++)); do
  rm -rf "$WORK/plain"
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$BUILD/bin/portal-gen" summaries --config "$CONFIG" \
    --as-of 2025-06-01T00:00:00Z --plaintext-dir "$WORK/plain" >/dev/null 2>&1
  cat "$WORK/t" >>"$WORK/sum"
done
written=$(ls "$WORK/plain" | wc -l)
wall=$(cut -d' ' -f1 "$WORK/sum" | median)
rss=$(cut -d' ' -f2 "$WORK/sum" | median)
echo
awk -v w="$wall" -v n="$written" -v r="$rss" 'BEGIN {
  printf "summaries: %d pages in %.2f s = %.2f ms a patient (model + HTML, one thread), peak RSS %.0f MiB\n", n, w, w * 1000 / n, r / 1024 }'
