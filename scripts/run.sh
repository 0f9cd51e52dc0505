#!/usr/bin/env bash
# The main job: set up and build minidl (scripts/bootstrap.sh), then run its demo,
# `python -m minidl`. Extra arguments go to the demo.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
say "python -m minidl${*:+ $*}"
exec "$(minidl_python)" -m minidl "$@"
