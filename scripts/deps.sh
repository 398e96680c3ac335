#!/usr/bin/env bash
# Installs what is missing on Debian 12, and nothing else.
#   scripts/deps.sh run    what building and running the hub needs
#   scripts/deps.sh test   that, plus what the tests need (Chromium, npm packages)
#   scripts/deps.sh bench  test's, plus the peers make bench compares with (Nchan, Socket.IO)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-run}

pkgs=(gcc make pkg-config libwebsockets-dev libwebsockets-evlib-uv libhiredis-dev libjansson-dev
	libutf8proc-dev libuv1-dev libssl-dev libstemmer-dev libqrencode-dev libsodium-dev zlib1g-dev libcurl4-openssl-dev libjs-chart.js redis-server redis-tools curl)
if [ "$profile" = test ] || [ "$profile" = bench ]; then
	pkgs+=(libcmocka-dev lua5.1 clang libclang-rt-14-dev chromium docker-compose zbar-tools librsvg2-bin poppler-utils)
	command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
if [ "$profile" = bench ]; then
	pkgs+=(nginx-light libnginx-mod-nchan)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	# The package lists of a fresh machine may be stale or empty.
	if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/surak-apt.log 2>&1; then
		$sudo apt-get update -q >>/tmp/surak-apt.log 2>&1
		$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/surak-apt.log 2>&1 ||
			{ tail -20 /tmp/surak-apt.log >&2; exit 1; }
	fi
fi

# npm ci only when the installed packages do not match the lock file.
npm_ci() {
	if [ ! -f "$1/node_modules/.package-lock.json" ] ||
	   [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
		echo "deps: npm ci ($1/)"
		(cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}
if [ "$profile" = test ] || [ "$profile" = bench ]; then
	npm_ci tests
fi
if [ "$profile" = bench ]; then
	npm_ci scripts/bench
fi
