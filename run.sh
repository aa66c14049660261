#!/usr/bin/env bash
# dltheory's two entry points on a fresh machine (needs only Python >= 3.11):
#   ./run.sh        create/refresh .venv, regenerate every figure into figures/, print the verification table
#   ./run.sh test   create/refresh .venv, run the full test suite (everything that does not need a GPU)
# Extra arguments after "test" go to pytest.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY=$cand; break; fi
  done
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "dltheory needs Python >= 3.11 (found $("$PY" --version 2>&1)); set PYTHON=..." >&2; exit 1; }

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# Reinstall only when the dependency list changed since the last install.
if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test]"
  touch "$VENV/.installed"
fi
export MPLBACKEND=Agg

case "${1:-main}" in
  main)
    "$VENV/bin/dltheory" figures
    "$VENV/bin/dltheory" verify
    ;;
  test)
    shift || true
    "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./run.sh [main|test [pytest args]]" >&2
    exit 2
    ;;
esac
