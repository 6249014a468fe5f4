#!/usr/bin/env bash
# Install and run the whole product on its embedded defaults: one process, one port, one address.
# The sync server on SQLite with a demo unit tree and users; it also serves the app at /app/,
# where every browser that opens it is a device of its own.
source "$(dirname "$0")/_env.sh" "web,server"
PORT="${PORT:-${SERVER_PORT:-8000}}"
HOST="${HOST:-127.0.0.1}"
mkdir -p var
"$ROOT/scripts/fetch_web_assets.sh"
fieldtally-server serve --demo --demo-records --host "$HOST" --port "$PORT" \
  --database-url "sqlite:///$ROOT/var/demo.sqlite3" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  fieldtally is running:  http://$HOST:$PORT/app/
    (the sync server's API is on the same address; its documentation at /docs)
  Open the address in a browser, phone-sized or desktop, and sign in as
    officer     canbo  / canbo123   (Xã Minh Trí, Huyện Sóc Sơn)
    supervisor  chihuy / chihuy123  (Thành phố Hà Nội)
  then choose a PIN of 6 to 12 digits. The server address is filled in already.
  Each browser is a device of its own: a second person opens the same address in
  another browser (or a private window) and signs in with their own account.
  Stop with Ctrl+C.

MSG
wait
