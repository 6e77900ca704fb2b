#!/usr/bin/env bash
# Load test of the check-in path against the release build on PostgreSQL + Redis (both local).
#   bench/checkin-load.sh [trainees=5000] [connections=64]
# Starts a rollcall server on a fresh database, creates an admin, runs benches/checkin_load.rs, stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
C="${2:-64}"
PORT="${BENCH_PORT:-18090}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DB="bench_$(date +%s)"

cargo build --release --bin rollcall
cargo bench --no-run --bench checkin_load 2>/dev/null || true
psql "$PG/test" -qc "CREATE DATABASE $DB"
export DATABASE_URL="$PG/$DB" REDIS_URL="redis://127.0.0.1:6379"
export ROLLCALL__REDIS__KEY_PREFIX="bench:$DB:" ROLLCALL__SECURITY__MASTER_SECRET="bench-master-secret-0123456789abcdef0123"
export ROLLCALL__SERVER__PORT="$PORT" ROLLCALL__LOG__FILTER="warn" ROLLCALL__DATABASE__MAX_CONNECTIONS="${BENCH_DB_CONNECTIONS:-32}"
# The seeding phase binds thousands of phones from one address: lift the guessing limit for this run only.
export ROLLCALL__RATE_LIMITS__INVITE_PER_ADDRESS__BURST=1000000 ROLLCALL__RATE_LIMITS__CHECKIN_PER_ADDRESS__BURST=1000000
ROLLCALL_ADMIN_PASSWORD=bench-admin-pass target/release/rollcall create-admin --username bench-admin >/dev/null
target/release/rollcall serve > "/tmp/rollcall-bench-$DB.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
cargo bench --bench checkin_load -- "http://127.0.0.1:$PORT" bench-admin bench-admin-pass "$N" "$C"
