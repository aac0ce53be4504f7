#!/usr/bin/env bash
# Pulling from the EHR (issue 17, docs/benchmarks.md): a full FHIR Bulk Data export of about
# 100,000 resources from the local test server (tests/bulk_data_server.py, no auth), side by side
# in each run:
#   (a) `portal-gen pull --full`, then `portal-gen ingest` of the extracts folder it filled, each
#       from an empty state directory: wall time and peak RSS of each (GNU time, or Python's
#       resource module without it);
#   (b) the transfer floor: the same export kicked off, polled and downloaded by curl (one curl
#       process, 2 transfers at once like [ehr] concurrency's default, connections reused),
#       files written without fsync or checks.
#   [PORTAL_BUILD=DIR] bench/pull_bench.sh [RUNS=5] [PATIENTS=310]
# Synthetic NDJSON from bench/synth_fhir.py, cut to the resource types portal-gen asks for
# (DefaultEhrTypes: Patient, Medication, DiagnosticReport, Observation and the release sections'
# types), each resource given a meta.lastUpdated in the past. 310 patients are about 100,000
# resources and 85 MB; files of at most 10,000 resources (scenario max_resources_per_file), the
# export ready at the first poll. Medians of RUNS, with min-max.
# The test server builds an export while it answers the kick-off (it parses all of DATA again,
# several seconds), so each side's time is also split at the kick-off's answer (from the server's
# requests.ndjson): "after kick-off" is the client's part (manifest, downloads, checks, DELETE).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PATIENTS=${2:-310}
AS_OF=2025-06-01T00:00:00Z
LAST_UPDATED=2025-05-31T12:00:00.000Z
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-pull-bench.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# timed OUT CMD...: CMD's wall seconds and peak RSS KB ("%e %M") into OUT: GNU time, or without
# it Python's resource module (the largest ru_maxrss among the children: CMD's own).
timed() {
  local out=$1; shift
  if [ -x /usr/bin/time ]; then /usr/bin/time -f "%e %M" -o "$out" "$@"; return; fi
  python3 -c '
import resource, subprocess, sys, time
start = time.monotonic()
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%.2f %d\n" % (time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$out" "$@"
}
# PORTAL_BUILD: the build folder whose binaries are measured (default build/, made by ./dev).
BUILD=$(realpath "${PORTAL_BUILD:-build}")
[ -x "$BUILD/bin/portal-gen" ] || [ -n "${PORTAL_BUILD:-}" ] || ./dev demo >/dev/null
GEN=$BUILD/bin/portal-gen

mkdir -p "$WORK/content"
cp -r content/. "$WORK/content/"
sed -i "s|^state_dir = .*|state_dir = \"$WORK/state\"|; s|^templates_dir = .*|templates_dir = \"$PWD/site_templates\"|;
        s|^site_output_dir = .*|site_output_dir = \"$WORK/output/site\"|;
        s|^summaries_output_dir = .*|summaries_output_dir = \"$WORK/output/patients\"|;
        s|^extracts_dir = .*|extracts_dir = \"$WORK/extracts\"|" "$WORK/content/portal.toml"
CONFIG="$WORK/content/portal.toml"

say() { echo "pull_bench: $*" >&2; }
now() { date +%s.%N; }
minus() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# The types portal-gen asks for when [ehr] types is not set (core/config.cc DefaultEhrTypes);
# checked against the _type of its kick-off below.
TYPES=$(python3 - "$CONFIG" <<'PY'
import sys, tomllib
cfg = tomllib.load(open(sys.argv[1], "rb"))
types = {"Patient", "Medication", "DiagnosticReport", "Observation"}
for s in cfg.get("release", {}).get("sections", []):
    types.update(m.split(":", 1)[0] for m in s.get("match", []))
print(",".join(sorted(types)))
PY
)

say "synthesising $PATIENTS patients"
python3 bench/synth_fhir.py "$WORK/synth" "$PATIENTS" "$AS_OF" >&2
mkdir -p "$WORK/data" "$WORK/server"
python3 bench/synth_bulk_data.py "$WORK/synth" "$WORK/data" "$TYPES" "$LAST_UPDATED"
rm -rf "$WORK/synth"
RESOURCES=$(cat "$WORK/data"/*.ndjson | wc -l)
say "server data: $RESOURCES resources, $(cat "$WORK/data"/*.ndjson | wc -c) bytes, types $TYPES"

echo '{"max_resources_per_file": 10000, "polls_before_ready": 0}' >"$WORK/server/scenario.json"
/usr/bin/python3 tests/bulk_data_server.py --data "$WORK/data" --state "$WORK/server" \
  --scenario "$WORK/server/scenario.json" 2>"$WORK/server.err" &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do [ -s "$WORK/server/ready.json" ] && break; sleep 0.1; done
[ -s "$WORK/server/ready.json" ] || { cat "$WORK/server.err" >&2; exit 1; }
PORT=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['port'])" "$WORK/server/ready.json")
BASE=http://127.0.0.1:$PORT/fhir
LOG=$WORK/server/requests.ndjson
printf '\n[ehr]\nbase_url = "%s"\nretry_initial_seconds = 0\n' "$BASE" >>"$CONFIG"

log_lines() { [ -f "$LOG" ] && wc -l <"$LOG" || echo 0; }
# What the server saw of one client's export, in seconds from START: kick-off answered, manifest
# answered, first and last file download started, DELETE answered. First field: the kick-off's
# time alone (the server answers it once the export is built).
timeline() {
  python3 - "$LOG" "$1" "$2" <<'PY'
import datetime, json, sys
log, skip, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [json.loads(l) for l in open(log)][skip:]
t = lambda r: datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() - start
kick = [t(r) for r in rows if r["path"].endswith("$export")]
status = [t(r) for r in rows if r["path"].startswith("/bulkstatus") and r["method"] == "GET"]
files = [t(r) for r in rows if r["path"].startswith("/bulkfiles")]
delete = [t(r) for r in rows if r["method"] == "DELETE"]
bad = [r for r in rows if r["status"] not in (200, 202)]
types = {r["_type"] for r in rows if r["path"].endswith("$export")}
f = lambda v: "%.2f" % v[0] if v else "-"
print("%s\tkick-off %s, manifest %s, files %s..%s (%d), DELETE %s, requests %d, not 200/202 %d, "
      "_type %s" % (f(kick), f(kick), f(status), f(files), f(files[-1:]), len(files), f(delete),
                    len(rows), len(bad), ";".join(sorted(x or "-" for x in types))))
PY
}

: >"$WORK/runs.tsv"
for ((i = 1; i <= RUNS; i++)); do
  # (a) portal-gen pull --full, then ingest, from an empty state directory.
  rm -rf "$WORK/state" "$WORK/extracts"; mkdir -p "$WORK/extracts"; sync
  skip=$(log_lines); t0=$(now)
  timed "$WORK/t" "$GEN" pull --config "$CONFIG" --full --json \
    >"$WORK/pull.json" 2>"$WORK/pull.err" || { cat "$WORK/pull.err" >&2; exit 1; }
  t1=$(now)
  read -r pull_s pull_kb <"$WORK/t"
  IFS=$'\t' read -r pull_kick pull_line < <(timeline "$skip" "$t0")
  pull_after=$(minus "$pull_kick" "$(minus "$t0" "$t1")")
  read -r pulled bytes < <(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(r['resources'].values()), r['bytes'])" "$WORK/pull.json")
  [ "$pulled" -eq "$RESOURCES" ] || { say "pull got $pulled resources, the server holds $RESOURCES"; exit 1; }
  grep -q "_type $TYPES\$" <<<"$pull_line" || { say "pull asked for other types: $pull_line"; exit 1; }
  pulled_sum=$(cat "$WORK/extracts"/ehr-*.ndjson | md5sum | cut -d' ' -f1)
  sync
  timed "$WORK/t" "$GEN" ingest --config "$CONFIG" --json "$WORK/extracts" \
    >"$WORK/ingest.json" 2>"$WORK/ingest.err" || { cat "$WORK/ingest.err" >&2; exit 1; }
  read -r ingest_s ingest_kb <"$WORK/t"
  stored=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['inserted'] if r['failed'] == 0 else -1)" "$WORK/ingest.json")
  [ "$stored" -eq "$pulled" ] || { say "ingest stored $stored of $pulled resources (-1: some failed)"; exit 1; }
  say "run $i (a) pull: $pull_s s, $(((pull_kb + 512) / 1024)) MiB, $pulled resources, $bytes bytes; server saw (s from start): $pull_line"
  say "run $i (a) ingest: $ingest_s s, $(((ingest_kb + 512) / 1024)) MiB; $(grep -h 'ingest phases' "$WORK/ingest.err" | sed 's/^portal-gen: //')"

  # (b) the floor: curl kicks off the same export, polls, downloads every output[] file.
  rm -rf "$WORK/floor"; mkdir -p "$WORK/floor"; sync
  skip=$(log_lines); t0=$(now)
  loc=$(curl -sS -o /dev/null -D - -H 'Accept: application/fhir+json' -H 'Prefer: respond-async' \
    "$BASE/\$export?_outputFormat=application%2Ffhir%2Bndjson&_type=${TYPES//,/%2C}" |
    tr -d '\r' | awk 'tolower($1) == "content-location:" {print $2}')
  while [ "$(curl -sS -o "$WORK/manifest.json" -w '%{http_code}' -H 'Accept: application/json' "$loc")" = 202 ]; do
    sleep 1
  done
  # The manifest's file URLs (a full export without errors has only output[]; checked below).
  grep -o '"url":"[^"]*"' "$WORK/manifest.json" | sed 's/^"url":/url = /' >"$WORK/urls.curl"
  curl -sS --no-progress-meter -f -Z --parallel-max 2 --output-dir "$WORK/floor" --remote-name-all \
    -H 'Accept: application/fhir+ndjson' -K "$WORK/urls.curl"
  curl -sS -o /dev/null -X DELETE "$loc"
  t1=$(now)
  curl_s=$(minus "$t0" "$t1")
  IFS=$'\t' read -r curl_kick floor_line < <(timeline "$skip" "$t0")
  curl_after=$(minus "$curl_kick" "$curl_s")
  python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert not m['error'] and not m.get('deleted'); print('\n'.join('url = \"%s\"' % f['url'] for f in m['output']))" \
    "$WORK/manifest.json" | cmp -s - "$WORK/urls.curl" || { say "run $i: the manifest's output[] is not what curl downloaded"; exit 1; }
  floor_sum=$(sed 's/^url = "\(.*\)"$/\1/; s|.*/||' "$WORK/urls.curl" | sed "s|^|$WORK/floor/|" | xargs cat | md5sum | cut -d' ' -f1)
  floor_bytes=$(cat "$WORK/floor"/* | wc -c)
  [ "$floor_sum" = "$pulled_sum" ] || { say "run $i: curl's files ($floor_bytes bytes) differ from the pulled ones"; exit 1; }
  say "run $i (b) curl floor: $curl_s s, $floor_bytes bytes (the same as pulled); server saw: $floor_line"
  say "run $i after the kick-off's answer: pull $pull_after s, curl $curl_after s"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$pulled" "$bytes" "$pull_s" \
    "$pull_kb" "$ingest_s" "$ingest_kb" "$curl_s" "$pull_kick" "$curl_kick" "$pull_after" \
    "$curl_after" >>"$WORK/runs.tsv"
done

python3 - "$WORK/runs.tsv" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
runs = []
for r in rows:
    res, b = int(r[1]), int(r[2])
    ps, pk, ins, ik, cs, pkick, ckick, pa, ca = map(float, r[3:])
    runs.append({"resources": res, "MB": b / 1e6, "pull s": ps, "ingest s": ins,
                 "pull+ingest s": ps + ins, "resources/s end to end": res / (ps + ins),
                 "pull RSS MiB": pk / 1024, "ingest RSS MiB": ik / 1024, "curl floor s": cs,
                 "pull/curl": ps / cs, "kick-off s (pull)": pkick, "kick-off s (curl)": ckick,
                 "after kick-off s (pull)": pa, "after kick-off s (curl)": ca,
                 "after kick-off pull/curl": pa / ca})
cols = list(runs[0])
fmt = lambda c, v: ("%d" % v) if c == "resources" else ("%.0f" % v) if ("/s" in c or "MiB" in c) \
    else ("%.2fx" % v) if c.endswith("pull/curl") else ("%.1f" % v) if c == "MB" else ("%.2f" % v)
print("| run | " + " | ".join(cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for i, r in enumerate(runs, 1):
    print("| %d | " % i + " | ".join(fmt(c, r[c]) for c in cols) + " |")
med = {c: statistics.median(r[c] for r in runs) for c in cols}
print("| **median** | " + " | ".join(fmt(c, med[c]) for c in cols) + " |")
print("| min-max | " + " | ".join("%s-%s" % (fmt(c, min(r[c] for r in runs)), fmt(c, max(r[c] for r in runs)))
                                 for c in cols) + " |")
PY
