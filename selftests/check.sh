#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test suite of the project, host and VM, each printing
# TAP. Counts the top-level "ok"/"not ok" lines of all suites and ends with
# one line: "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Usage: selftests/check.sh [--vm-only] [--scale N] KVER...
#   KVER        the kernels to boot in the VM
#   --vm-only   only the VM selftests (make check-debug)
#   --scale N   every timeout N times longer, for a slow (debug) kernel
set -u
vm_only='' scale=1
while [ $# -gt 0 ]; do
	case "$1" in
	--vm-only)	vm_only=1; shift ;;
	--scale)	scale=${2:?}; shift 2 ;;
	*)		break ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=$top/build
log=$build/check
mkdir -p "$log"
pass=0 fail=0 skip=0
start=$SECONDS

# run_suite NAME CMD...: runs a TAP-printing command, echoes its output, and
# counts its results. A suite that fails without a "not ok" line (a crash, a
# boot failure, a kernel-log report) counts as one failure of its own.
run_suite() {
	local name=$1 out=$log/$1.log rc p f s
	shift
	echo "# suite: $name"
	"$@" >"$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	p=$(grep -Ec '^ok [0-9]+' "$out" | tr -d ' ')
	s=$(grep -Ec '^ok [0-9]+.*# *SKIP' "$out" | tr -d ' ')
	f=$(grep -Ec '^not ok [0-9]+' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	echo "# $name: $p passed, $f failed, $s skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

# A gate that is not TAP itself: one result.
gate() {
	local name=$1
	shift
	if "$@"; then echo "ok 1 - $name"; else echo "not ok 1 - $name"; return 1; fi
}

if [ -z "$vm_only" ]; then
	run_suite userspace-unit make -s -C userspace check BUILD="$build/userspace"
	run_suite policy-unit make -s -C policy check BUILD="$build/policy"
	run_suite checkpatch gate "checkpatch --strict kmod/" make -s style
	run_suite sparse-w1 gate "sparse C=2 and W=1 on $*" make -s sparse KVERS="$*"
	run_suite dkms bash selftests/dkms.sh "$@"
	run_suite bench-smoke selftests/bench/bench.sh --smoke --tap \
		--out "$log/bench-smoke"
fi
for k in "$@"; do
	# The whole suite runs in one boot; each program has its own timeout
	# (selftests/settings, times KUBENF_TIMEOUT_SCALE).
	KUBENF_TIMEOUT_SCALE=$scale \
	run_suite "vm-$k" selftests/vm/run --kernel "$k" \
		--timeout $((3600 * scale)) -- "$top/selftests/run_kselftests.sh"
done

echo "# make check took $((SECONDS - start)) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
