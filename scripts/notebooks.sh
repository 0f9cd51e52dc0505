#!/usr/bin/env bash
# Open the teaching notebooks: set up and build minidl (scripts/bootstrap.sh), install JupyterLab
# into the same Python if it is missing (pip install jupyterlab), then start `jupyter lab notebooks/`.
# Extra arguments go to JupyterLab (bash scripts/notebooks.sh --port 8890 --no-browser).
#
# The notebooks ask for the kernel "python3"; here that kernel is this project's Python (the one
# minidl is installed into), even when another "python3" kernel is installed for the user or system.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
cd "$ROOT"
PY="$(minidl_python)"

say "JupyterLab"
if "$PY" -c "import jupyterlab" 2>/dev/null; then
  note "present: jupyterlab $("$PY" -c 'import jupyterlab; print(jupyterlab.__version__)')"
else
  note "pip install jupyterlab (into $PY)"
  "$PY" -m pip install --disable-pip-version-check -q jupyterlab
fi

# Jupyter searches JUPYTER_PATH first: a kernelspec there named python3 wins over any other.
kernels="$ROOT/build/jupyter"
mkdir -p "$kernels/kernels/python3"
"$PY" - "$kernels/kernels/python3/kernel.json" <<'EOF'
import json, sys
spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (minidl)", "language": "python"}
with open(sys.argv[1], "w") as f:
    json.dump(spec, f, indent=1)
EOF
export JUPYTER_PATH="$kernels${JUPYTER_PATH:+:$JUPYTER_PATH}"

say "jupyter lab notebooks/${*:+ $*}"
exec "$PY" -m jupyter lab notebooks/ "$@"
