#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `cmake --install` into a temporary prefix, then, with what it installed
# only: the installed virtual mat and `rollmat record` make a recording; a
# small C program built with `pkg-config --cflags --libs rollmat` (shared,
# then static) reads its frame count through librollmat, which must match
# the HDF5 tools' count; librollmat.so exports the public API only; the
# unit and rollmat.pc name the prefix; every program says its version.
#
# Usage: install.sh BUILD_DIR SOURCE_DIR    (ctest runs it: test_install)
# Env: CC, RMAT_TEST_CFLAGS (the sanitizer flags of an ASan build).
set -euo pipefail
build=$1 src=$2
. "$src/tests/e2e/lib.sh"
tmp=$(mktemp -d "$build/tests/tmp/install.XXXXXX")
sim_pid=
cleanup() {
  [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
  [ -z "$sim_pid" ] || wait "$sim_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
root=$tmp/root

cmake --install "$build" --prefix "$root" >"$tmp/install.log"
libdir=$(dirname "$(find "$root" -name rollmat.pc)")
libdir=${libdir%/pkgconfig}
for f in bin/rollmat bin/rollmat-sim sbin/rollmatd share/rollmat/virtual-mat.cal \
  share/rollmat/scenes/constant.scene share/doc/rollmat/README.md \
  share/bash-completion/completions/rollmat include/rollmat/reader.h \
  include/rollmat/version.h; do
  [ -e "$root/$f" ] || fail "cmake --install did not install $f"
done
[ ! -e "$root/include/rollmat/h5util.h" ] || fail "an internal header was installed"

# Installed paths: the prefix given to cmake --install, not the configured one.
grep -qx "ExecStart=$root/sbin/rollmatd --device .*" "$root/lib/systemd/system/rollmatd.service" ||
  fail "the installed unit does not run $root/sbin/rollmatd"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --variable=prefix rollmat)" = "$root" ] || fail "rollmat.pc's prefix is not $root"
for p in bin/rollmat bin/rollmat-sim sbin/rollmatd; do
  "$root/$p" --version | grep -qE "^${p#*/} [0-9]+\.[0-9]+\.[0-9]+ \(git [^)]+\)$" ||
    fail "$p --version does not give the release and the commit"
done

# A recording, made by the installed programs.
"$root/bin/rollmat-sim" --scene "$root/share/rollmat/scenes/constant.scene" --speed 5 \
  --listen 127.0.0.1:0 --url-file "$tmp/sim.url" --once 2>"$tmp/sim.log" &
sim_pid=$!
wait_for -s "$tmp/sim.url" 30
"$root/bin/rollmat" record --device "$(cat "$tmp/sim.url")" --duration 2 -o "$tmp/rec.h5" \
  --subject test 2>"$tmp/record.log" || fail "rollmat record failed: $(cat "$tmp/record.log")"
wait "$sim_pid"
sim_pid=
expected=$(frames_h5 "$tmp/rec.h5")
[ "${expected:-0}" -gt 0 ] || fail "the recording has no frames"

# The tiny program, against the shared library, then the static one.
cflags=$(pkg-config --cflags rollmat)
libs=$(pkg-config --libs rollmat)
# shellcheck disable=SC2086 # flags are words
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${RMAT_TEST_CFLAGS:-} $cflags \
  "$src/tests/e2e/install_frames.c" -o "$tmp/frames" $libs
got=$(LD_LIBRARY_PATH=$libdir "$tmp/frames" "$tmp/rec.h5")
[ "$got" = "$expected" ] || fail "librollmat.so counts $got frames, h5dump $expected"
# (each output taken whole first: under pipefail, grep -q quitting early
# can kill the writer with SIGPIPE and fail the pipe though it matched)
deps=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/frames")
grep -q "librollmat.so.[0-9]" <<<"$deps" ||
  fail "the program is not linked to librollmat.so"

static_libs=$(pkg-config --static --libs rollmat)
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${RMAT_TEST_CFLAGS:-} $cflags \
  "$src/tests/e2e/install_frames.c" -o "$tmp/frames-static" ${static_libs/-lrollmat/-l:librollmat.a}
deps=$(ldd "$tmp/frames-static")
! grep -q librollmat <<<"$deps" || fail "the static program needs librollmat.so"
got=$("$tmp/frames-static" "$tmp/rec.h5")
[ "$got" = "$expected" ] || fail "librollmat.a counts $got frames, h5dump $expected"

# The shared library's symbols: the public API (rmat_*, versioned) and
# nothing else; the helpers of internal headers stay local.
so=$(readlink -f "$libdir/librollmat.so")
headers=$(objdump -p "$so")
grep -qE "SONAME +librollmat\.so\.[0-9]" <<<"$headers" || fail "librollmat.so has no SONAME"
nm -D --defined-only "$so" | awk '$3 !~ /^ROLLMAT_/ {print $3}' | sed 's/@.*//' >"$tmp/syms"
! grep -v '^rmat_' "$tmp/syms" || fail "librollmat.so exports symbols outside rmat_"
grep -qx rmat_reader_open "$tmp/syms" || fail "librollmat.so does not export rmat_reader_open"
! grep -qx rmat_h5_init "$tmp/syms" || fail "librollmat.so exports rmat_h5_init (common/h5util.h)"
echo "install: $(wc -l <"$tmp/syms") symbols exported; $expected frames read three ways"
