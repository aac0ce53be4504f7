#!/usr/bin/env bash
# Nightly-run benchmark (docs/benchmarks.md): N synthetic patients (bench/synth_fhir.py, about
# 310 KB of NDJSON each: 10,000 take about 3.1 GB in TMPDIR), each enrolled with their own key
# (bench/bench_keys.py), side by side in one run:
#   (a) a full run: portal-gen nightly --full
#   (b) the floor: the same plaintexts signed and encrypted by a shell loop of
#       `gpg --sign --encrypt -f KEYFILE`, 2 in parallel
#   (c) an incremental run after changing 1% of the patients (a new released result each)
#   (d) an incremental run with no change
# (a) and (b) alternate, RUNS times each; medians. Run it at two sizes for (e), the cost per
# patient at 1,000 vs 10,000 enrolled keys:
#   [PORTAL_BUILD=DIR] bench/nightly_bench.sh [N=10000] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
RUNS=${2:-3}
AS_OF=2025-06-01T00:00:00Z
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portal-nightly-bench.XXXXXX")
trap 'gpgconf --homedir "$WORK/state/gnupg/portal" --kill gpg-agent 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEY_CACHE=${KEY_CACHE:-${TMPDIR:-/tmp}/portal-bench-key-cache}
[ -x /usr/bin/time ] || {
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq time >/dev/null; else sudo apt-get install -y -qq time >/dev/null; fi
}
# PORTAL_BUILD: the build folder whose binaries are measured (default build/, made by ./dev).
BUILD=$(realpath "${PORTAL_BUILD:-build}")
[ -x "$BUILD/bin/portal-gen" ] && [ -x "$BUILD/bin/portal-staff" ] || [ -n "${PORTAL_BUILD:-}" ] ||
  ./dev demo >/dev/null
GEN=$BUILD/bin/portal-gen
STAFF=$BUILD/bin/portal-staff

mkdir -p "$WORK/content"
cp -r content/. "$WORK/content/"
sed -i "s|^state_dir = .*|state_dir = \"$WORK/state\"|; s|^templates_dir = .*|templates_dir = \"$PWD/site_templates\"|;
        s|^site_output_dir = .*|site_output_dir = \"$WORK/output/site\"|;
        s|^summaries_output_dir = .*|summaries_output_dir = \"$WORK/output/patients\"|;
        s|^extracts_dir = .*|extracts_dir = \"$WORK/extracts\"|" "$WORK/content/portal.toml"
CONFIG="$WORK/content/portal.toml"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
say() { echo "nightly_bench: $*" >&2; }

say "synthesising $N patients"
python3 bench/synth_fhir.py "$WORK/extracts" "$N" "$AS_OF" >/dev/null
"$STAFF" init --config "$CONFIG" >/dev/null
SIGNER=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM settings WHERE name='signing_fingerprint'\").fetchone()[0])" "$WORK/state/registry.sqlite")
python3 bench/bench_keys.py "$WORK/state" "$N" "$KEY_CACHE"

# The first night: ingest the extract and publish everything (timed, but not one of the bars).
/usr/bin/time -f "%e %M" -o "$WORK/t" "$GEN" nightly --config "$CONFIG" --as-of "$AS_OF" 2>"$WORK/first.log"
say "first night (ingest $(du -sm "$WORK/extracts" | cut -f1) MB + publish): $(cat "$WORK/t") (wall s, peak KB)"
grep -E '^nightly: [0-9]' "$WORK/first.log" >&2

# The floor's inputs: the same plaintext pages, each with its patient's key file.
"$GEN" summaries --config "$CONFIG" --as-of "$AS_OF" --plaintext-dir "$WORK/plain" >/dev/null
python3 - "$WORK" <<'PY' >"$WORK/floor.list"
import hashlib, os, sqlite3, sys
work = sys.argv[1]
db = sqlite3.connect(os.path.join(work, "state", "registry.sqlite"))
for mrn, fpr in db.execute("SELECT mrn, fingerprint FROM keys"):
    pid = "p%06d" % (int(mrn[1:]) - 100000)
    page = os.path.join(work, "plain", hashlib.sha256(pid.encode()).hexdigest()[:16] + ".html")
    if os.path.exists(page):
        print(page, os.path.join(work, "state", "keys", fpr + ".asc"),
              os.path.join(work, "floor-out", os.path.basename(page) + ".pgp"))
PY
PAGES=$(wc -l <"$WORK/floor.list")
HOME_DIR="$WORK/state/gnupg/portal"

last_report() { ls -t "$WORK/state/reports/"*.json | head -1; }
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$(last_report)" "$1"; }

: >"$WORK/a"; : >"$WORK/a_sum"; : >"$WORK/b"; : >"$WORK/c"; : >"$WORK/d"; : >"$WORK/a_rss"
for ((i = 1; i <= RUNS; i++)); do
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$GEN" nightly --config "$CONFIG" --as-of "$AS_OF" --full 2>/dev/null
  read -r wall rss <"$WORK/t"
  echo "$wall" >>"$WORK/a"; field 'r["peak_rss_mib"]' >>"$WORK/a_rss"
  field 'r["phases_seconds"]["summaries"]' >>"$WORK/a_sum"
  say "(a) full run $i: $wall s, portal-gen peak $(field 'r["peak_rss_mib"]') MiB, rendered $(field 'r["summaries"]["rendered"]')"

  rm -rf "$WORK/floor-out"; mkdir -p "$WORK/floor-out"; sync
  start=$(date +%s.%N)
  xargs -P2 -n3 sh -c 'exec gpg --homedir "$0" --batch --yes --quiet --always-trust -u "$1" --sign --encrypt -f "$3" -o "$4" "$2"' \
    "$HOME_DIR" "$SIGNER" <"$WORK/floor.list"
  end=$(date +%s.%N)
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end" >>"$WORK/b"
  say "(b) gpg floor run $i: $(tail -1 "$WORK/b") s for $PAGES pages ($(ls "$WORK/floor-out" | wc -l) written)"
done

for ((i = 1; i <= RUNS; i++)); do
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$GEN" nightly --config "$CONFIG" --as-of "$AS_OF" 2>/dev/null
  read -r wall rss <"$WORK/t"; echo "$wall" >>"$WORK/d"
  say "(d) no-change run $i: $wall s, rendered $(field 'r["summaries"]["rendered"]'), examined $(field 'r["summaries"]["examined"]')"
done

for ((i = 1; i <= RUNS; i++)); do
  # 1% of the patients (a different 1% each time) get a result issued 30 days before as-of.
  python3 - "$WORK/extracts/delta-$i.ndjson" "$N" "$i" <<'PY'
import json, sys
out, n, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(out, "w") as f:
    for k in range(max(1, n // 100)):
        i = (k * 100 + run * 7) % n
        pid = "p%06d" % i
        f.write(json.dumps({"resourceType": "Observation", "id": f"{pid}-delta{run}",
            "status": "final", "subject": {"reference": f"Patient/{pid}"},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"text": "Ferritin"}, "effectiveDateTime": "2025-05-01T08:00:00Z",
            "issued": "2025-05-01T08:00:00Z"}) + "\n")
PY
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$GEN" nightly --config "$CONFIG" --as-of "$AS_OF" 2>/dev/null
  read -r wall rss <"$WORK/t"; echo "$wall" >>"$WORK/c"
  say "(c) 1% changed run $i: $wall s, rendered $(field 'r["summaries"]["rendered"]'), examined $(field 'r["summaries"]["examined"]')"
done

a=$(median <"$WORK/a"); b=$(median <"$WORK/b"); c=$(median <"$WORK/c"); d=$(median <"$WORK/d")
asum=$(median <"$WORK/a_sum"); arss=$(median <"$WORK/a_rss")
echo "| patients | pages | (a) full s | (a) summaries phase s | (b) gpg floor s | (a)/(b) | (c) 1% s | (c)/(a) | (d) none s | (d)/(a) | (a) ms/patient | portal-gen peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
python3 -c "
import sys
n,p,a,asum,b,c,d,rss=sys.argv[1:]
n,p=int(n),int(p); a,asum,b,c,d=map(float,(a,asum,b,c,d))
print(f'| {n} | {p} | {a:.2f} | {asum:.2f} | {b:.2f} | {a/b:.2f}x | {c:.2f} | {100*c/a:.1f}% | {d:.2f} | {100*d/a:.1f}% | {1000*a/n:.2f} | {int(float(rss))} |')
" "$N" "$PAGES" "$a" "$asum" "$b" "$c" "$d" "$arss"
