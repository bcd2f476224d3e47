#!/usr/bin/env bash
# Start dorf with the demo village. Embedded defaults (SQLite, in-memory channel layer, inline
# jobs) unless DATABASE_URL / REDIS_URL are set; then also a Celery worker with beat.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
mkdir -p var

$PY manage.py ensure_database
$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# The periodic schedule (expiry, reminders, the nightly audit) runs in both set-ups: a
# Celery worker with beat beside the server. On Redis it also takes the background jobs;
# without Redis the server runs those inline, and beat hands the periodic ones to this worker
# through files under var/celery/ (a broker that needs no server).
if [ -n "${REDIS_URL:-}" ] || [ -n "${CELERY_BROKER_URL:-}" ]; then
  worker_args=(--concurrency=2)
else
  mkdir -p var/celery/queue var/celery/control
  worker_args=(--pool=solo)
fi
.venv/bin/celery -A config worker --beat --loglevel=WARNING "${worker_args[@]}" \
  --schedule var/celerybeat-schedule &
pids+=($!)
echo "Celery worker with beat started (pid ${pids[0]})."

cat <<INFO

dorf runs on http://127.0.0.1:${PORT}
  API docs (Swagger UI): http://127.0.0.1:${PORT}/api/docs/
  OpenAPI schema:        http://127.0.0.1:${PORT}/api/schema/
  Admin:                 http://127.0.0.1:${PORT}/admin/
  Rathaus-Backoffice:    http://127.0.0.1:${PORT}/backoffice/  (Login: rathaus@musterdorf.example / dorf-demo)
  Health:                http://127.0.0.1:${PORT}/healthz
  WebSocket:             ws://127.0.0.1:${PORT}/ws/
Stop with Ctrl+C.

INFO
# One ASGI process serves HTTP and WebSockets; the in-memory channel layer needs exactly one.
.venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port "${PORT}" \
  --log-level warning --ws websockets-sansio \
  --ws-max-size 65536 --ws-per-message-deflate false &
pids+=($!)
wait "${pids[-1]}"
