#!/usr/bin/env bash
# scripts/demo with SC_DEMO_DATABASE=postgres: a PostgreSQL cluster for the demo's control plane.
# initdb in a temporary directory, pg_ctl on 127.0.0.1 and a free port (its socket in the same
# directory), stopped and removed when the demo exits (the caller traps EXIT). As root the server
# runs as the postgres account (PostgreSQL refuses to run as root). Exports SC_DATABASE_URL.

demo_postgres_bin() {
  local major
  major="$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1)"
  if [ -z "$major" ] || [ "$major" -lt 15 ]; then
    say "SC_DEMO_DATABASE=postgres: PostgreSQL 15 or newer is not installed (apt-get install postgresql)"; exit 1
  fi
  echo "/usr/lib/postgresql/$major/bin"
}

# runs a PostgreSQL program as the account that owns the cluster
demo_postgres_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

demo_postgres_free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start_demo_postgres() {
  local bin port
  bin="$(demo_postgres_bin)"
  DEMO_PG_DIR="$(mktemp -d /tmp/sc-demo-pg-XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DEMO_PG_DIR"
  DEMO_PG_BIN="$bin"
  trap stop_demo_postgres EXIT
  say "PostgreSQL for the demo in $DEMO_PG_DIR"
  demo_postgres_run "$bin/initdb" -D "$DEMO_PG_DIR/data" -U smart_commune --auth=trust -E UTF8 --locale=C --no-instructions >/dev/null
  port="$(demo_postgres_free_port)"
  demo_postgres_run "$bin/pg_ctl" start -D "$DEMO_PG_DIR/data" -w -t 30 -l "$DEMO_PG_DIR/server.log" \
    -o "-h 127.0.0.1 -p $port -k $DEMO_PG_DIR" >/dev/null
  demo_postgres_run "$bin/createdb" -h 127.0.0.1 -p "$port" -U smart_commune smart_commune
  export SC_DATABASE_URL="postgres://smart_commune@127.0.0.1:$port/smart_commune"
  say "PostgreSQL up: $SC_DATABASE_URL (stopped and removed when the demo exits)"
  export_demo_shared_secrets
}

# With SC_DATABASE_URL the cloud takes the secrets every process shares from configuration, never
# from its own first start (cloud/src/cluster/shared-secrets.ts): the demo makes them once per run,
# the key file in its fresh data dir, unless the caller set them.
export_demo_shared_secrets() {
  local keys="$SC_DATA_DIR/shared-keys"
  mkdir -p "$keys" && chmod 700 "$keys"
  if [ -z "${SC_EXPORT_SIGNING_KEY_FILE:-}" ]; then
    export SC_EXPORT_SIGNING_KEY_FILE="$keys/export-signing.pem"
    ( umask 077; openssl genpkey -algorithm ed25519 -out "$SC_EXPORT_SIGNING_KEY_FILE" )
  fi
  [ -n "${SC_SECRET_KEY:-}${SC_SECRET_KEY_FILE:-}" ] || export SC_SECRET_KEY="$(openssl rand -base64 32)"
  [ -n "${SC_SERVICE_PASSWORD:-}${SC_SERVICE_PASSWORD_FILE:-}" ] || export SC_SERVICE_PASSWORD="$(openssl rand -base64 24)"
  # the demo prints the login it starts with
  [ -n "${SC_ADMIN_PASSWORD:-}" ] || export SC_ADMIN_PASSWORD="$(openssl rand -hex 12)"
  if [ -z "${SC_VAPID_PUBLIC_KEY:-}" ]; then
    local pair
    pair="$(cd "$ROOT" && node -e 'const k = require("web-push").generateVAPIDKeys(); console.log(k.publicKey + " " + k.privateKey)')"
    export SC_VAPID_PUBLIC_KEY="${pair% *}" SC_VAPID_PRIVATE_KEY="${pair#* }"
  fi
}

stop_demo_postgres() {
  [ -n "${DEMO_PG_DIR:-}" ] || return 0
  if [ -f "$DEMO_PG_DIR/data/postmaster.pid" ]; then
    demo_postgres_run "$DEMO_PG_BIN/pg_ctl" stop -D "$DEMO_PG_DIR/data" -m fast -w >/dev/null 2>&1 || true
  fi
  rm -rf "$DEMO_PG_DIR"
  DEMO_PG_DIR=""
}
