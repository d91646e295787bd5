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

# The browser that the map tests drive: Debian's chromium (playwright's own browser
# download is not used). Installed with apt-get when we are root and it is missing.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's chromium for the browser tests..." >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "warning: chromium not found and cannot be installed (not root or no apt-get);" \
            "install it to run the browser tests" >&2
    fi
}
