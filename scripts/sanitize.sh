#!/usr/bin/env bash
# Build minidl with AddressSanitizer + UndefinedBehaviorSanitizer and run the test suite under them.
#
#   bash scripts/sanitize.sh                 # the whole suite (less what is listed below)
#   bash scripts/sanitize.sh tests/nn -x     # extra arguments go to pytest
#
# Any out-of-bounds access, use after free, double free, misaligned or overflowing signed
# arithmetic, bad shift or invalid enum/bool load in minidl's C++ stops the run with a report
# (halt_on_error) and a non-zero exit status.
#
# How: the sanitized extension is built apart from the normal one, in build/asan, and installed
# (editable) into its own environment, .venv-asan, made from the project's interpreter with
# --system-site-packages and a .pth line that adds the main environment's packages (numpy,
# pytest, ...). The Python interpreter is not instrumented, so the ASan runtime must be loaded
# before anything else: it is preloaded (LD_PRELOAD), the one the extension was linked with.
#   ASAN_OPTIONS  detect_leaks=0: Python frees little at exit, which LeakSanitizer would report
#                 as thousands of leaks (minidl's own leaks have tests: tests/reliability);
#                 allocator_may_return_null=1: a huge tensor gets minidl's "out of memory"
#                 error, as it does from glibc, instead of an ASan abort.
#   UBSAN_OPTIONS halt_on_error=1:print_stacktrace=1.
#   PYTHONMALLOC=malloc: Python's objects come from (instrumented) malloc too, so C++ that
#                 writes past a NumPy array or a Python buffer is caught.
#   pytest --capture=sys: a report goes straight to the terminal (pytest's default capture of
#                 file descriptor 2 would swallow it when the sanitizer ends the process).
# Left out under the sanitizers:
#   - tests/notebooks: they run every notebook in Jupyter kernels (subprocesses, slow under
#     ASan); they test the notebooks, and the library calls they make are tested here anyway.
#   - comparisons with torch: `import torch` is made to fail (pytest.importorskip skips them;
#     an import hook, as sys.modules['torch'] = None would break SciPy's check for torch arrays);
#     torch's own libraries are not built for a preloaded ASan runtime.
#
# Time (2 cores): the first build ~6 min of 2 cores (17 min on a loaded machine), a rebuild only
# what changed; the suite ~2.5 min (3,840 tests, 104 skipped), about 4x its normal time.
# Tests may read MINIDL_SANITIZED=1 (e.g. to skip a resident-memory check: ASan's quarantine
# keeps freed memory).
#
# Environment: PYTHON=/path/to/python   the interpreter whose packages to reuse (as bootstrap.sh)
#              MINIDL_VERBOSE=1         show the compiler's output
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
cd "$ROOT"
PY="$(minidl_python)"
VENV="$ROOT/.venv-asan"
APY="$VENV/bin/python"

if ! "$PY" -c "import numpy, pytest, pybind11, scikit_build_core" 2>/dev/null; then
  bash scripts/bootstrap.sh  # the packages the build and the tests need
fi

say "[1/2] minidl with AddressSanitizer + UBSan (.venv-asan, build/asan)"
if ! "$APY" -c "" 2>/dev/null; then
  rm -rf "$VENV"
  # --without-pip: pip comes from the main environment, through the .pth line below
  "$PY" -m venv --system-site-packages --without-pip "$VENV"
fi
"$APY" - "$PY" <<'EOF'
import pathlib, subprocess, sys, sysconfig
# The main environment's packages (paths only: its .pth files, e.g. its editable minidl, are not run).
main = subprocess.run([sys.argv[1], "-c", "import sysconfig; p = sysconfig.get_paths(); "
                       "print(p['purelib']); print(p['platlib'])"], capture_output=True, text=True, check=True)
dirs = "".join(sorted(set(line + "\n" for line in main.stdout.split())))
pth = pathlib.Path(sysconfig.get_paths()["purelib"]) / "_minidl_main_env.pth"
if not pth.exists() or pth.read_text() != dirs:
    pth.write_text(dirs)
EOF
stamp=build/.minidl-asan-installed
stamp_text() { echo "$PY"; find python -name '*.py' | LC_ALL=C sort; }
changed=""
if [[ ! -f $stamp ]] || [[ "$(cat "$stamp")" != "$(stamp_text)" ]]; then
  changed=yes
else
  changed="$(find cpp/include cpp/src cpp/bindings CMakeLists.txt pyproject.toml -newer "$stamp" -print -quit)"
fi
if [[ -n $changed ]]; then
  note "building (the first build takes several minutes)"
  mkdir -p build
  stamp_text > "$stamp.new"
  pip_args=(install --disable-pip-version-check --no-build-isolation --no-deps -e .
            -Ccmake.define.MINIDL_SANITIZE=ON -Cbuild-dir=build/asan)
  if [[ "${MINIDL_VERBOSE:-0}" == 1 ]]; then pip_args+=(-v); else pip_args+=(-q); fi
  "$APY" -m pip "${pip_args[@]}"
  mv "$stamp.new" "$stamp"
else
  note "up to date"
fi

# The ASan runtime the extension was linked with (importing it to ask would need the preload already).
so="$(find build/asan -name '_C*.so' -print -quit)"
[[ -n $so ]] || die "no _C*.so under build/asan"
libasan="$(ldd "$so" | awk '/libasan/ {print $3; exit}')"
[[ -n $libasan ]] || die "$so is not linked with AddressSanitizer (MINIDL_SANITIZE did not take)"
# libstdc++ too: python does not link it, and ASan's interceptor of C++ throws looks for the real
# __cxa_throw when it starts; without it the first C++ exception aborts ("real___cxa_throw != 0").
libstdcxx="$(ldd "$so" | awk '/libstdc\+\+/ {print $3; exit}')"
note "extension: $so"
note "preloading: $libasan $libstdcxx"

export LD_PRELOAD="$libasan${libstdcxx:+:$libstdcxx}${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export PYTHONMALLOC=malloc
export MINIDL_SANITIZED=1  # for tests that must know (e.g. timing limits)

# No path given: pytest runs its testpaths (tests/, pyproject.toml).
say "[2/2] python -m pytest -q (sanitized)${*:+ $*}"
# The check below also proves the preloaded runtime and the sanitized extension are the ones in use.
"$APY" -c "import minidl, sys
s = minidl._C._debug.sanitizers()
sys.exit(0 if 'address' in s else 'minidl._C is not the sanitized build: %r' % s)"
"$APY" -c "import sys, pytest

class NoTorch:  # import torch raises ImportError: pytest.importorskip skips the comparisons
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'torch':
            raise ModuleNotFoundError('torch is left out under the sanitizers (scripts/sanitize.sh)')

sys.meta_path.insert(0, NoTorch())
sys.exit(pytest.main(sys.argv[1:]))" -q -p no:cacheprovider --capture=sys --ignore=tests/notebooks "$@"
