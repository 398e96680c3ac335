#!/usr/bin/env bash
# make run: a local Redis under var/ (unless REDIS_URL is set), the hub on
# SURAK_PORT (8080), and a demo room whose URLs and keys are printed.
# Ctrl-C stops the hub and the Redis this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

port=${SURAK_PORT:-8080}
redis_port=${SURAK_REDIS_PORT:-6390}
redis_pid=""

if [ -z "${REDIS_URL:-}" ]; then
	mkdir -p var/redis
	if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
		redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$PWD/var/redis" \
			--appendonly yes --appendfsync always --save "" \
			--daemonize yes --pidfile "$PWD/var/redis.pid" --logfile "$PWD/var/redis.log"
		for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
		redis_pid=$(cat var/redis.pid)
	fi
	export REDIS_URL="redis://127.0.0.1:$redis_port"
fi

if [ -z "${SURAK_ADMIN_TOKEN:-}" ]; then
	[ -s var/admin-token ] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > var/admin-token
	SURAK_ADMIN_TOKEN=$(cat var/admin-token)
	export SURAK_ADMIN_TOKEN
fi

./build/surak --port "$port" >>var/surak.log 2>&1 &
hub=$!
cleanup() {
	kill "$hub" 2>/dev/null || true
	wait "$hub" 2>/dev/null || true
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	kill -0 "$hub" 2>/dev/null || { echo "surak did not start; see var/surak.log:" >&2; tail -20 var/surak.log >&2; exit 1; }
	sleep 0.1
done

# The demo room: created once; its keys are kept in var/ (they are shown only once).
if [ ! -s var/demo-room.json ] || ! redis-cli -u "$REDIS_URL" exists 'surak:{demo}:meta' | grep -q 1; then
	code=$(curl -s -o var/demo-room.json.new -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $SURAK_ADMIN_TOKEN" -H 'Content-Type: application/json' \
		-d '{"id":"demo","title":"Демо: прямой эфир акима","moderation":true}' \
		"http://127.0.0.1:$port/api/rooms")
	if [ "$code" = 201 ]; then
		mv var/demo-room.json.new var/demo-room.json
	else
		rm -f var/demo-room.json.new
		echo "the demo room exists but its keys are not in var/demo-room.json;" >&2
		echo "create another room with POST /api/rooms (see README)." >&2
	fi
fi

# A demo admin for the console: created once, its password kept in var/.
if [ ! -s var/admin-password ] || ! redis-cli -u "$REDIS_URL" exists 'surak:{@staff}:u:admin' | grep -q 1; then
	head -c 12 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > var/admin-password
	if ! ./build/surak staff add admin --name "Demo admin" --role admin --redis "$REDIS_URL" \
		< var/admin-password >/dev/null 2>>var/surak.log; then
		redis-cli -u "$REDIS_URL" exists 'surak:{@staff}:u:admin' | grep -q 1 &&
			./build/surak staff password admin --redis "$REDIS_URL" < var/admin-password >/dev/null
	fi
fi

key() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" var/demo-room.json; }
lan=$(hostname -I 2>/dev/null | awk '{print $1}')
cat <<EOT

Surak is running: http://localhost:$port   (Redis: $REDIS_URL, log: var/surak.log)

  Viewer      http://localhost:$port/r/demo${lan:+
              http://$lan:$port/r/demo   (phones on this network)}
  Moderator   http://localhost:$port/m/demo#key=$(key moderator_key)
  Presenter   http://localhost:$port/p/demo#key=$(key presenter_key)
  Overlay     http://localhost:$port/o/demo#key=$(key presenter_key)
  Answers     http://localhost:$port/a/demo   (the public record, after the broadcast)
  Report      http://localhost:$port/report/demo#key=$(key moderator_key)

  Console     http://localhost:$port/admin   login admin, password $(cat var/admin-password)
              (rooms, staff accounts, departments; moderators sign in at /m/ROOM,
              departments' responders at /desk)

  Admin token $SURAK_ADMIN_TOKEN
  New room    curl -X POST -H 'Authorization: Bearer $SURAK_ADMIN_TOKEN' \\
                -d '{"id":"my-room","title":"…"}' http://localhost:$port/api/rooms

Press Ctrl-C to stop.
EOT
wait "$hub"
