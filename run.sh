#!/usr/bin/env bash
# dltheory's two entry points on a fresh machine (needs only Python >= 3.11):
#   ./run.sh        create/refresh .venv, regenerate every figure into figures/, print the verification table
#   ./run.sh test   create/refresh .venv, run the full test suite (everything that does not need a GPU)
# Extra arguments after "test" go to pytest.
set -euo pipefail
cd "$(dirname "$0")"

# The first interpreter that actually runs and is >= 3.11 (a PATH entry may be a shim that fails).
is_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
PY=${PYTHON:-}
if [ -n "$PY" ]; then
  is_ok "$PY" || { echo "PYTHON=$PY is not a working Python >= 3.11" >&2; exit 1; }
else
  for cand in python3 python3.13 python3.12 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && is_ok "$cand"; then PY=$cand; break; fi
  done
  [ -n "$PY" ] || { echo "dltheory needs Python >= 3.11; none found (set PYTHON=/path/to/python)" >&2; exit 1; }
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# Reinstall only when the dependency list changed since the last install.
if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test,docs]"
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
