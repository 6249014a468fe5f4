#!/usr/bin/env bash
# The conventions CI holds, as one command: ruff (lint and format) on the whole tree, mypy on the
# core packages (the contract, the server's services, the phone's vault, sync and records), and
# the import rules of the design. Fails on the first finding. `--fix` lets ruff fix what it can.
source "$(dirname "$0")/_env.sh" "test"
if [ "${1:-}" = "--fix" ]; then
  ruff check --fix .
  ruff format .
fi
echo "==> ruff check"
ruff check .
echo "==> ruff format --check"
ruff format --check .
echo "==> mypy (core packages)"
mypy
echo "==> import rules"
python -m pytest -q -p no:cacheprovider tests/test_import_rules.py
