#!/bin/sh
# Prints the rows of src/attach/layouts.c: the offsets the injector reads in a
# target, taken by offsetof() from each installed CPython's internal headers.
# Dev tool: run it where pyenv has the versions, paste the rows, review.
set -e
here=$(dirname "$0")
for inc in "$@"; do
  gcc -I "$inc" -o /tmp/hs-layout-probe "$here/layout_probe.c"
  /tmp/hs-layout-probe
done
