#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the kubenf kernel selftests in order, each under the timeout from
# ./settings, as root with kubenf.ko loadable ($KUBENF_KO): in practice
# inside the test VM,
#
#	selftests/vm/run --kernel all -- selftests/run_kselftests.sh [TEST...]
#
# TEST names a program of `make -C selftests list` (default: all of them, in
# that order; module_lifecycle.sh comes last, it leaves kubenf unloaded).
#
# Output: each program's own TAP, unindented, so that an aggregator counting
# "ok N" / "not ok N" lines sees every case. A program that dies without a
# "not ok" line of its own (crash, timeout) gets one here, and a program
# skipped as a whole gets an "ok N - NAME # SKIP" line. The last lines are
# comments with one result per program. Exit status: 0 when everything
# passed or was skipped, 1 otherwise.
#
# The C programs are built by `make -C selftests` before booting the VM.
# When they are missing or older than their sources (the VM sees the tree
# read-only), they are built into $TMPDIR instead.

DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd -P)
source "$DIR/lib.sh"

timeout_s=$(sed -n 's/^timeout=//p' "$DIR/settings")
: "${timeout_s:=900}"
# A slow (debug) kernel: make check-debug scales every timeout.
timeout_s=$((timeout_s * ${KUBENF_TIMEOUT_SCALE:-1}))

# The programs, in the order the Makefile lists them.
tests_all()
{
	make -s --no-print-directory -C "$DIR" list
}

# Up-to-date C programs, or a fresh build into a scratch directory. A
# program that does not build fails its own test, not the others.
ensure_built()
{
	make -s -q -C "$DIR" all 2>/dev/null && return 0
	make -s -C "$DIR" all >/dev/null 2>&1 && return 0
	KSFT_BIN=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-selftests.XXXXXX")
	export KSFT_BIN
	echo "# building the selftests into $KSFT_BIN"
	make -s -k -C "$DIR" all BUILD="$KSFT_BIN" 2>&1 | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ] || echo "# some selftests did not build"
}

# Runs one program; prints its TAP and a line of ours when it needs one.
run_one()
{
	local name=$1 cmd out rc n_ok n_notok reason plan

	case "$name" in
	*.sh)	cmd=(bash "$DIR/$name") ;;
	*)	cmd=("$KSFT_BIN/$name") ;;
	esac
	out=$(mktemp "${TMPDIR:-/tmp}/kubenf-ksft.XXXXXX")
	echo "# selftests: kubenf: $name"
	KSFT_BIN=$KSFT_BIN timeout --foreground -k 10 "$timeout_s" "${cmd[@]}" \
		>"$out" 2>&1 </dev/null
	rc=$?
	cat "$out"
	n_ok=$(grep -Ec '^ok [0-9]+' "$out")
	n_notok=$(grep -Ec '^not ok [0-9]+' "$out")
	reason=$(sed -n 's/^1\.\.0 # SKIP *//p' "$out")
	# The first top-level plan: a program that stops before reporting
	# every planned case (a shell expansion error exits bash, with the
	# status of its EXIT trap) has not passed.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n1)
	rm -f "$out"

	if [ "$rc" = 0 ] && [ -n "$plan" ] &&
	   [ $((n_ok + n_notok)) -lt "$plan" ]; then
		echo "not ok $((n_ok + n_notok + 1)) - $name stopped after $((n_ok + n_notok)) of $plan planned results"
		RESULTS+=("fail    $name (stopped early)")
		FAILED=1
		return
	fi
	case "$rc" in
	0)
		RESULTS+=("ok      $name")
		;;
	"$ksft_skip")
		[ "$n_ok$n_notok" = 00 ] && echo "ok 1 - $name # SKIP $reason"
		RESULTS+=("skip    $name")
		;;
	124|137)
		echo "not ok $((n_ok + n_notok + 1)) - $name # TIMEOUT after ${timeout_s}s"
		RESULTS+=("timeout $name")
		FAILED=1
		;;
	*)
		[ "$n_notok" = 0 ] &&
			echo "not ok $((n_ok + 1)) - $name exited with status $rc"
		RESULTS+=("fail    $name (status $rc)")
		FAILED=1
		;;
	esac
}

RESULTS=()
FAILED=0

if [ "$(id -u)" -ne 0 ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP needs root (run in selftests/vm/run)"
	exit "$ksft_skip"
fi
ensure_built
if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(tests_all)
fi

echo "# kernel $(uname -r), module $(kubenf_ko)"
# The C programs do not load the module themselves (the scripts do).
load_kubenf || echo "# kubenf.ko could not be loaded: its tests will skip"

for t in $tests; do
	run_one "$t"
done

echo "# kubenf selftests on $(uname -r):"
printf '#   %s\n' "${RESULTS[@]}"
exit "$FAILED"
