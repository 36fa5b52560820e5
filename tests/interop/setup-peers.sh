#!/usr/bin/env bash
# Installs one interop peer when it is missing (tests/interop/README.md).
#
# usage: tests/interop/setup-peers.sh aioquic|ngtcp2
#   aioquic  a Python virtual environment ($AIOQUIC_VENV, default
#            build/interop-venv) with the pinned aioquic of
#            aioquic/requirements.txt; prints the venv's python
#   ngtcp2   Debian's ngtcp2 example programs (packages ngtcp2-client,
#            ngtcp2-server: gtlsclient, gtlsserver); prints both paths
# As root on Debian, a missing python3-venv or ngtcp2 package comes from apt
# (apt-get update first). QUINCE_INTEROP_NO_INSTALL=1: install nothing, only
# report what is there. Exit 0 with the path(s) on stdout, else 1 with the
# reason on stdout (one line) and the details in the log on stderr.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NO_INSTALL=${QUINCE_INTEROP_NO_INSTALL:-0}

can_apt() { [ "$NO_INSTALL" != 1 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_install() { # packages...
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq "$@" >&2
}

setup_aioquic() {
    local venv=${AIOQUIC_VENV:-$ROOT/build/interop-venv}
    local req="$HERE/aioquic/requirements.txt" want
    want=$(sed -n 's/^aioquic==//p' "$req")
    # Already there, with the pinned version?
    if [ -x "$venv/bin/python" ] &&
        [ "$("$venv/bin/python" -c 'import aioquic; print(aioquic.__version__)' 2>/dev/null)" = "$want" ]; then
        echo "$venv/bin/python"
        return 0
    fi
    if [ "$NO_INSTALL" = 1 ]; then
        echo "aioquic $want not installed in $venv (QUINCE_INTEROP_NO_INSTALL=1)"
        return 1
    fi
    local py
    if ! py=$(command -v python3); then
        # A minimal Debian image has no Python at all.
        if can_apt && apt_install python3 python3-venv; then
            py=$(command -v python3)
        else
            echo "python3 not found (on Debian: apt-get install python3 python3-venv)"
            return 1
        fi
    fi
    rm -rf "$venv"
    if ! "$py" -m venv "$venv" >&2; then
        # Debian splits ensurepip off into python3-venv.
        if can_apt && apt_install python3-venv && rm -rf "$venv" && "$py" -m venv "$venv" >&2; then
            :
        else
            echo "cannot make a Python virtual environment ('$py -m venv' failed; on Debian: apt-get install python3-venv)"
            return 1
        fi
    fi
    if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2; then
        echo "pip could not install aioquic==$want (see the log above; PyPI reachable?)"
        return 1
    fi
    echo "$venv/bin/python"
}

setup_ngtcp2() {
    local c s
    find_ng() {
        c=${NGTCP2_CLIENT:-$(command -v gtlsclient 2>/dev/null || true)}
        s=${NGTCP2_SERVER:-$(command -v gtlsserver 2>/dev/null || { [ -x /usr/sbin/gtlsserver ] && echo /usr/sbin/gtlsserver; } || true)}
        [ -n "$c" ] && [ -x "$c" ] && [ -n "$s" ] && [ -x "$s" ]
    }
    if ! find_ng; then
        if ! can_apt; then
            echo "ngtcp2 example programs not installed (as root: apt-get install ngtcp2-client ngtcp2-server)"
            return 1
        fi
        if ! apt_install ngtcp2-client ngtcp2-server || ! find_ng; then
            echo "apt-get could not install ngtcp2-client ngtcp2-server"
            return 1
        fi
    fi
    echo "$c $s"
}

case "${1:-}" in
aioquic) setup_aioquic ;;
ngtcp2) setup_ngtcp2 ;;
*) echo "usage: $0 aioquic|ngtcp2" >&2; exit 2 ;;
esac
