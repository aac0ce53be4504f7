#!/usr/bin/env bash
# Two builds of portal-gen ingest the same synthetic extract, alternating, three times each:
# wall, user and system seconds and peak memory per run (a refactoring's before and after).
#   bench/compare_ingest.sh BASE_BUILD_DIR NEW_BUILD_DIR [PATIENTS=10000]
# (bench/synth_fhir.py: about 310 KB of NDJSON a patient, so 10,000 are about 3.1 GB in /tmp)
# e.g. git worktree add /tmp/base <commit>; cmake -S /tmp/base -B /tmp/base/build -G Ninja
#      -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build /tmp/base/build --target portal-gen
#      bench/compare_ingest.sh /tmp/base/build build
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 new=$2 patients=${3:-10000}
W=$(mktemp -d /tmp/portal-ingest-compare.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/content"
cp -r content/. "$W/content/"
sed -i "s|^state_dir = .*|state_dir = \"$W/state\"|; s|^templates_dir = .*|templates_dir = \"$PWD/site_templates\"|" \
  "$W/content/portal.toml"
python3 bench/synth_fhir.py "$W/extract" "$patients" >/dev/null 2>&1
for i in 1 2 3; do
  for side in base new; do
    dir=$base
    [ "$side" = new ] && dir=$new
    rm -rf "$W/state"
    sync
    printf '%s run %d (load %s): ' "$side" "$i" "$(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KB' \
      "$dir/bin/portal-gen" ingest --config "$W/content/portal.toml" "$W/extract" 2>&1 >/dev/null | tail -1
  done
done
