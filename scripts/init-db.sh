#!/usr/bin/env bash
# Apply the OpenMPFlow database migrations: migrations/init.sql, then each service's 0*.sql
# in order (already-applied files are skipped; a changed applied file is refused).
#
#   DATABASE_URL=postgresql://user:password@host:5432/db scripts/init-db.sh [service ...]
#
# With `--app-role mpflow_app` (and APP_DB_PASSWORD in the environment) it then creates or
# updates the services' login role, a member of every mpflow_<service> role
# (docs/operations.md, "Database roles").
#
# MIGRATIONS_DIR defaults to the repository's migrations/ folder. With no service named,
# all services are migrated. Uses .venv/bin/python3 when the repository has a virtualenv,
# else python3 on PATH (or $PYTHON); mpflow-platform must be installed in it.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"

if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "init-db: DATABASE_URL is not set (postgresql://user:password@host:5432/db)" >&2
    exit 2
fi

migrations_dir="${MIGRATIONS_DIR:-$repo_root/migrations}"
if [[ ! -f "$migrations_dir/init.sql" ]]; then
    echo "init-db: $migrations_dir/init.sql not found (set MIGRATIONS_DIR)" >&2
    exit 2
fi

if [[ -x "$repo_root/.venv/bin/python3" ]]; then
    python="$repo_root/.venv/bin/python3"
else
    python="${PYTHON:-python3}"
fi

# The URL stays in the environment (the runner reads DATABASE_URL), not on the command
# line, where other users could read the password in the process list.
export DATABASE_URL
exec "$python" -m mpflow_platform.migrations --dir "$migrations_dir" "$@"
