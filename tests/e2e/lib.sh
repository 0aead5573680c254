# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Helpers for the shell tests in tests/e2e/ (sourced).

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# wait_for TEST ARG SECONDS: until `test TEST ARG` holds (a file or socket a
# child makes), checked every 20 ms, failing after SECONDS.
wait_for() {
  local t=$1 path=$2 n=$(($3 * 50))
  while ! test "$t" "$path"; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || fail "timed out waiting for $path"
    sleep 0.02
  done
}

# frames_h5 FILE: the frame count of a recording by the HDF5 tools (not by
# rollmat): the length of /frames/seq.
frames_h5() {
  h5dump -H -d /frames/seq "$1" | sed -n 's/.*DATASPACE *SIMPLE { ( \([0-9]*\) ).*/\1/p'
}
