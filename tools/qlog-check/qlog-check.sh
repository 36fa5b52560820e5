#!/usr/bin/env bash
# qlog-check.sh FILE|DIR...: validates qlog files with qlog_check.py (Python
# jsonschema from PyPI). When python3 lacks jsonschema it is installed into a
# venv of its own (QLOG_CHECK_VENV, default ~/.cache/quince/qlog-check-venv).
# Exit 77 (skipped) only when jsonschema cannot be installed at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
py=python3
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
  venv=${QLOG_CHECK_VENV:-$HOME/.cache/quince/qlog-check-venv}
  if ! "$venv/bin/python3" -c 'import jsonschema' 2>/dev/null; then
    echo "qlog-check: installing jsonschema into $venv" >&2
    if ! { "$py" -m venv "$venv" && "$venv/bin/pip" install -q jsonschema; } >&2; then
      echo "SKIP qlog-check: cannot install Python jsonschema (PyPI unreachable?)" >&2
      exit 77
    fi
  fi
  py=$venv/bin/python3
fi
exec "$py" "$here/qlog_check.py" "$@"
