# Shared by demo.sh and test.sh: a project-local virtualenv with fieldtally installed.
# Usage: source scripts/_env.sh EXTRAS   (e.g. "web,server" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  # Missing, or left half-made by an interrupted run: start it again.
  echo "==> creating .venv"
  rm -rf .venv
  "$PY" -m venv .venv
fi
STAMP=".venv/.installed-$1-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  echo "==> installing fieldtally[$1] into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$1]"
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
