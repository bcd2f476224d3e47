#!/usr/bin/env bash
# Runs the suite in parallel. With DORF_REQUIRE_SERVICES=1 (CI) a test skipped for want of
# PostgreSQL or Redis fails the run instead (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
exec .venv/bin/pytest -n "$workers" --dist loadgroup "$@"
