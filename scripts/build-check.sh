#!/usr/bin/env bash
# What the Dockerfile does, without Docker (CI runs it): the production build (the web client
# included), `pnpm deploy` of every app into a scratch directory (scripts/deploy.mjs, as in the
# image), then the deployed bundles run with plain `node` (no tsx, no workspace) against the local
# MariaDB and Redis: migrate into a database of its own, start api, realtime and worker, wait for
# /health/ready, make real authenticated API calls, then SIGTERM every node and expect a clean
# exit.
# Uses DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD and REDIS_HOST/REDIS_PORT (local defaults).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\n--> %s\n' "$*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kelisim-build-check.XXXXXX")
database="kelisim_build_check_$$"
export DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-3306} DB_USERNAME=${DB_USERNAME:-root}
export DB_PASSWORD=${DB_PASSWORD:-} DB_DATABASE=$database
export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
export CHAT_REDIS_KEY_PREFIX="kelisim_build_check_$$:" JWT_SECRET="build-check-secret-$$"
export GIN_MODE=release LOG_LEVEL=warn FILESYSTEM_DISK=local STORAGE_PATH="$work/storage"
unset DATABASE_URL REDIS_URL ENV_FILE

sql() { MYSQL_PWD=$DB_PASSWORD mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USERNAME" -N -e "$1"; }

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  sql "DROP DATABASE IF EXISTS \`$database\`" || true
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$CHAT_REDIS_KEY_PREFIX*" |
    xargs -r redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# wait_ready NAME URL LOG: polls URL for up to 30 s.
wait_ready() {
  local name=$1 url=$2 log=$3 i
  for ((i = 0; i < 60; i++)); do
    if curl -fsS "$url" >/dev/null 2>&1; then
      echo "$name ready: $(curl -fsS "$url")"
      return 0
    fi
    sleep 0.5
  done
  echo "$name did not become ready at $url; its log:" >&2
  cat "$log" >&2
  return 1
}

# start NAME DIR ENV...: runs `node dist/main.js` in DIR (a deployed app) in the background.
start() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec env "$@" node --enable-source-maps dist/main.js) >"$work/$name.log" 2>&1 &
  pids+=("$!")
  eval "${name}_pid=$!"
}

# stop NAME: SIGTERM, then the node must exit 0 within 20 s.
stop() {
  local name=$1 pid_var="${1}_pid" status=0 i
  local pid=${!pid_var}
  kill -TERM "$pid"
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  wait "$pid" || status=$?
  if ((status != 0)); then
    echo "$name exited with $status after SIGTERM; its log:" >&2
    cat "$work/$name.log" >&2
    return 1
  fi
  echo "$name stopped cleanly"
}

step "production build (pnpm build, the web client included)"
pnpm build
if [[ -f apps/web/package.json ]]; then
  # The Dockerfile's web-build stage: nginx serves apps/web/dist (docker-compose.yml).
  if [[ ! -f apps/web/dist/index.html ]] || ! grep -q '<div id="root">' apps/web/dist/index.html; then
    echo "the web client was not built: apps/web/dist/index.html is missing or not the app" >&2
    exit 1
  fi
  echo "web client: apps/web/dist, $(du -sh apps/web/dist | cut -f1)"
fi

step "pnpm deploy of each app"
for target in api realtime worker migrate; do
  node scripts/deploy.mjs "$target" "$work/$target" | grep -v '| Progress:'
done
for target in api realtime worker; do
  dir="$work/$target/apps/$target"
  for dev_only in tsx typescript prisma vitest esbuild; do
    if [[ -e "$dir/node_modules/$dev_only" ]]; then
      echo "$target: development package $dev_only was deployed" >&2
      exit 1
    fi
  done
  echo "$target: $(du -sh "$dir" | cut -f1)"
done

step "migrate (packages/db/dist/migrate.js)"
(cd "$work/migrate/packages/db" && node --enable-source-maps dist/migrate.js)

step "start api, realtime and worker from their deployed bundles"
api_port=$(free_port)
realtime_port=$(free_port)
worker_port=$(free_port)
start api "$work/api/apps/api" PORT="$api_port" CHAT_NODE_ID=api-check
start realtime "$work/realtime/apps/realtime" REALTIME_PORT="$realtime_port"
start worker "$work/worker/apps/worker" WORKER_PORT="$worker_port"
wait_ready api "http://127.0.0.1:$api_port/health/ready" "$work/api.log"
wait_ready realtime "http://127.0.0.1:$realtime_port/health/ready" "$work/realtime.log"
wait_ready worker "http://127.0.0.1:$worker_port/health/ready" "$work/worker.log"

step "authenticated API calls (Prisma through the bundle)"
sql "INSERT INTO \`$database\`.users (name, email, password, created_at, updated_at) VALUES
  ('Ada', 'ada@example.test', '', NOW(), NOW()), ('Bob', 'bob@example.test', '', NOW(), NOW())"
ids=$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM \`$database\`.users")
ada=${ids%%,*}
bob=${ids##*,}
token=$(cd "$work/api/apps/api" && node --input-type=module -e "
  import jwt from 'jsonwebtoken';
  const now = Math.floor(Date.now() / 1000);
  process.stdout.write(jwt.sign({ sub: '$ada', iat: now, nbf: now, exp: now + 300, jti: 'check' },
    process.env.JWT_SECRET, { algorithm: 'HS256' }));")
api="http://127.0.0.1:$api_port/api"
chat=$(curl -fsS -X POST "$api/chats" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "{\"type\":\"direct\",\"participant_ids\":[$bob]}")
chat_id=$(node -e 'console.log(JSON.parse(process.argv[1]).data.id)' "$chat")
curl -fsS -X POST "$api/chats/$chat_id/messages" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"content":"hello from the build check 👋","temp_id":"c-1"}' >/dev/null
messages=$(curl -fsS "$api/chats/$chat_id/messages?after=0" -H "Authorization: Bearer $token")
if [[ "$messages" != *'hello from the build check 👋'* ]]; then
  echo "unexpected messages answer: $messages" >&2
  exit 1
fi
echo "chat $chat_id: message stored and read back"

step "socket.io handshake on the realtime node, worker's jobs CLI"
handshake=$(curl -fsS "http://127.0.0.1:$realtime_port/socket.io/?EIO=4&transport=polling")
if [[ "$handshake" != 0\{* ]]; then
  echo "unexpected socket.io handshake: $handshake" >&2
  exit 1
fi
echo "socket.io open packet: ${handshake:0:40}..."
(cd "$work/worker/apps/worker" && node --enable-source-maps dist/jobs.js counts)

step "SIGTERM: every node drains and exits 0"
stop api
stop realtime
stop worker
pids=()

echo
echo "build check passed: build, deploy, migrate, api, realtime, worker"
