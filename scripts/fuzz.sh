#!/usr/bin/env bash
# The long fuzz run: bash scripts/fuzz.sh [N] makes at least N calls (default 100000) of minidl's
# public API through the property-based suite in tests/fuzz/, in rounds with fresh random seeds
# (the suite itself runs a few seconds per file, derandomized, in CI).
#
# Every call is written to build/fuzz/last_call.txt before it runs, so if a call kills Python
# (a segfault) the file names it; faulthandler prints the Python stack too. Failed properties
# (a wrong result, or an exception other than ValueError/TypeError/IndexError/RuntimeError) are
# listed per round. Options by environment: FUZZ_EXAMPLES (hypothesis examples per round per
# test, scaled; default 300), FUZZ_FILES (default tests/fuzz), FUZZ_MEM_KB (address-space limit
# per round, default 8 GiB: a valid but huge allocation then fails fast instead of swapping the
# machine to death). A call that runs more than 120 s gets its stack dumped (a hang).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
cd "$ROOT"
PY="$(minidl_python)"
target="${1:-100000}"
examples="${FUZZ_EXAMPLES:-300}"
out=build/fuzz
mkdir -p "$out"
total=0 round=0 crashes=0 failures=0
start=$(date +%s)
while (( total < target )); do
  round=$((round + 1))
  seed=$((RANDOM * 32768 + RANDOM))
  say "round $round: seed $seed, $examples examples per test ($total of $target calls so far)"
  rm -f "$out/calls.txt"
  (ulimit -v "${FUZZ_MEM_KB:-8388608}"
   MINIDL_FUZZ_EXAMPLES="$examples" MINIDL_FUZZ_LOG="$out/last_call.txt" MINIDL_FUZZ_COUNT="$out/calls.txt" \
     exec "$PY" -X faulthandler -m pytest ${FUZZ_FILES:-tests/fuzz} -q -p no:cacheprovider -o faulthandler_timeout=120 \
     -W ignore::DeprecationWarning --hypothesis-seed="$seed") >"$out/round$round.log" 2>&1
  status=$?
  grep -E "^(FAILED|ERROR)|passed|failed" "$out/round$round.log" | tail -n 20
  if [[ -f $out/calls.txt ]]; then
    calls=$(cat "$out/calls.txt")
  else
    # the interpreter died: the last call it logged is the culprit
    calls=$(sed -n 's/^call \([0-9]*\):.*/\1/p' "$out/last_call.txt" 2>/dev/null || echo 0)
    crashes=$((crashes + 1))
    echo "CRASH (status $status) during:"
    cat "$out/last_call.txt"
    tail -n 30 "$out/round$round.log"
  fi
  total=$((total + ${calls:-0}))
  if (( status != 0 )); then
    failures=$((failures + $(grep -c '^FAILED' "$out/round$round.log")))
  fi
  if (( ${calls:-0} == 0 )); then die "no calls made in round $round (see $out/round$round.log)"; fi
done
say "fuzz: $total calls in $round rounds, $(( $(date +%s) - start )) s; $crashes crashes, $failures failed properties"
(( crashes == 0 && failures == 0 ))
