#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer locally and that the test role exists.
# Idempotent; used by `make test` and `.ci/run`. Needs root (or the postgres user) for PostgreSQL.
set -euo pipefail

PG_ROLE="${PG_ROLE:-bilan}"
PG_PASSWORD="${PG_PASSWORD:-bilan}"
PG_DB="${PG_DB:-bilan}"

as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if command -v pg_lsclusters >/dev/null 2>&1; then
  if ! pg_lsclusters -h | grep -q online; then
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -q && break
  sleep 1
done
pg_isready -h 127.0.0.1 -q || { echo "PostgreSQL ne répond pas sur 127.0.0.1:5432" >&2; exit 1; }

# A plain role: not superuser, no BYPASSRLS; CREATEDB so pytest-django can create test_bilan.
as_postgres psql -v ON_ERROR_STOP=1 -q -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_ROLE}') THEN
    CREATE ROLE ${PG_ROLE} LOGIN PASSWORD '${PG_PASSWORD}' CREATEDB NOSUPERUSER NOBYPASSRLS;
  ELSE
    ALTER ROLE ${PG_ROLE} LOGIN PASSWORD '${PG_PASSWORD}' CREATEDB NOSUPERUSER NOBYPASSRLS;
  END IF;
END
\$\$;
SQL
as_postgres psql -q -d postgres -tc "SELECT 1 FROM pg_database WHERE datname='${PG_DB}'" | grep -q 1 \
  || as_postgres createdb -O "${PG_ROLE}" "${PG_DB}"

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/bilan.log
fi
for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 0.5
done
redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis ne répond pas sur 127.0.0.1:6379" >&2; exit 1; }
echo "PostgreSQL (rôle ${PG_ROLE}) et Redis sont prêts."
