#!/usr/bin/env bash
# Install what minidl needs and build it. Safe to rerun: every step checks first and does
# nothing when its work is done, so a rerun on a ready machine takes a few seconds.
#
#   1. Debian packages: xtensor, xtensor-blas, OpenBLAS (apt-get; sudo when not root)
#   2. a Python environment: $PYTHON if set, else the active virtualenv, else ./.venv,
#      made from python3 (Debian's own python3 refuses `pip install`, see PEP 668)
#   3. Python packages from PyPI: numpy, pytest, hypothesis, the build tools, and what the
#      optimizer comparison uses: matplotlib (plots), scikit-learn (the digits data), tqdm,
#      and what runs the notebooks in the tests: nbformat, nbclient, ipykernel
#   4. minidl itself: `pip install --no-build-isolation -e .`, which compiles incrementally
#      in build/<wheel tag>/; skipped when no C++ or build file changed since the last build
#
# Environment: PYTHON=/path/to/python   install into this interpreter instead of ./.venv
#              MINIDL_VERBOSE=1         show the compiler's output
#              CMAKE_BUILD_PARALLEL_LEVEL=N   compile jobs (default: one per core)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
cd "$ROOT"

APT_PACKAGES=(libxtensor-dev libxtensor-blas-dev libopenblas-dev libopenblas-openmp-dev xtl-dev libxsimd-dev
              graphviz)  # graphviz: `dot` draws autograd graphs (minidl.viz.draw_graph)
PY_PACKAGES=("numpy>=1.22" "pytest>=7" "hypothesis" "scikit-build-core>=0.9" "pybind11>=2.12"
             "matplotlib>=3.5" "scikit-learn>=1.0" "tqdm>=4.60"
             "nbformat>=5" "nbclient>=0.7" "ipykernel>=6" "graphviz>=0.20")

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
have_apt() { command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; }
# Installed means status "ii": `dpkg -s` also succeeds for removed packages that left config files.
is_installed() { [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]; }
apt_updated=0
apt_install() {
  note "apt-get install $*"
  if [[ $apt_updated == 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

PY="$(minidl_python)"
own_venv=0
[[ -z "${PYTHON:-}" && -z "${VIRTUAL_ENV:-}" ]] && own_venv=1
if [[ $own_venv == 1 ]]; then
  BASE_PY="$(command -v python3)" || die "python3 not found; install Python 3.9 or newer"
else
  BASE_PY="$PY"
  "$PY" -c "" 2>/dev/null || die "cannot run $PY"
fi
"$BASE_PY" -c "import sys; sys.exit(sys.version_info < (3, 9))" || die "$BASE_PY is older than Python 3.9"
PY_VER="$("$BASE_PY" -c "import sys; print('%d.%d' % sys.version_info[:2])")"

# ---- 1. system packages -----------------------------------------------------
say "[1/4] system packages"
if have_apt; then
  wanted=("${APT_PACKAGES[@]}")
  # Python's C headers, which pybind11 compiles against (only Debian's own Python lacks them).
  if ! "$BASE_PY" -c "import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"; then
    if [[ "$("$BASE_PY" -c 'import sys; print(sys.base_prefix)')" == /usr ]]; then
      wanted+=("python$PY_VER-dev")
    else
      die "$BASE_PY has no Python.h (C headers); install that Python's development files"
    fi
  fi
  missing=()
  for p in "${wanted[@]}"; do is_installed "$p" || missing+=("$p"); done
  if ((${#missing[@]})); then apt_install "${missing[@]}"; else note "present: ${wanted[*]}"; fi
else
  note "no apt-get on this system: install xtensor, xtensor-blas and OpenBLAS yourself"
  note "(conda-forge has them all); CMake will say if it cannot find one"
fi

# ---- 2. Python environment --------------------------------------------------
say "[2/4] Python environment"
if [[ $own_venv == 1 ]] && ! "$PY" -c "" 2>/dev/null; then
  [[ -e .venv ]] && { note "removing the broken .venv"; rm -rf .venv; }
  note "creating .venv from $BASE_PY (--system-site-packages: reuses the packages it already has)"
  if ! "$BASE_PY" -m venv --system-site-packages .venv >/dev/null 2>&1; then
    # Debian ships venv's pip bootstrap separately.
    rm -rf .venv
    have_apt || die "'$BASE_PY -m venv' failed; install Python's venv module"
    apt_install "python$PY_VER-venv"
    "$BASE_PY" -m venv --system-site-packages .venv
  fi
  env_on_path
fi
"$PY" -m pip --version >/dev/null 2>&1 || die "$PY has no pip; install pip for it (Debian: python3-pip)"
note "python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

# ---- 3. Python packages -----------------------------------------------------
say "[3/4] Python packages"
wanted=("${PY_PACKAGES[@]}")
# CMake >= 3.18 and Ninja: take the system's when it has them, else the PyPI builds.
cmake_version="$(cmake --version 2>/dev/null | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')" || true
if [[ -z "$cmake_version" ]] || ! printf '3.18\n%s\n' "$cmake_version" | sort -V -C; then
  wanted+=("cmake>=3.18")
fi
command -v ninja >/dev/null || wanted+=("ninja")
# Which requirements are missing or too old (">=" only: all this list needs).
missing_list="$("$PY" - "${wanted[@]}" <<'EOF'
import re, sys
from importlib.metadata import PackageNotFoundError, version

def key(v):
    return tuple(int(re.match(r"\d*", part).group() or 0) for part in v.split("."))

missing = []
for req in sys.argv[1:]:
    name, _, low = req.partition(">=")
    try:
        if low and key(version(name)) < key(low):
            missing.append(req)
    except PackageNotFoundError:
        missing.append(req)
print(" ".join(missing))
EOF
)"
read -r -a missing <<< "$missing_list"
if ((${#missing[@]})); then
  note "pip install ${missing[*]}"
  "$PY" -m pip install --disable-pip-version-check -q "${missing[@]}"
else
  note "present: ${wanted[*]}"
fi

# ---- 4. build and install minidl ---------------------------------------------
say "[4/4] minidl"
# The stamp records what the last successful build was for: the interpreter and the list of
# Python modules (edits to .py files are live in an editable install; new or removed ones are not).
stamp="build/.minidl-installed"
stamp_text() { echo "$PY"; find python -name '*.py' | LC_ALL=C sort; }
installed_here() {
  (cd / && "$PY" -c "import os, sys, minidl
sys.exit(not os.path.realpath(minidl.__file__).startswith(os.path.realpath(sys.argv[1])))" "$ROOT/python/minidl") 2>/dev/null
}
changed=""
if [[ ! -f "$stamp" ]]; then
  changed="no build for $PY yet"
elif [[ "$(cat "$stamp")" != "$(stamp_text)" ]]; then
  changed="new interpreter or Python modules"
else
  changed="$(find cpp/include cpp/src cpp/bindings CMakeLists.txt pyproject.toml -newer "$stamp" -print -quit)"
fi
if [[ -z "$changed" ]] && ! installed_here; then changed="$PY does not import this checkout's minidl"; fi
if [[ -z "$changed" ]]; then
  note "up to date"
else
  note "building with $CMAKE_BUILD_PARALLEL_LEVEL jobs ($changed)"
  note "a first build takes a few minutes; later ones recompile only what changed"
  mkdir -p build
  stamp_text > "$stamp.new"  # written before compiling: edits made during the build count as changes
  pip_args=(install --disable-pip-version-check --no-build-isolation --no-deps -e .)
  if [[ "${MINIDL_VERBOSE:-0}" == 1 ]]; then pip_args+=(-v); else pip_args+=(-q); fi
  "$PY" -m pip "${pip_args[@]}"
  mv "$stamp.new" "$stamp"
  installed_here || die "minidl was built but '$PY -c \"import minidl\"' does not import this checkout's copy"
fi
note "ready: minidl $(cd / && "$PY" -c 'import minidl; print(minidl.__version__)') in $PY"
