#!/usr/bin/env bash
# The shipped systemd units and cron line: every service creates private files (UMask=0077),
# dumps no core (LimitCORE=0) and has its own /tmp (PrivateTmp); each key is set exactly once.
# With systemd-analyze installed, each unit also passes `systemd-analyze verify` (ExecStart
# pointed at /bin/true, since the portal is not installed under /srv here).
set -u
cd "$(dirname "$0")/../deploy" || exit 1
fail=0
units=(*.service)
[ "${#units[@]}" -ge 3 ] || { echo "expected the three services, found: ${units[*]}"; exit 1; }
for unit in "${units[@]}"; do
  for want in 'UMask=0077' 'LimitCORE=0' 'PrivateTmp=(yes|true)'; do
    key=${want%%=*}
    lines=$(grep -cE "^${key}=" "$unit")
    if [ "$lines" != 1 ]; then
      echo "$unit: $key set $lines times (want once: $want)"; fail=1
    elif ! grep -qE "^${want}\$" "$unit"; then
      echo "$unit: $(grep -E "^${key}=" "$unit") (want $want)"; fail=1
    fi
  done
done
cron=portal-nightly.cron
grep -qE '^[^#].*\bumask 077;' "$cron" || { echo "$cron: no umask 077 before the run"; fail=1; }
grep -qE '^[^#].*\bulimit -c 0;' "$cron" || { echo "$cron: no ulimit -c 0 before the run"; fail=1; }
if command -v systemd-analyze >/dev/null; then
  tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
  for unit in *.service *.timer; do
    sed 's#^ExecStart=[^ ]*#ExecStart=/bin/true#' "$unit" >"$tmp/$unit"
  done
  if ! out=$(cd "$tmp" && systemd-analyze verify ./*.service ./*.timer 2>&1) || [ -n "$out" ]; then
    echo "systemd-analyze verify:"; echo "$out"; fail=1
  fi
else
  echo "systemd-analyze not installed: units not verified by systemd"
fi
[ "$fail" = 0 ] && echo "units: ok (${units[*]})"
exit "$fail"
