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
# Then, in the same run, patients' accounts (issue 13), RUNS times each:
#   (c) sign-ins: every enrolled patient has an account (made before the daemon starts, through
#       the account store, with a random auth key); bench/mailbox_load signin sends SIGNINS
#       POST /v1/sessions over SIGNIN_CONNECTIONS keep-alive connections: sign-ins/s, p50, p99;
#   (d) timing equality: 200 POST /v1/registrations for eligible patients without an account
#       (REG_PATIENTS more synthetic adults, each with an e-mail on record, the address typed
#       right: each gets a code by mail through a local aiosmtpd sink) and 200 for MRNs nobody
#       has, interleaved on one connection: both medians and their ratio.
# Prints markdown tables of medians.
#   bench/mailbox_bench.sh [RUNS=3] [REQUESTS=1000] [PATIENTS=200]
# Environment: LEVELS (default "8 32 128"), THREADS ([mailbox] threads; default the config's),
# SIGNINS (default 10000), SIGNIN_CONNECTIONS (default 32), REG_PATIENTS (default 200),
# BUILD (build folder, default build), BIN (a folder of already built programs, e.g. a copy of
# an earlier commit's build/bin: used as is, nothing is built), KEEP (a folder: each run's report, per-request latencies
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
SMTP_PID=
SIGNINS=${SIGNINS:-10000}
SIGNIN_CONNECTIONS=${SIGNIN_CONNECTIONS:-32}
REG_PATIENTS=${REG_PATIENTS:-200}
cleanup() {
  # The sink dies of the signal, so its wait fails: that must not end the clean-up (set -e).
  if [ -n "$SMTP_PID" ]; then kill "$SMTP_PID" 2>/dev/null; wait "$SMTP_PID" 2>/dev/null || true; fi
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

if [ -n "${BIN:-}" ]; then
  BIN=$(cd "$BIN" && pwd)
elif [ -f "$BUILD/build.ninja" ] || [ -f "$BUILD/Makefile" ]; then
  cmake --build "$BUILD" --target portal-gen portal-staff portal-mailboxd mailbox_load >/dev/null
  BIN=$(cd "$BUILD/bin" && pwd)
else
  ./dev demo >/dev/null
  BIN=$(cd "$BUILD/bin" && pwd)
fi

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
# Accounts: the per-address, per-MRN and per-day limits raised so no bucket answers; mail on,
# to a local aiosmtpd that keeps nothing.
SMTP_PORT=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
python3 - "$CONFIG" "$SMTP_PORT" <<'PY'
import sys
path, smtp_port = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
def put(section, key, value):  # key = value in [section]: the active line replaced, else added.
    header = f"[{section}]"
    if header not in lines:
        lines.extend(["", header])
    at = lines.index(header) + 1
    end = at
    while end < len(lines) and not lines[end].startswith("["):
        end += 1
    for i in range(at, end):
        if lines[i].split("=")[0].strip() == key and not lines[i].startswith("#"):
            lines[i] = f"{key} = {value}"
            return
    lines.insert(at, f"{key} = {value}")
for key in ("per_address_per_minute", "per_address_burst", "per_mrn_per_hour"):
    put("accounts", key, "1000000")
put("accounts", "email_codes_per_day", "100")  # The most it allows: each run codes each MRN once.
put("notifications", "smtp_url", f'"smtp://127.0.0.1:{smtp_port}"')
put("notifications", "starttls", '"off"')
put("notifications", "from", '"Bench Portal <portal@bench.invalid>"')
put("notifications", "poll_seconds", "1")
open(path, "w").write("\n".join(lines))
PY
PROVIDERS=$(python3 -c "import sys,tomllib; print(','.join(p['id'] for p in tomllib.load(open(sys.argv[1],'rb'))['messaging']['providers']))" "$CONFIG")

say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "$N patients: records, enrolments, keys (generated now)"
python3 bench/synth_fhir.py "$WORK/extracts" "$N" >/dev/null
# The registrations' patients: adults not enrolled, each with an e-mail on record.
python3 - "$WORK/extracts/bench-accounts.ndjson" "$REG_PATIENTS" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, "w") as f:
    for i in range(n):
        f.write(json.dumps({
            "resourceType": "Patient", "id": f"bench-reg-{i}", "birthDate": "1980-01-01",
            "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                            "system": "http://backushospital.org/mrn", "value": f"M{300000 + i:06d}"}],
            "name": [{"family": "Synthetic", "given": [f"Registrant{i}"]}],
            "telecom": [{"system": "email", "value": f"registrant{i}@bench.invalid"}]}) + "\n")
PY
for ((i = 0; i < REG_PATIENTS; i++)); do
  printf 'M%06d registrant%d@bench.invalid\n' $((300000 + i)) "$i"
done >"$WORK/known"
for ((i = 0; i < REG_PATIENTS; i++)); do
  printf 'M%06d someone%d@bench.invalid\n' $((900000 + i)) "$i"
done >"$WORK/unknown"
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

# The patient directory the daemon reads (registrations), built by a nightly run; then an account
# for each enrolled patient (not timed).
t0=$(now)
"$BIN/portal-gen" nightly --config "$CONFIG" >/dev/null 2>&1
say "nightly run for the patient directory: $(python3 -c "import sys; print(round(float(sys.argv[2])-float(sys.argv[1]),1))" "$t0" "$(now)") s"
"$BIN/mailbox_load" accounts --state "$WORK/state" --patients "$WORK/patients" --out "$WORK/accounts"
say "$(wc -l <"$WORK/accounts") accounts made"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Sink \
  >/dev/null 2>"$WORK/smtp.log" &
SMTP_PID=$!

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

# ---- (c) sign-ins and (d) timing equality, RUNS times each, alternating ----
: >"$WORK/c"; : >"$WORK/d"
for ((i = 1; i <= RUNS; i++)); do
  "$BIN/mailbox_load" signin --port "$PORT" --connections "$SIGNIN_CONNECTIONS" \
    --accounts "$WORK/accounts" --count "$SIGNINS" --latencies "$WORK/signin-$i.lat" \
    >"$WORK/signin-$i.json"
  say "(c) sign-ins, $SIGNIN_CONNECTIONS connections, run $i: $(cat "$WORK/signin-$i.json")"
  python3 - "$WORK/signin-$i.json" >>"$WORK/c" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ms"]
print(r["sign_ins_per_s"], l["p50"], l["p90"], l["p99"], l["max"], r["accepted"], r["sent"])
PY
  "$BIN/mailbox_load" registrations --port "$PORT" --known "$WORK/known" \
    --unknown "$WORK/unknown" --count 200 --latencies "$WORK/registrations-$i.lat" \
    >"$WORK/registrations-$i.json"
  say "(d) registrations, run $i: $(cat "$WORK/registrations-$i.json")"
  python3 - "$WORK/registrations-$i.json" >>"$WORK/d" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(r["known"]["median_ms"], r["unknown"]["median_ms"], r["median_ratio"],
      r["known"]["statuses"].get("202", 0), r["unknown"]["statuses"].get("202", 0))
PY
done
say "load average after the accounts' runs: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "| connections | daemon subs/s (runs) | median | p50 ms | p90 ms | p99 ms | max ms | daemon's own ms/request | daemon CPU ms/sub | floor subs/s (runs, -P = connections) | median | floor CPU ms/sub | daemon/floor | accepted/sent |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
cat "$WORK/table"
echo
python3 - "$SIGNIN_CONNECTIONS" "$WORK/c" "$WORK/d" <<'PY'
import statistics, sys
c, c_path, d_path = sys.argv[1:]
sc = [list(map(float, l.split())) for l in open(c_path)]
d = [list(map(float, l.split())) for l in open(d_path)]
med = lambda rows, k: statistics.median(r[k] for r in rows)
print("| connections | sign-ins/s (runs) | median | p50 ms | p90 ms | p99 ms | max ms | 200/sent |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {c} | {', '.join(f'{r[0]:.0f}' for r in sc)} | **{med(sc, 0):.0f}** | {med(sc, 1):.1f} "
      f"| {med(sc, 2):.1f} | **{med(sc, 3):.1f}** | {med(sc, 4):.1f} "
      f"| {sum(r[5] for r in sc):.0f}/{sum(r[6] for r in sc):.0f} |")
print()
print("| registrations (200 + 200 a run, interleaved) | median ms, eligible without account (runs) | median | median ms, unknown MRN (runs) | median | ratio (runs) | median | 202s |")
print("|---|---|---|---|---|---|---|---|")
print(f"| one connection | {', '.join(f'{r[0]:.3f}' for r in d)} | **{med(d, 0):.3f}** "
      f"| {', '.join(f'{r[1]:.3f}' for r in d)} | **{med(d, 1):.3f}** "
      f"| {', '.join(f'{r[2]:.3f}' for r in d)} | **{med(d, 2):.3f}** "
      f"| {sum(r[3] for r in d):.0f} + {sum(r[4] for r in d):.0f} of {400 * len(d)} |")
PY
rows=$(sql "$QUEUE" "SELECT count(*) FROM documents")
say "queue: $rows rows, $(sort -u "$WORK/all-receipts" | wc -l) distinct receipts received; $([ "$LOST" -eq 0 ] && echo "nothing lost" || echo "LOST OR EXTRA ROWS")"
outcomes=$(sed -n 's/.* POST [^ ]* \([0-9]*\) \([a-z-]*\).*/\1 \2/p' "$WORK/daemon.log" | sort | uniq -c | tr '\n' ';')
say "daemon outcomes: $outcomes"
exit "$LOST"
