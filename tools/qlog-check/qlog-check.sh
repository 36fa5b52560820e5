#!/usr/bin/env bash
# qlog-check.sh FILE|DIR...: validates qlog files with qlog_check.py (Python
# jsonschema from PyPI). When python3 (QLOG_CHECK_PYTHON) lacks jsonschema, it
# is installed into a venv of its own (QLOG_CHECK_VENV, default
# ~/.cache/quince/qlog-check-venv), or with pip --target when there is no
# venv module. Exit 77 (skipped, said why) only when neither can install it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
py=${QLOG_CHECK_PYTHON:-python3}
run() { exec "$@" "$here/qlog_check.py" "${args[@]}"; }
args=("$@")
"$py" -c 'import jsonschema' 2>/dev/null && run "$py"
venv=${QLOG_CHECK_VENV:-$HOME/.cache/quince/qlog-check-venv}
"$venv/bin/python3" -c 'import jsonschema' 2>/dev/null && run "$venv/bin/python3"
PYTHONPATH="$venv-site" "$py" -c 'import jsonschema' 2>/dev/null && PYTHONPATH="$venv-site" run "$py"
echo "qlog-check: installing jsonschema (PyPI) into $venv" >&2
if "$py" -m venv "$venv" >&2 && "$venv/bin/pip" install -q jsonschema >&2; then
  run "$venv/bin/python3"
fi
if "$py" -m pip install -q --target "$venv-site" jsonschema >&2; then
  PYTHONPATH="$venv-site" run "$py"
fi
echo "SKIP qlog-check: cannot install Python jsonschema (no venv or pip, or PyPI unreachable)" >&2
exit 77
