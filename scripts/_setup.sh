# Shared set-up for scripts/demo and scripts/test: create .venv with the Python found
# ($PYTHON, else python3), then install geozones into it in editable mode.
setup_venv() {
    local python=${PYTHON:-python3}
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        echo "geozones needs Python 3.10 or newer; set PYTHON=/path/to/python3.11" >&2
        exit 2
    fi
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$1"
}
