#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package, as a clinic's IT person meets it, on this machine
# (scripts/test runs it as a stage of its own, since it installs into the
# machine's root: RMAT_TEST_PACKAGE=0 skips it):
#
#  1. lintian finds no error or warning (one explained tag suppressed);
#  2. `apt-get install ./rollmat_*.deb` makes the user rollmat (in dialout)
#     and /var/lib/rollmat/{recordings,mats};
#  3. as the user rollmat, the installed rollmatd, started with the unit's
#     own ExecStart line (--device given the virtual mat's tcp:// URL; no
#     systemd here), records from the installed rollmat-sim through
#     `rollmat record start --subject anonymous` ... `stop`, and the
#     installed rollmat analyses and reports the recording;
#  4. `dpkg -r rollmat` leaves no file of the package behind but the
#     recordings (a list of the machine's files before and after);
#  5. purge keeps a /var/lib/rollmat with recordings in it, and
#     ROLLMAT_PURGE_RECORDINGS=1 deletes it.
#
# Usage (root): tests/package/deb.sh DEB_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/e2e/lib.sh"
debdir=$(cd "$1" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "package test: skipped: it installs the package, so it needs root"
  exit 0
fi
deb=$(ls "$debdir"/rollmat_*.deb)
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)

# One run at a time on a machine; never on a machine where rollmat is in use.
exec 9>/var/lock/rollmat-package-test.lock
flock 9 # children are started with 9>&-, so the lock ends with this script
if dpkg-query -W -f='${Status}' rollmat 2>/dev/null | grep -q installed; then
  fail "rollmat is installed on this machine; the test installs and removes it: remove it first, or RMAT_TEST_PACKAGE=0"
fi
[ ! -e /var/lib/rollmat ] || fail "/var/lib/rollmat exists on this machine (recordings?); the test would delete it: move it away, or RMAT_TEST_PACKAGE=0"

# 1. lintian. maintscript-calls-ldconfig: cpack's postinst and postrm of
# librollmat call ldconfig beside the ldconfig trigger (redundant, not wrong).
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning --suppress-tags maintscript-calls-ldconfig "$debdir"/*.deb ||
    fail "lintian found errors or warnings (above)"
fi

tmp=$(mktemp -d /tmp/rollmat-package-test.XXXXXX)
sim_pid='' daemon_pid='' installed=0
cleanup() {
  [ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
  [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp" /run/rollmat
  if [ "$installed" = 1 ]; then
    ROLLMAT_PURGE_RECORDINGS=1 dpkg --purge rollmat >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# Every file of the machine but the volatile ones and the package
# database, one a line.
snapshot() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
    -o -path /var/tmp -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache \
    -o -path /var/log -o -path /work -o -path /root -o -path /home \) -prune -o -print |
    LC_ALL=C sort
}
snapshot >"$tmp/before"

# 2. Install.
installed=1
"${apt[@]}" install "$deb" >"$tmp/apt.log" 2>&1 || {
  cat "$tmp/apt.log" >&2
  fail "apt-get install $deb failed"
}
id -nG rollmat | grep -qw dialout || fail "the user rollmat is not in group dialout"
for d in /var/lib/rollmat/recordings /var/lib/rollmat/mats; do
  [ "$(stat -c %U "$d")" = rollmat ] || fail "$d is missing or not the user rollmat's"
done
chown rollmat: "$tmp"
# As the user rollmat; setpriv and env exec the program, so a program
# started with "${as_rollmat[@]}" ... & is $! itself, for kill.
as_rollmat=(setpriv --reuid=rollmat --regid=rollmat --init-groups -- env -u XDG_RUNTIME_DIR
  HOME="$tmp")
as_rollmat() { "${as_rollmat[@]}" "$@"; }

# 3. The daemon as the unit runs it, against the virtual mat.
"${as_rollmat[@]}" /usr/bin/rollmat-sim --scene /usr/share/rollmat/scenes/quadriceps.scene --speed 5 \
  --listen 127.0.0.1:0 --url-file "$tmp/sim.url" --loop 2>"$tmp/sim.log" 9>&- &
sim_pid=$!
wait_for -s "$tmp/sim.url" 30
url=$(cat "$tmp/sim.url")
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/rollmatd.service)
[[ $exec_start == /usr/sbin/rollmatd\ * ]] || fail "unexpected ExecStart: $exec_start"
shopt -s extglob
read -r -a cmdline <<<"${exec_start/--device +([^ ])/--device $url}"
[[ " ${cmdline[*]} " == *" --device $url "* ]] || fail "could not set --device in: $exec_start"
install -d -o rollmat -g rollmat -m 0750 /run/rollmat # the unit's RuntimeDirectory
"${as_rollmat[@]}" "${cmdline[@]}" 2>"$tmp/daemon.log" 9>&- &
daemon_pid=$!
wait_for -S /run/rollmat/rollmatd.sock 30

# status_field KEY: KEY's value in `rollmat status --raw`.
status_field() { as_rollmat rollmat status --raw | grep -oE "(^| )$1=[^ ]*" | sed 's/.*=//'; }
n=1500
until [ "$(status_field connected)" = 1 ]; do
  n=$((n - 1))
  [ "$n" -gt 0 ] || fail "rollmatd did not connect to $url: $(cat "$tmp/daemon.log")"
  sleep 0.02
done
as_rollmat rollmat record start --subject anonymous >"$tmp/start.out" ||
  fail "record start failed: $(cat "$tmp/daemon.log")"
n=1500
until [ "$(status_field frames)" -ge 1500 ] 2>/dev/null; do
  n=$((n - 1))
  [ "$n" -gt 0 ] || fail "the recording does not grow: $(as_rollmat rollmat status --raw)"
  sleep 0.02
done
as_rollmat rollmat mark "package test" >/dev/null
as_rollmat rollmat record stop >"$tmp/stop.out"
kill "$daemon_pid"
wait "$daemon_pid" || fail "rollmatd did not exit cleanly on SIGTERM: $(cat "$tmp/daemon.log")"
daemon_pid=''
kill "$sim_pid"
wait "$sim_pid" || true
sim_pid=''
rm -rf /run/rollmat
mapfile -t recs < <(find /var/lib/rollmat/recordings -name 'anonymous_*.h5')
[ "${#recs[@]}" = 1 ] || fail "expected one recording in /var/lib/rollmat/recordings, got ${#recs[@]}"
frames=$(frames_h5 "${recs[0]}")
[ "${frames:-0}" -ge 1500 ] || fail "the recording has ${frames:-no} frames"

as_rollmat rollmat analyze "${recs[0]}" -o "$tmp/analysis" \
  --calibration /usr/share/rollmat/virtual-mat.cal >"$tmp/analyze.log" 2>&1 ||
  fail "rollmat analyze failed: $(cat "$tmp/analyze.log")"
as_rollmat rollmat report "$tmp/analysis" >"$tmp/report.log" 2>&1 ||
  fail "rollmat report failed: $(cat "$tmp/report.log")"
pages=$(pdfinfo "$tmp/analysis/report.pdf" | sed -n 's/^Pages: *//p')
[ "${pages:-0}" -ge 1 ] || fail "the report has no pages"

# 4. Remove: nothing of the package left but /var/lib/rollmat.
dpkg --remove rollmat >"$tmp/remove.log" 2>&1 || fail "dpkg -r failed: $(cat "$tmp/remove.log")"
snapshot >"$tmp/after"
left=$(LC_ALL=C comm -13 "$tmp/before" "$tmp/after" | grep -vE '^/var/lib/rollmat(/|$)' || true)
gone=$(LC_ALL=C comm -23 "$tmp/before" "$tmp/after" || true)
[ -z "$left" ] || fail "dpkg -r left behind: $left"
[ -z "$gone" ] || fail "install and remove deleted: $gone"
[ -f "${recs[0]}" ] || fail "dpkg -r deleted the recording"

# 5. Purge keeps recordings, unless asked.
dpkg --purge rollmat >"$tmp/purge.log" 2>&1 || fail "dpkg -P failed: $(cat "$tmp/purge.log")"
[ -f "${recs[0]}" ] || fail "purge deleted the recording"
[ ! -e /var/lib/rollmat/mats ] || fail "purge kept the empty /var/lib/rollmat/mats"
"${apt[@]}" install "$deb" >"$tmp/apt.log" 2>&1 || fail "apt-get install again failed"
ROLLMAT_PURGE_RECORDINGS=1 "${apt[@]}" purge rollmat >"$tmp/purge.log" 2>&1 ||
  fail "apt-get purge failed: $(cat "$tmp/purge.log")"
installed=0
[ ! -e /var/lib/rollmat ] || fail "ROLLMAT_PURGE_RECORDINGS=1 purge kept /var/lib/rollmat"
snapshot >"$tmp/after"
left=$(LC_ALL=C comm -13 "$tmp/before" "$tmp/after" || true)
[ -z "$left" ] || fail "purge left behind: $left"
echo "package: installed, $frames frames recorded by rollmatd as rollmat, analysed, a $pages-page report; removed and purged clean"
