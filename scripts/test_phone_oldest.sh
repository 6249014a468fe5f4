#!/usr/bin/env bash
# The phone's tests (tests/schemas, tests/mobile, tests/app) in .venv-phone, a virtualenv that
# holds exactly the phone's oldest declared versions (scripts/phone_requirements.py: the lower
# bounds of [project].dependencies, which are what Flet's Android wheel index carries), so code
# that only runs on today's PyPI versions fails here instead of on a phone. The sync server those
# tests start needs newer versions (Argon2id), so it runs from the server's own environment:
# FIELDTALLY_SERVER_PYTHON (default .venv/bin/python, made by ./scripts/test.sh or demo.sh).
# Extra arguments go to pytest. CI runs this after ./scripts/test.sh (.ci/run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
SERVER_PY="${FIELDTALLY_SERVER_PYTHON:-$ROOT/.venv/bin/python}"
if ! "$SERVER_PY" -c "import sync_server.cli" >/dev/null 2>&1; then
  echo "The sync server's environment is missing: run ./scripts/test.sh first," >&2
  echo "or set FIELDTALLY_SERVER_PYTHON to a Python that has fieldtally[server] installed." >&2
  exit 2
fi

REQS="$("$SERVER_PY" scripts/phone_requirements.py)"
STAMP=".venv-phone/.installed-$(printf '%s' "$REQS" | sha1sum | cut -c1-12)"
if ! .venv-phone/bin/python -m pip --version >/dev/null 2>&1; then
  # Missing, or left half-made by an interrupted run: start it again.
  echo "==> creating .venv-phone"
  rm -rf .venv-phone
  "$PY" -m venv .venv-phone
fi
if [ ! -f "$STAMP" ]; then
  echo "==> installing the phone's oldest declared versions into .venv-phone:"
  printf '%s\n' "$REQS" | sed 's/^/      /'
  rm -f .venv-phone/.installed-*
  printf '%s\n' "$REQS" >.venv-phone/requirements.txt
  .venv-phone/bin/python -m pip install -q -r .venv-phone/requirements.txt
  touch "$STAMP"
fi
# The pins hold (nothing upgraded them since): a run against other versions would prove nothing.
.venv-phone/bin/python scripts/phone_requirements.py --check

export FIELDTALLY_SERVER_PYTHON="$SERVER_PY"
mkdir -p test-artifacts
# Neither fieldtally nor the server is installed in .venv-phone: the tests import the worktree's
# packages from the current directory (python -m puts it first on sys.path).
exec .venv-phone/bin/python -m pytest tests/schemas tests/mobile tests/app "$@"
