#!/usr/bin/env bash
# Site benchmark: portal-gen against Hugo on the same synthetic FAQ pages, side by side in one run.
#   bench/site_bench.sh [PAGES=10000] [RUNS=5]
# Prints a Markdown table of medians (wall seconds, pages/s, peak RSS):
#   cold     - into a new, empty output folder;
#   rebuild  - again, with the previous output in place (unchanged content);
#   steady   - portal-gen only: the third and later nightly runs, which reuse the back buffer from
#              two runs ago and leave unchanged files alone.
# Runs alternate between the tools. Nothing is deleted until the end: on ext4, creating files
# right after deleting thousands costs several times more kernel time (recently-deleted inode
# checks), which would measure the benchmark's own clean-up rather than the tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-10000}
RUNS=${2:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-site-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
command -v hugo >/dev/null || {
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq hugo >/dev/null; else sudo apt-get install -y -qq hugo >/dev/null; fi
}
[ -x /usr/bin/time ] || {
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq time >/dev/null; else sudo apt-get install -y -qq time >/dev/null; fi
}
[ -x build/bin/portal-gen ] || ./dev demo >/dev/null

python3 bench/synth_faq.py "$WORK/site" "$PAGES" >&2
cp -r bench/hugo/. "$WORK/site/"

# measure NAME CMD... : appends "wall_seconds max_rss_kb" to $WORK/NAME.txt
measure() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.tmp" "$@" >/dev/null 2>&1
  cat "$WORK/time.tmp" >>"$WORK/$name.txt"
}

for ((i = 1; i <= RUNS; i++)); do
  PG=(./build/bin/portal-gen site --config "$WORK/site/content/portal.toml" --output "$WORK/out$i/pg")
  HG=(hugo --quiet -s "$WORK/site" -d "$WORK/out$i/hugo")
  sync
  measure pg-cold "${PG[@]}"
  measure hugo-cold "${HG[@]}"
  measure pg-rebuild "${PG[@]}"
  measure hugo-rebuild "${HG[@]}"
  measure pg-steady "${PG[@]}"
  echo "run $i/$RUNS done" >&2
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
row() {
  local label=$1 name=$2 wall rss
  wall=$(cut -d' ' -f1 "$WORK/$name.txt" | median)
  rss=$(cut -d' ' -f2 "$WORK/$name.txt" | median)
  awk -v l="$label" -v w="$wall" -v r="$rss" -v p="$PAGES" \
    'BEGIN {printf "| %s | %.2f | %.0f | %.0f |\n", l, w, p / w, r / 1024}'
}
echo "| $PAGES pages, median of $RUNS | wall s | pages/s | peak RSS MiB |"
echo "|---|---|---|---|"
row "portal-gen, cold" pg-cold
row "Hugo $(hugo version | grep -o 'v[0-9.]*' | head -1), cold" hugo-cold
row "portal-gen, rebuild" pg-rebuild
row "Hugo, rebuild" hugo-rebuild
row "portal-gen, nightly steady state" pg-steady
