#!/usr/bin/env bash
# The main job: set up and build minidl (scripts/bootstrap.sh), then compare optimizers,
# `python -m minidl.compare`: one MLP trained on the digits data with SGD, momentum, AdaGrad,
# RMSProp and Adam from the same initial weights. Extra arguments go to the comparison
# (`bash scripts/run.sh --help`); the table, curves.png and the histories land in runs/compare/
# unless --out says otherwise. `python -m minidl` is the first-look demo (scripts/test.sh runs it).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
say "python -m minidl.compare${*:+ $*}"
exec "$(minidl_python)" -m minidl.compare "$@"
