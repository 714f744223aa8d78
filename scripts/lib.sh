# Shared helpers for the demo and test scripts. Source it; it defines functions only.

# Installs PostgreSQL's server binaries through apt when this machine has none.
ensure_postgres() {
  if ! pg_bin >/dev/null 2>&1; then
    echo "PostgreSQL server binaries not found; installing them with apt (postgresql)…"
    export DEBIAN_FRONTEND=noninteractive
    sudo_if_needed apt-get update -qq
    sudo_if_needed apt-get install -y -qq postgresql >/dev/null
  fi
  pg_bin >/dev/null
}

# Installs Node.js through apt when missing, then the test tools pinned in package-lock.json (Azurite, the Azure Blob
# emulator; the Kubernetes schema check's packages) into node_modules with `npm ci` unless that exact lock is installed.
ensure_azurite() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js not found; installing it with apt (nodejs npm)…"
    export DEBIAN_FRONTEND=noninteractive
    sudo_if_needed apt-get update -qq
    sudo_if_needed apt-get install -y -qq nodejs npm >/dev/null
  fi
  local stamp
  stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat node_modules/.installed-lock 2>/dev/null)" != "$stamp" ]; then
    echo "Installing Azurite and the schema check from package-lock.json (npm ci)…"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$stamp" > node_modules/.installed-lock
  fi
}

# ensure_package COMMAND PACKAGE: installs Debian's PACKAGE through apt when COMMAND is missing.
ensure_package() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$1 not found; installing it with apt ($2)…"
    export DEBIAN_FRONTEND=noninteractive
    sudo_if_needed apt-get update -qq
    sudo_if_needed apt-get install -y -qq "$2" >/dev/null
  fi
}

# Debian's docker-compose (1.29) checks docker-compose.yml without a Docker engine.
ensure_docker_compose() { ensure_package docker-compose docker-compose; }

# faketime (libfaketime): a test runs a worker whose clock is ten minutes fast.
ensure_faketime() { ensure_package faketime faketime; }

# Prints the folder holding initdb/pg_ctl: PATH first, then Debian's versioned folders.
pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"; return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  return 1
}

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_private_postgres DIR PORT: a cluster of our own in DIR, started if not running.
start_private_postgres() {
  local dir=$1 port=$2 bin
  bin=$(pg_bin)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories='%s'\nmax_connections=200\n" "$port" "$dir" >> "$dir/data/postgresql.conf"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w start >/dev/null
  fi
}

stop_private_postgres() {
  local dir=$1
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
}

# wait_for_port HOST PORT SECONDS: until something accepts connections there (bash's /dev/tcp; no curl needed).
wait_for_port() {
  local host=$1 port=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for $host:$port" >&2
  return 1
}

# Installs Debian's Chromium through apt when missing: the dashboard's browser tests drive it with Playwright
# (Playwright's own browser downloads are not used).
ensure_chromium() {
  ensure_package chromium chromium
  command -v chromium >/dev/null
}
