# Shared set-up for scripts/demo, scripts/test and .ci/run.

# setup_venv SPEC [VENV [PYTHON]]: create the virtual environment VENV (default .venv) with
# PYTHON (default $PYTHON, else python3) if it does not exist, then install geozones into it
# in editable mode, as SPEC says (".", ".[dev]", ".[test,scale]"...). pip's cache is used,
# so a second set-up downloads nothing.
setup_venv() {
    local spec=$1 venv=${2:-.venv} python=${3:-${PYTHON:-python3}}
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        echo "geozones needs Python 3.10 or newer; set PYTHON=/path/to/python3.11" >&2
        exit 2
    fi
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
}

# find_python X.Y: print the path of a working Python X.Y, or return 1 if there is none.
# Tries pythonX.Y on the PATH, then pyenv's installs of X.Y (pyenv's shim for pythonX.Y is on
# the PATH even when that version is not selected, and then it only prints an error).
find_python() {
    local version=$1 candidate root
    local candidates=("python$version")
    if command -v pyenv >/dev/null 2>&1 && root=$(pyenv root 2>/dev/null); then
        # newest patch release first
        while IFS= read -r candidate; do
            candidates+=("$candidate")
        done < <(ls -d "$root/versions/$version".*/bin/"python$version" 2>/dev/null | sort -rV)
    fi
    for candidate in "${candidates[@]}"; do
        if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' \
            2>/dev/null)" = "$version" ]; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
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
