#!/usr/bin/env bash
# Install and run the whole product on its embedded defaults:
# the sync server on SQLite with a demo unit tree and users, and the app as a web app.
source "$(dirname "$0")/_env.sh" "web,server"
SERVER_PORT="${SERVER_PORT:-8000}"
APP_PORT="${APP_PORT:-8550}"
mkdir -p var
fieldtally-server serve --demo --demo-records --host 127.0.0.1 --port "$SERVER_PORT" \
  --database-url "sqlite:///$ROOT/var/demo.sqlite3" &
SERVER_PID=$!
fieldtally-app --web --no-browser --host 127.0.0.1 --port "$APP_PORT" --data-dir "$ROOT/var/app" &
APP_PID=$!
trap 'kill $SERVER_PID $APP_PID 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$SERVER_PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  fieldtally is running.
    App (open on a phone-sized window):  http://127.0.0.1:$APP_PORT/
    Sync server:                          http://127.0.0.1:$SERVER_PORT/   (API docs: /docs)
  In the app, register with server address http://127.0.0.1:$SERVER_PORT and
    officer     canbo  / canbo123   (Xã Minh Trí, Huyện Sóc Sơn)
    supervisor  chihuy / chihuy123  (Thành phố Hà Nội)
  then choose a PIN of 6 to 12 digits. Stop with Ctrl+C.

MSG
wait
