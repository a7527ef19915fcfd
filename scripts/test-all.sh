#!/usr/bin/env bash
# Runs every test heapscope has, on a fresh machine: installs what it needs
# (Debian packages, a virtual environment with the Python packages), then
#   1. lint: ruff check and ruff format (Python), clang-format (C);
#   2. the C core: built with -Wall -Wextra -Werror, unit tests, then again
#      under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the package built with -Werror and its Python tests (pytest);
#   4. the Python tests again with the extension built under ASan + UBSan
#      (PYTHONMALLOC=malloc);
#   5. the Python tests on Debian's system Python, when it is another build;
#   6. the Python tests on every other CPython 3.9+ the machine has (pyenv's);
#   7. the Python tests on CPython 3.14 and 3.15 from Debian sid, in a chroot
#      made by debootstrap (cached in build/test-all/sid between runs; needs
#      root: scripts/sid-chroot.sh).
# The main interpreter's run and the 3.14/3.15 runs include the leak corpus
# (tests/realworld/: real libraries, pinned in tests/realworld/requirements.txt,
# used as public bug reports describe).
# The Python tests include the attach stress (tests/python/integration/
# test_attach_stress.py: 200 attaches, 50 with tracemalloc, 20 on a 1M-object
# heap; halved under ASan, a quarter on the other interpreters; on 3.14+ once
# per attach path).
# Each suite runs on one pytest-xdist worker per core (HEAPSCOPE_TEST_JOBS);
# every stage prints the time since the start.
# Exit status: non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
WORK=${HEAPSCOPE_TEST_DIR:-$ROOT/build/test-all}
mkdir -p "$WORK"
START=$SECONDS
step() { printf '\n=== [%dm%02ds] %s\n' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)) "$*"; }
# pytest-xdist workers per suite: one per core (HEAPSCOPE_TEST_JOBS overrides).
JOBS=${HEAPSCOPE_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
export JOBS

step "system packages"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    need=()
    for p in gcc python3-dev python3-venv graphviz nodejs prometheus chromium; do
        dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi

step "virtual environment ($($PY --version))"
VENV=$WORK/venv
[ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# The formatters are pinned: another version may format otherwise.
"$VENV/bin/python" -m pip install -q meson meson-python ninja ruff==0.17.6 clang-format==23.1.5 pytest pytest-xdist jsonschema hypothesis
export PATH=$VENV/bin:$PATH

step "lint: ruff, clang-format"
ruff check src/heapscope tests bench examples
ruff format --check src/heapscope tests bench examples
clang-format --dry-run --Werror src/core/*.[ch] src/ext/*.[ch] src/attach/*.[ch] tests/core/*.[ch]

step "C core: -Werror build and unit tests"
meson setup --wipe "$WORK/core" -Dpython=false -Dtests=true -Dwerror=true -Dbuildtype=debugoptimized >/dev/null
meson test -C "$WORK/core" --print-errorlogs

step "C core: AddressSanitizer + UndefinedBehaviorSanitizer"
meson setup --wipe "$WORK/core-asan" -Dpython=false -Dtests=true -Dwerror=true -Dbuildtype=debug \
    -Db_sanitize=address,undefined >/dev/null
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 meson test -C "$WORK/core-asan" --print-errorlogs

# The Python tests on one interpreter, in a venv of its own, with the
# extension built with -Werror: suite NAME PYTHON [extra setup args...].
# The attach stress runs a quarter of its attaches there (STRESS_SCALE); the
# main interpreter and the ASan build run all, 3.14's remote-debugging path half.
suite() {
    local name=$1 py=$2
    shift 2
    local venv=$WORK/venv-$name
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q meson meson-python ninja pytest pytest-xdist jsonschema hypothesis
    "$venv/bin/python" -m pip install -q --no-build-isolation -Cbuild-dir="$WORK/ext-$name" \
        -Csetup-args=-Dwerror=true "$@" ".[test]"
    # Tests that drive a browser, Prometheus or Spark (marker "external") run on
    # the main interpreter: what they add is the other program's side.
    (cd "$WORK" && HEAPSCOPE_STRESS_SCALE=${STRESS_SCALE:-0.25} "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        -n "$JOBS" -m "not external" "$ROOT/tests/python")
}

step "package: build with -Werror, install, Python tests ($($PY --version))"
python -m pip install -q --no-build-isolation -Cbuild-dir="$WORK/ext" -Csetup-args=-Dwerror=true ".[test]"
# The real libraries of the leak corpus (tests/realworld/), for this interpreter's run.
python -m pip install -q -r tests/realworld/requirements.txt
# The optional extras (Parquet, OTLP) and the engines their tests use.
python -m pip install -q -r tests/requirements-optional.txt
(cd "$WORK" && python -m pytest -q -p no:cacheprovider -n "$JOBS" "$ROOT/tests/python")

step "Python tests with the extension under ASan + UBSan (PYTHONMALLOC=malloc)"
AVENV=$WORK/venv-asan
[ -x "$AVENV/bin/python" ] || $PY -m venv "$AVENV"
"$AVENV/bin/python" -m pip install -q --upgrade pip
"$AVENV/bin/python" -m pip install -q meson meson-python ninja pytest pytest-xdist jsonschema hypothesis
"$AVENV/bin/python" -m pip install -q --no-build-isolation -Cbuild-dir="$WORK/ext-asan" \
    -Csetup-args=-Db_sanitize=address,undefined -Csetup-args=-Db_lundef=false -Csetup-args=-Dbuildtype=debug ".[test]"
ASAN_LIBS="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# The attach stress runs here too: a use-after-free in the target aborts it.
(cd "$WORK" && LD_PRELOAD=$ASAN_LIBS PYTHONMALLOC=malloc ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 HEAPSCOPE_SANITIZED=1 \
    "$AVENV/bin/python" -m pytest -q -p no:cacheprovider -n "$JOBS" -x -m "not external" "$ROOT/tests/python")

SYS=/usr/bin/python3
if [ -x $SYS ] && [ "$($SYS -c 'import sys; print(sys.executable, sys.version)')" != "$("$PY" -c 'import sys; print(sys.executable, sys.version)')" ]; then
    step "Python tests on Debian's system Python ($($SYS --version), Debian $(cat /etc/debian_version 2>/dev/null))"
    suite system "$SYS"
fi

# Every other CPython 3.9+ this machine has (pyenv's): the whole suite on each.
main_version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
for other in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3; do
    [ -x "$other" ] || continue
    v=$("$other" -c 'import sys; print("%d.%d" % sys.version_info[:2]) if sys.version_info >= (3, 9) else None')
    [ -n "$v" ] && [ "$v" != "$main_version" ] || continue
    step "Python tests on $("$other" --version) ($other)"
    suite "py$v" "$other"
done

# CPython 3.14 and 3.15 (Debian sid), in a chroot: the whole suite on each,
# attach through both paths (PEP 768 and the injector) included.
if [ "$(id -u)" = 0 ]; then
    step "Debian sid chroot for CPython 3.14 and 3.15"
    SID=$WORK/sid
    bash scripts/sid-chroot.sh setup "$SID" "$ROOT"
    trap 'bash scripts/sid-chroot.sh unmount "$SID" "$ROOT"' EXIT
    for v in 3.14 3.15; do
        step "Python tests on CPython $v (Debian sid chroot)"
        scale=0.25
        [ "$v" = 3.14 ] && scale=0.5  # the remote path: 100, 25 and 10 attaches
        HEAPSCOPE_STRESS_SCALE=$scale bash scripts/sid-chroot.sh suite "$SID" "$ROOT" "$v"
    done
else
    step "skipped: CPython 3.14/3.15 need root for their chroot (scripts/sid-chroot.sh)"
fi

step "all tests passed"
