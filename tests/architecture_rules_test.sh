#!/usr/bin/env bash
# The house rules (docs/architecture.md, "The house"), checked on every ./dev test:
#   which room may include which, one clock, no throwing number parses, clang-format clean.
# Prints each broken rule with the file and line; exits 1 if any rule is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
broken() { printf 'rule broken: %s\n%s\n' "$1" "$2"; failed=1; }

sources() { git ls-files -- "$@" | grep -E '\.(cc|h)$'; }

# includes ROOM PATTERN WHY: no source under ROOM includes a header matching PATTERN.
forbid_include() {
  local room=$1 pattern=$2 why=$3 hits
  hits=$(sources "$room" | xargs -r grep -nE "^#include \"($pattern)" || true)
  [ -z "$hits" ] || broken "$why" "$hits"
}

forbid_include core/ 'generator/|mailbox/' "core/ knows no program"
forbid_include generator/ 'mailbox/' "generator/ and mailbox/ never include each other"
forbid_include mailbox/ 'generator/' "generator/ and mailbox/ never include each other"
forbid_include mailbox/common/ 'mailbox/(daemon|staff)/' "mailbox/common/ knows neither program"
forbid_include mailbox/daemon/ 'mailbox/staff/' "daemon/ and staff/ never include each other"
forbid_include mailbox/staff/ 'mailbox/daemon/' "daemon/ and staff/ never include each other"
forbid_include generator/site/ 'generator/(records|summaries|nightly)/' "site/ knows only core/"
forbid_include generator/records/ 'generator/(site|summaries|nightly)/' "records/ knows only core/"
forbid_include generator/ehr/ 'generator/(site|records|summaries|nightly)/' "ehr/ knows only core/"
forbid_include generator/summaries/ 'generator/(site|nightly)/' "summaries/ never includes site/ or nightly/"
forbid_include core/templates/ 'core/(gpg|sqlite_db|record_store|enrollment_registry)' \
  "templates know no state"
hits=$(sources mailbox/daemon/ | xargs -r grep -nE '^#include "core/templates/' || true)
[ -z "$hits" ] || broken "the daemon never links mstch" "$hits"

# One clock: only core/clock.cc reads the time of day in the programs' code.
hits=$(sources core/ generator/ mailbox/ | grep -v '^core/clock\.cc$' |
  xargs -r grep -nE 'std::time\(|[^_a-z]time\(nullptr\)|system_clock::now|gettimeofday|CLOCK_REALTIME' || true)
[ -z "$hits" ] || broken "the wall clock is read only through core/clock.h" "$hits"

# Numbers are parsed without exceptions (core/parse_number.h).
hits=$(sources core/ generator/ mailbox/ | xargs -r grep -nE 'std::sto(i|l|ll|ul|ull|f|d)\(' || true)
[ -z "$hits" ] || broken "numbers are parsed with core/parse_number.h, not std::sto*" "$hits"

# Formatting by tool.
if command -v clang-format >/dev/null; then
  hits=$(git ls-files -- '*.cc' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep -E '^[^ ].*(warning|error)' || true)
  [ -z "$hits" ] || broken "every C++ file is clang-formatted (.clang-format)" "$hits"
fi

if [ "$failed" -eq 0 ]; then echo "house rules: all kept"; fi
exit "$failed"
