# shellcheck shell=bash
# Helpers shared by bootstrap.sh, run.sh and test.sh (sourced, not run).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -t 1 ]]; then _bold=$'\033[1m'; _red=$'\033[31m'; _off=$'\033[0m'; else _bold=; _red=; _off=; fi
say()  { printf '%s==> %s%s\n' "$_bold" "$*" "$_off"; }
note() { printf '    %s\n' "$*"; }
die()  { printf '%serror:%s %s\n' "$_red" "$_off" "$*" >&2; exit 1; }

# The interpreter minidl is installed into: $PYTHON if set, else the active virtual
# environment, else the project's own .venv (bootstrap.sh creates it).
minidl_python() {
  if [[ -n "${PYTHON:-}" ]]; then
    command -v "$PYTHON" || echo "$PYTHON"
  elif [[ -n "${VIRTUAL_ENV:-}" ]]; then
    echo "$VIRTUAL_ENV/bin/python"
  else
    echo "$ROOT/.venv/bin/python"
  fi
}

# Build jobs: one per core unless CMAKE_BUILD_PARALLEL_LEVEL says otherwise (CMake and
# scikit-build-core both read it). Ninja's default (cores + 2) runs out of memory on small machines.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"

# Tools pip installs into the environment (cmake, ninja, pytest) must be on PATH.
env_on_path() {
  local bin
  bin="$(dirname "$(minidl_python)")"
  if [[ -d "$bin" && ":$PATH:" != *":$bin:"* ]]; then export PATH="$bin:$PATH"; fi
}
env_on_path
