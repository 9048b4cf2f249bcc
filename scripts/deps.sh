#!/usr/bin/env bash
# Installs the Debian packages connectd needs to build, run and test, and only those missing.
# Says what it installs. Used by `make deps` (and so by test, run and bench), before Kafka and the
# other PostgreSQL versions are fetched (scripts/fetch-kafka.sh, scripts/fetch-postgres.py).
set -euo pipefail

packages=(
  gcc make pkg-config git
  libmicrohttpd-dev librdkafka-dev libjson-c-dev libpq-dev libpcre2-dev libcmocka-dev libssl-dev
  postgresql postgresql-contrib
  python3 python3-pytest python3-psycopg2 python3-confluent-kafka
  kcat curl util-linux procps docker-compose python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
# The real Kafka broker of the tests needs Java 17 or newer and Maven to fetch it; any JDK on the
# PATH will do (this kind of machine ships one), Debian's otherwise.
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "make deps: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "make deps: not root and no sudo; install these packages and retry: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "make deps: installed ${missing[*]}"
