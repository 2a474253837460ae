#!/usr/bin/env bash
# Runs the suite on SQLite, then on PostgreSQL + Redis when they are reachable.
# With MEALPLANNER_TEST_REQUIRE_SERVICES=1 (CI) unreachable servers fail the run.
set -euo pipefail
workers="${1:-2}"
bin=.venv/bin

echo "== Test suite on SQLite (in-process cache) =="
MEALPLANNER_TEST_BACKEND=sqlite "$bin/pytest" -q -n "$workers"

if "$bin/python" - <<'PY'
import socket, sys
for port in (5432, 6379):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        sys.exit(1)
PY
then
  echo "== Test suite on PostgreSQL + Redis =="
  MEALPLANNER_TEST_BACKEND=postgres "$bin/pytest" -q -n "$workers"
elif [[ "${MEALPLANNER_TEST_REQUIRE_SERVICES:-0}" == "1" ]]; then
  echo "PostgreSQL or Redis is not reachable on 127.0.0.1 and MEALPLANNER_TEST_REQUIRE_SERVICES=1" >&2
  exit 3
else
  echo "== PostgreSQL or Redis not reachable on 127.0.0.1: skipping the PostgreSQL run =="
fi
