#!/usr/bin/env bash
# Mailbox daemon load benchmark (docs/benchmarks.md, issue 5). Sets up a state directory in a
# temporary folder (PATIENTS synthetic patients ingested and enrolled, each with their own key,
# one records-staff key; every key generated at run time and deleted at the end), starts
# portal-mailboxd on a free loopback port with the rate limits raised, and at each level of
# concurrent connections, side by side in one run, alternating, RUNS times:
#   (a) the daemon: bench/mailbox_load sends REQUESTS signed messages over C keep-alive
#       connections (signed just before the run: timestamps must be within ±5 minutes);
#       afterwards every receipt it got must be a row of mailbox.sqlite and the rows must be
#       exactly the distinct receipts received so far (nothing lost, nothing extra);
#   (b) the floor: for the same requests, per submission a bare `gpg --verify` of its detached
#       signature (in the daemon's verification home of that patient) then `gpg --sign
#       --encrypt` to the staff key with the mailbox's service key, C in parallel (xargs -P C).
# Prints a markdown table of medians.
#   bench/mailbox_bench.sh [RUNS=3] [REQUESTS=1000] [PATIENTS=200]
# Environment: LEVELS (default "8 32 128"), THREADS ([mailbox] threads; default the config's),
# BUILD (build folder, default build), KEEP (a folder: each run's report, per-request latencies
# and the daemon's log are copied there; never keys).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
REQUESTS=${2:-1000}
N=${3:-200}
LEVELS=${LEVELS:-"8 32 128"}
BUILD=${BUILD:-build}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-mailbox-bench.XXXXXX")
DAEMON_PID=
cleanup() {
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP" && cp "$WORK"/*.json "$WORK"/*.lat "$WORK"/daemon.log "$KEEP"/ 2>/dev/null
  fi
  [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  for home in "$WORK"/state/gnupg/* "$WORK"/keycache/home-* "$WORK/staff"; do
    [ -d "$home" ] && gpgconf --homedir "$home" --kill gpg-agent 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -f "$BUILD/build.ninja" ] || [ -f "$BUILD/Makefile" ]; then
  cmake --build "$BUILD" --target portal-gen portal-staff portal-mailboxd mailbox_load >/dev/null
else
  ./dev demo >/dev/null
fi
BIN=$(cd "$BUILD/bin" && pwd)

say() { echo "mailbox_bench: $*" >&2; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

# ---- set-up (not timed) ----
mkdir -p "$WORK/content"
cp -r content/. "$WORK/content/"
CONFIG="$WORK/content/portal.toml"
sed -i "s|^state_dir = .*|state_dir = \"$WORK/state\"|; s|^templates_dir = .*|templates_dir = \"$PWD/site_templates\"|;
        s|^site_output_dir = .*|site_output_dir = \"$WORK/output/site\"|;
        s|^summaries_output_dir = .*|summaries_output_dir = \"$WORK/output/patients\"|;
        s|^extracts_dir = .*|extracts_dir = \"$WORK/extracts\"|" "$CONFIG"
sed -i "/^\[mailbox\]/,/^\[/ {
          s/^per_address_per_minute = [0-9]*/per_address_per_minute = 1000000/
          s/^per_address_burst = [0-9]*/per_address_burst = 1000000/
          s/^per_key_per_minute = [0-9]*/per_key_per_minute = 1000000/
          s/^per_key_burst = [0-9]*/per_key_burst = 1000000/
          ${THREADS:+s/^threads = [0-9]*/threads = $THREADS/}
        }" "$CONFIG"
THREADS=$(sed -n '/^\[mailbox\]/,/^\[/ s/^threads = \([0-9]*\).*/\1/p' "$CONFIG")
PROVIDERS=$(python3 -c "import sys,tomllib; print(','.join(p['id'] for p in tomllib.load(open(sys.argv[1],'rb'))['messaging']['providers']))" "$CONFIG")

say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "$N patients: records, enrolments, keys (generated now)"
python3 bench/synth_fhir.py "$WORK/extracts" "$N" >/dev/null
"$BIN/portal-staff" init --config "$CONFIG" >/dev/null
"$BIN/portal-gen" ingest --config "$CONFIG" "$WORK/extracts" >/dev/null 2>&1
python3 bench/bench_keys.py "$WORK/state" "$N" "$WORK/keycache"
PATIENT_HOME="$WORK/keycache/home-0000"  # bench_keys.py: the first batch holds the first 500.
[ "$N" -le 500 ] || { say "PATIENTS must be at most 500 (one key batch)"; exit 2; }

mkdir -m 700 "$WORK/staff"
gpg --homedir "$WORK/staff" --batch --quiet --passphrase '' \
  --quick-gen-key "Records Staff <records@bench.invalid>" default default never 2>/dev/null
STAFF_FPR=$(gpg --homedir "$WORK/staff" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
gpg --homedir "$WORK/staff" --export "$STAFF_FPR" >"$WORK/staff.pgp"
"$BIN/portal-staff" staff add --config "$CONFIG" --key "$WORK/staff.pgp" --user records >/dev/null

REGISTRY="$WORK/state/registry.sqlite"
QUEUE="$WORK/state/mailbox.sqlite"
sql() { python3 -c "import sqlite3,sys; [print(*r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "$@"; }
SERVICE_FPR=$(sql "$REGISTRY" "SELECT value FROM settings WHERE name='mailbox_fingerprint'")
sql "$REGISTRY" "SELECT mrn, fingerprint FROM keys WHERE role='patient' ORDER BY mrn" >"$WORK/patients"
STAFF_KEY="$WORK/state/keys/$STAFF_FPR.asc"
[ -f "$STAFF_KEY" ] || STAFF_KEY="$WORK/staff.pgp"

# The daemon runs under a subreaper: GPGME starts each gpg with a double fork, and the
# abandoned grandchildren are then reaped here, so their CPU time can be counted.
cat >"$WORK/reaper.py" <<'PY'
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
child = os.fork()
if child == 0:
    os.execv(sys.argv[1], sys.argv[1:])
for s in (signal.SIGTERM, signal.SIGINT):
    signal.signal(s, lambda n, _: os.kill(child, n))
while True:
    pid, status = os.wait()
    if pid == child:
        sys.exit(os.waitstatus_to_exitcode(status))
PY
python3 "$WORK/reaper.py" "$BIN/portal-mailboxd" --config "$CONFIG" --listen 127.0.0.1:0 \
  >"$WORK/daemon.out" 2>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/daemon.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/daemon.out")
[ -n "$PORT" ] || { say "the daemon did not start:"; cat "$WORK/daemon.log" >&2; exit 3; }
MAILBOXD_PID=$(cat "/proc/$DAEMON_PID/task/$DAEMON_PID/children" | awk '{print $1}')
say "portal-mailboxd pid $MAILBOXD_PID on port $PORT, [mailbox] threads = $THREADS"
# CPU seconds of the daemon, its reaped children and the gpg processes it abandoned (not its
# gpg-agent, which the floor shares).
daemon_cpu() {
  local hz; hz=$(getconf CLK_TCK)
  { sed 's/.*) //' "/proc/$MAILBOXD_PID/stat" | awk '{print $12 + $13 + $14 + $15}'
    sed 's/.*) //' "/proc/$DAEMON_PID/stat" | awk '{print $14 + $15}'; } |
    awk -v hz="$hz" '{s += $1} END {print s / hz}'
}

sign() {  # sign COUNT OUT
  local t0; t0=$(now)
  "$BIN/mailbox_load" sign --gnupghome "$PATIENT_HOME" --patients "$WORK/patients" \
    --count "$1" --out "$2" --threads 2 --to "$PROVIDERS"
  say "signed $1 requests in $(python3 -c "import sys; print(round(float(sys.argv[2])-float(sys.argv[1]),1))" "$t0" "$(now)") s"
}

# The receipts of one run: each a row, and rows == distinct receipts received so far.
: >"$WORK/all-receipts"
LOST=0
check() {  # check RECEIPTS
  cat "$1" >>"$WORK/all-receipts"
  python3 - "$QUEUE" "$1" "$WORK/all-receipts" <<'PY' || LOST=1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = {r[0] for r in db.execute("SELECT receipt FROM documents")}
run = [l.strip() for l in open(sys.argv[2]) if l.strip()]
everything = {l.strip() for l in open(sys.argv[3]) if l.strip()}
missing = [r for r in run if r not in rows]
ok = not missing and len(rows) == len(everything) and len(set(run)) == len(run)
print(f"mailbox_bench: check: {len(run)} receipts this run, {len(set(run))} distinct, "
      f"{len(missing)} missing; {len(rows)} rows, {len(everything)} distinct receipts so far: "
      f"{'nothing lost' if ok else 'MISMATCH'}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# The floor's inputs for a requests file: body, signature, that patient's verification home.
floor_inputs() {  # floor_inputs REQUESTS DIR > list
  python3 - "$1" "$2" "$REGISTRY" "$WORK/state/gnupg/verify" <<'PY'
import base64, json, os, sqlite3, sys
requests, out, registry, verify = sys.argv[1:]
os.makedirs(out, exist_ok=True)
token = dict(sqlite3.connect(registry).execute("SELECT mrn, token FROM enrollments"))
homes = {name.split("-")[0]: os.path.join(verify, name) for name in os.listdir(verify)}
for i, line in enumerate(open(requests)):
    body_b64, sig_b64, _ = line.split()
    body = base64.b64decode(body_b64)
    base = os.path.join(out, str(i))
    open(base + ".json", "wb").write(body)
    open(base + ".sig", "wb").write(base64.b64decode(sig_b64))
    print(homes[token[json.loads(body)["mrn"]]], base + ".json", base + ".sig", base + ".pgp")
PY
}

# Warm-up (not reported): one request per patient builds each verification home once.
sign "$N" "$WORK/warmup.req"
"$BIN/mailbox_load" run --port "$PORT" --connections 8 --requests "$WORK/warmup.req" \
  --receipts "$WORK/warmup.receipts" >"$WORK/warmup.json"
say "warm-up: $(cat "$WORK/warmup.json")"
check "$WORK/warmup.receipts"

# The floor: xargs -P C runs the command on each line of the list; prints "rate/s wall-s
# CPU-ms-per-submission done" (CPU of every process it waited for).
cat >"$WORK/floor.py" <<'PY'
import os, resource, subprocess, sys, time
c, listing, command = sys.argv[1], sys.argv[2], sys.argv[3:]
outputs = [l.split()[3] for l in open(listing)]
start = time.monotonic()
with open(listing) as f:
    subprocess.run(["xargs", "-P", c, "-n", "4"] + command, stdin=f)
wall = time.monotonic() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
done = sum(os.path.exists(o) for o in outputs)
print(f"{done / wall:.2f} {wall:.2f} {1000 * (use.ru_utime + use.ru_stime) / max(1, done):.1f} {done}")
PY
: >"$WORK/table"
for c in $LEVELS; do
  : >"$WORK/a-$c"; : >"$WORK/b-$c"
  for ((i = 1; i <= RUNS; i++)); do
    req="$WORK/run-$c-$i.req"
    sign "$REQUESTS" "$req"
    floor_inputs "$req" "$WORK/floor-$c-$i" >"$WORK/floor-$c-$i.list"
    sync
    log_from=$(($(wc -l <"$WORK/daemon.log") + 1))
    cpu0=$(daemon_cpu)
    "$BIN/mailbox_load" run --port "$PORT" --connections "$c" --requests "$req" \
      --receipts "$WORK/run-$c-$i.receipts" --latencies "$WORK/run-$c-$i.lat" \
      >"$WORK/run-$c-$i.json"
    cpu1=$(daemon_cpu)
    say "(a) daemon, $c connections, run $i: $(cat "$WORK/run-$c-$i.json")"
    check "$WORK/run-$c-$i.receipts"
    # The daemon's own time per request (its log line): from the request read to the answer.
    handled=$(tail -n +"$log_from" "$WORK/daemon.log" | sed -n 's/.* POST .* \([0-9.]*\)ms$/\1/p' | median)
    python3 - "$WORK/run-$c-$i.json" "$cpu0" "$cpu1" "$handled" >>"$WORK/a-$c" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cpu = 1000 * (float(sys.argv[3]) - float(sys.argv[2])) / max(1, r["accepted"])
l = r["latency_ms"]
print(r["submissions_per_s"], l["p50"], l["p90"], l["p99"], l["max"], sys.argv[4], cpu,
      r["sent"], r["accepted"])
PY

    sync
    # sh -c: $0-$2 the service home, key and staff key; $3-$6 one line of the list.
    python3 "$WORK/floor.py" "$c" "$WORK/floor-$c-$i.list" \
      sh -c 'gpg --homedir "$3" --batch --quiet --verify "$5" "$4" 2>/dev/null &&
        exec gpg --homedir "$0" --batch --yes --quiet --always-trust -u "$1" --sign --encrypt \
          -f "$2" -o "$6" "$4"' "$WORK/state/gnupg/mailbox" "$SERVICE_FPR" "$STAFF_KEY" \
      >>"$WORK/b-$c" 2>"$WORK/floor.err"
    read -r rate wall cpu n <<<"$(tail -1 "$WORK/b-$c")"
    say "(b) gpg floor, -P $c, run $i: $n of $REQUESTS verified and sealed in $wall s = $rate /s," \
      "$cpu CPU ms each"
    [ "$n" -eq "$REQUESTS" ] || say "(b) floor: $((REQUESTS - n)) failed: $(head -3 "$WORK/floor.err")"
    rm -rf "$WORK/floor-$c-$i"
  done
  say "load average after $c connections: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows here)"
  python3 - "$c" "$WORK/a-$c" "$WORK/b-$c" >>"$WORK/table" <<'PY'
import statistics, sys
c, a_path, b_path = sys.argv[1:]
a = [list(map(float, l.split())) for l in open(a_path)]
b = [list(map(float, l.split())) for l in open(b_path)]
med = lambda rows, k: statistics.median(r[k] for r in rows)
runs = lambda rows: ", ".join(f"{r[0]:.1f}" for r in rows)
d, f = med(a, 0), med(b, 0)
print(f"| {c} | {runs(a)} | **{d:.1f}** | {med(a, 1):.0f} | {med(a, 2):.0f} | **{med(a, 3):.0f}** "
      f"| {med(a, 4):.0f} | {med(a, 5):.0f} | {med(a, 6):.1f} | {runs(b)} | **{f:.1f}** "
      f"| {med(b, 2):.1f} | {d / f:.2f} | {sum(r[8] for r in a):.0f}/{sum(r[7] for r in a):.0f} |")
PY
done

echo "| connections | daemon subs/s (runs) | median | p50 ms | p90 ms | p99 ms | max ms | daemon's own ms/request | daemon CPU ms/sub | floor subs/s (runs, -P = connections) | median | floor CPU ms/sub | daemon/floor | accepted/sent |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
cat "$WORK/table"
rows=$(sql "$QUEUE" "SELECT count(*) FROM documents")
say "queue: $rows rows, $(sort -u "$WORK/all-receipts" | wc -l) distinct receipts received; $([ "$LOST" -eq 0 ] && echo "nothing lost" || echo "LOST OR EXTRA ROWS")"
outcomes=$(sed -n 's/.* POST [^ ]* \([0-9]*\) \([a-z-]*\).*/\1 \2/p' "$WORK/daemon.log" | sort | uniq -c | tr '\n' ';')
say "daemon outcomes: $outcomes"
exit "$LOST"
