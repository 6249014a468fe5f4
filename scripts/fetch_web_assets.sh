#!/usr/bin/env bash
# Files the app's web client would otherwise fetch from a CDN on every page load, put where the sync
# server serves them from its own origin (/app/rive-native/): the Rive runtime that flet-web 1.0.5 asks for.
# Fetched once with npm from the npm registry, checked against a known digest. Without them the
# server answers that request with a 404 on its own origin, which the app survives.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${FIELDTALLY_WEB_ASSETS_DIR:-$ROOT/var/web-assets}/flutter-native-wasm"
PACKAGE="@rive-app/flutter-native-wasm@44.0.0"
SHA1="f3a7b69b5ffe0547689f9cb6e38c5ec53e54044a"  # `npm view $PACKAGE dist.shasum`

if [ -f "$DEST/wasm/rive_native.js" ] && [ -f "$DEST/wasm/rive_native.wasm" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "==> npm not found: the Rive runtime is not installed; /app/rive/ will answer 404 (harmless)" >&2
  exit 0
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "==> fetching $PACKAGE for the web client"
(cd "$TMP" && npm pack --silent "$PACKAGE" >/dev/null)
TARBALL="$(ls "$TMP"/*.tgz)"
echo "$SHA1  $TARBALL" | sha1sum -c --quiet -
mkdir -p "$TMP/x" && tar -xzf "$TARBALL" -C "$TMP/x"
rm -rf "$DEST.new" && mkdir -p "$(dirname "$DEST")"
mv "$TMP/x/package" "$DEST.new"
rm -rf "$DEST" && mv "$DEST.new" "$DEST"
echo "==> installed in $DEST"
