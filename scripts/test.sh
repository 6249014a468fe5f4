#!/usr/bin/env bash
# Run the full test suite: installs the test extras and Debian's Chromium (for the
# browser tests) when they are missing. Extra arguments go to pytest.
source "$(dirname "$0")/_env.sh" "test"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Chromium from Debian's packages for the browser tests"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    echo "==> Chromium is missing and cannot be installed here: the browser tests will be skipped"
  fi
fi
mkdir -p test-artifacts
exec python -m pytest "$@"
