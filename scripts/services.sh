#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer locally and that the test role exists.
# Idempotent; used by `make test` and `.ci/run`. Needs root (or the postgres user) for PostgreSQL.
set -euo pipefail

# Two roles, as in production: the owner runs migrations (and, for pytest, creates test_bilan);
# the application role only reads and writes data. Neither is superuser nor BYPASSRLS.
OWNER_ROLE="${OWNER_ROLE:-bilan_owner}"
OWNER_PASSWORD="${OWNER_PASSWORD:-bilan_owner}"
APP_ROLE="${APP_ROLE:-bilan_app}"
APP_PASSWORD="${APP_PASSWORD:-bilan_app}"
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

as_postgres psql -v ON_ERROR_STOP=1 -q -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${OWNER_ROLE}') THEN
    CREATE ROLE ${OWNER_ROLE} LOGIN CREATEDB;
  END IF;
  ALTER ROLE ${OWNER_ROLE} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '${OWNER_PASSWORD}';
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    CREATE ROLE ${APP_ROLE} LOGIN;
  END IF;
  ALTER ROLE ${APP_ROLE} LOGIN NOCREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '${APP_PASSWORD}';
END
\$\$;
SQL
as_postgres psql -q -d postgres -tc "SELECT 1 FROM pg_database WHERE datname='${PG_DB}'" | grep -q 1 \
  || as_postgres createdb -O "${OWNER_ROLE}" "${PG_DB}"
as_postgres psql -q -d postgres -c "ALTER DATABASE ${PG_DB} OWNER TO ${OWNER_ROLE}"

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
echo "PostgreSQL (rôles ${OWNER_ROLE} et ${APP_ROLE}) et Redis sont prêts."
