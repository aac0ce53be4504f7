#!/usr/bin/env bash
# Enrolment oracle by latency (issue 15, item 5): how long portal-mailboxd takes to refuse a
# signed message (401) for an enrolled MRN signed by another person's key, and for an MRN
# nobody enrolled, signed by the same key. Both must cost the same (the decoy verification):
# an attacker who times the 401 must not learn who is enrolled. Sets up a state in a temporary
# folder (PATIENTS synthetic patients, keys generated now and deleted at the end), starts the
# daemon on a free loopback port with the rate limits raised, then sends REQUESTS of each kind,
# interleaved, one at a time on one keep-alive connection, and prints both medians, p90s and
# their ratio. The signatures are made once (a refused request never reaches the nonce check).
#   bench/enrolment_oracle_bench.sh [REQUESTS=100] [PATIENTS=20]
# Environment: BUILD (build folder, default build), BIN (a folder of already built programs, e.g.
# an earlier commit's, for a before/after; nothing is built then).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-100}
N=${2:-20}
BUILD=${BUILD:-build}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-oracle-bench.XXXXXX")
DAEMON_PID=
cleanup() {
  [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  for home in "$WORK"/state/gnupg/* "$WORK"/keycache/home-*; do
    [ -d "$home" ] && gpgconf --homedir "$home" --kill gpg-agent 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${BIN:-}" ]; then
  BIN=$(cd "$BIN" && pwd)
else
  cmake --build "$BUILD" --target portal-gen portal-staff portal-mailboxd >/dev/null
  BIN=$(cd "$BUILD/bin" && pwd)
fi
say() { echo "enrolment_oracle_bench: $*" >&2; }

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
        }" "$CONFIG"
say "$N patients: records, enrolments, keys (generated now)"
python3 bench/synth_fhir.py "$WORK/extracts" "$N" >/dev/null
"$BIN/portal-staff" init --config "$CONFIG" >/dev/null
"$BIN/portal-gen" ingest --config "$CONFIG" "$WORK/extracts" >/dev/null 2>&1
python3 bench/bench_keys.py "$WORK/state" "$N" "$WORK/keycache" >/dev/null
HOME0="$WORK/keycache/home-0000"
sql() { python3 -c "import sqlite3,sys; [print(*r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "$@"; }
sql "$WORK/state/registry.sqlite" "SELECT mrn, fingerprint FROM keys WHERE role='patient' ORDER BY mrn" >"$WORK/patients"
read -r KNOWN _ < <(sed -n 1p "$WORK/patients")
read -r _ SIGNER < <(sed -n 2p "$WORK/patients")  # Another enrolled patient's key: not KNOWN's.
UNKNOWN=M999999

"$BIN/portal-mailboxd" --config "$CONFIG" --listen 127.0.0.1:0 >"$WORK/daemon.out" 2>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/daemon.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/daemon.out")
[ -n "$PORT" ] || { say "the daemon did not start:"; cat "$WORK/daemon.log" >&2; exit 3; }

python3 - "$PORT" "$HOME0" "$SIGNER" "$KNOWN" "$UNKNOWN" "$REQUESTS" <<'PY'
import base64, http.client, json, statistics, subprocess, sys, time, datetime
port, home, signer, known, unknown, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
def request(mrn):
    ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"version": 1, "mrn": mrn, "to": "conncare", "subject": "Bench",
                       "body": "Timing", "nonce": "n" * 24, "timestamp": ts}).encode()
    sig = subprocess.run(["gpg", "--homedir", home, "--batch", "--local-user", signer,
                          "--detach-sign"], input=body, capture_output=True, check=True).stdout
    return body, base64.b64encode(sig).decode()
kinds = {"enrolled MRN, another key": request(known), "MRN nobody enrolled": request(unknown)}
conn = http.client.HTTPConnection("127.0.0.1", int(port))
times = {k: [] for k in kinds}
for i in range(n + 5):
    for k, (body, sig) in kinds.items():
        t0 = time.perf_counter()
        conn.request("POST", "/v1/messages", body,
                     {"Content-Type": "application/json", "Portal-Signature": sig})
        r = conn.getresponse(); r.read()
        dt = (time.perf_counter() - t0) * 1000
        assert r.status == 401, r.status
        if i >= 5:  # The first few warm the verification homes and pooled contexts.
            times[k].append(dt)
print(f"| request ({n} each, interleaved) | median ms | p90 ms |")
print("|---|---|---|")
for k, v in times.items():
    v.sort()
    print(f"| {k} | {statistics.median(v):.2f} | {v[int(len(v) * 0.9)]:.2f} |")
a, b = (statistics.median(v) for v in times.values())
print(f"\nratio enrolled/unknown: {a / b:.2f}")
PY
