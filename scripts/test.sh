#!/usr/bin/env bash
# Everything CI checks: set up and build minidl (scripts/bootstrap.sh), then
#   1. build the C++ examples against the engine alone (no Python) and run them;
#      each checks its results and exits non-zero on a mismatch
#   2. run the demo, `python -m minidl`
#   3. run the Python test suite, `python -m pytest tests -q`; extra arguments go to pytest
#      (bash scripts/test.sh -k matmul -x)
#   4. build minidl with AddressSanitizer + UBSan and run the suite again under them
#      (scripts/sanitize.sh; the same extra arguments). MINIDL_SANITIZE_CI=0 skips this step.
# All run even when one fails; the exit status is non-zero if any failed.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
cd "$ROOT"
PY="$(minidl_python)"
failed=()

cpp_examples() {
  local dir=build/cpp args=(-S . -B build/cpp -DMINIDL_BUILD_PYTHON=OFF -DMINIDL_BUILD_EXAMPLES=ON)
  # A new build folder gets Ninja when there is one; an existing one keeps its generator.
  if [[ ! -f $dir/CMakeCache.txt ]] && command -v ninja >/dev/null; then args+=(-G Ninja); fi
  cmake "${args[@]}" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" || return 1
  local src name ok=0
  for src in cpp/examples/*.cpp; do
    name="$(basename "$src" .cpp)"
    say "C++ example: $dir/$name"
    "$dir/$name" || { echo "FAILED: $dir/$name exited with status $?"; ok=1; }
  done
  return $ok
}

demo() {
  local log=build/demo.log
  if "$PY" -m minidl >"$log" 2>&1; then
    tail -n 3 "$log"
  else
    cat "$log"
    echo "FAILED: python -m minidl"
    return 1
  fi
}

pytests() {
  local status=0
  "$PY" -m pytest tests -q "$@" || status=$?
  # pytest's 5 = "no tests collected": acceptable only while tests/ has no test files at all.
  if [[ $status == 5 ]] && [[ -z "$(find tests -name 'test_*.py' -print -quit)" ]]; then
    echo "WARNING: tests/ has no test files yet"
    return 0
  fi
  return $status
}

mkdir -p build
say "[1/4] C++ examples (engine without Python; build/cpp)"
cpp_examples || failed+=("C++ examples")
say "[2/4] python -m minidl"
demo || failed+=("python -m minidl")
say "[3/4] python -m pytest tests -q${*:+ $*}"
if [[ -d tests ]]; then
  pytests "$@" || failed+=("pytest")
else
  echo "WARNING: no tests/ folder yet"
fi
if [[ "${MINIDL_SANITIZE_CI:-1}" != 0 ]]; then
  say "[4/4] the tests under AddressSanitizer + UBSan (scripts/sanitize.sh)"
  start=$SECONDS
  bash scripts/sanitize.sh "$@" || failed+=("sanitizers")
  note "sanitizer build and run: $((SECONDS - start)) s"
else
  say "[4/4] sanitizers skipped (MINIDL_SANITIZE_CI=0)"
fi

if ((${#failed[@]})); then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "all checks passed"
