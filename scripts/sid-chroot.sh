#!/usr/bin/env bash
# CPython 3.14 and 3.15 for heapscope's tests: Debian sid in a chroot.
#   sid-chroot.sh setup DIR SRC      make (or reuse) the chroot, mount /proc and SRC
#   sid-chroot.sh suite DIR SRC VER  a venv for python$VER inside, heapscope built
#                                    with -Werror, the leak corpus's libraries, the
#                                    Python tests
#   sid-chroot.sh unmount DIR SRC
# Needs root (debootstrap, chroot, mount).  SRC is mounted at the same path
# inside, so the tests' paths are the same as outside.
set -euo pipefail
cmd=$1 DIR=$2 SRC=$3
PKGS=python3.14,python3.14-dev,python3.14-venv,python3.15,python3.15-dev,python3.15-venv,gcc,libc6-dev

case $cmd in
setup)
    if [ ! -x "$DIR/usr/bin/python3.15" ] || [ ! -x "$DIR/usr/bin/python3.14" ]; then
        command -v debootstrap >/dev/null || {
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
        }
        rm -rf "$DIR"
        debootstrap --variant=minbase --include=$PKGS sid "$DIR" http://deb.debian.org/debian >"$DIR.log" 2>&1 ||
            { tail -20 "$DIR.log"; exit 1; }
    fi
    # The chroot's root must be a mount point (unshare in the tests needs one).
    mountpoint -q "$DIR" || mount --bind "$DIR" "$DIR"
    mkdir -p "$DIR/proc" "$DIR$SRC" "$DIR/etc/xdg"
    mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
    # Pseudo-terminals (the progress test runs heapscope on one).
    mkdir -p "$DIR/dev/pts"
    mountpoint -q "$DIR/dev/pts" || mount --bind /dev/pts "$DIR/dev/pts"
    mountpoint -q "$DIR$SRC" || mount --bind "$SRC" "$DIR$SRC"
    # pip's configuration and the certificate it trusts, as outside.
    [ -f /etc/pip.conf ] && cp /etc/pip.conf "$DIR/etc/"
    [ -d /etc/xdg/pip ] && rm -rf "$DIR/etc/xdg/pip" && cp -r /etc/xdg/pip "$DIR/etc/xdg/"
    if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
        mkdir -p "$DIR$(dirname "$PIP_CERT")" && cp "$PIP_CERT" "$DIR$PIP_CERT"
    fi
    ;;
suite)
    v=$4
    venv=/opt/venv$v
    # A clean environment, but for pip's settings and a proxy, as outside.
    pass=()
    for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL \
        PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT PIP_CERT; do
        if [ -n "${!name:-}" ]; then pass+=("$name=${!name}"); fi
    done
    chroot "$DIR" env -i PATH="$venv/bin:/usr/bin:/bin" HOME=/root LANG=C.UTF-8 "${pass[@]}" \
        PIP_DISABLE_PIP_VERSION_CHECK=1 HEAPSCOPE_STRESS_SCALE="${HEAPSCOPE_STRESS_SCALE:-1}" HEAPSCOPE_IN_CHROOT=1 \
        JOBS="${JOBS:-1}" sh -euc "
        [ -x $venv/bin/python ] || python$v -m venv $venv
        pip install -q meson meson-python ninja pytest pytest-xdist jsonschema hypothesis
        pip install -q --no-build-isolation -Cbuild-dir=/tmp/heapscope-ext$v -Csetup-args=-Dwerror=true '$SRC[test]'
        pip install -q -r '$SRC/tests/realworld/requirements.txt'
        python -c 'import heapscope._heapscope'
        cd /tmp && python -m pytest -q -p no:cacheprovider -n \"\$JOBS\" '$SRC/tests/python'
        "
    ;;
unmount)
    for m in "$DIR$SRC" "$DIR/dev/pts" "$DIR/proc" "$DIR"; do
        mountpoint -q "$m" && umount -l "$m" || true
    done
    ;;
esac
