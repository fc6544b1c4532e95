#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the kubenf shell selftests, after
# tools/testing/selftests/net/lib.sh: kselftest exit codes, namespaces with
# random names, busywait (never sleep), tool checks, loading kubenf.ko, and
# TAP output.
#
# A test script:
#
#	source "$(dirname "$(readlink -f "$0")")/lib.sh"
#	TESTS="case_one case_two"
#	case_one() { ...; return $ksft_pass; }	# or fail / skip (set SKIP_REASON)
#	trap cleanup_all_ns EXIT
#	require_root; require_kubenf
#	run_tests $TESTS
#	exit "$EXIT_STATUS"
#
# No `set -e`: each case returns its own status, the script merges them.

# KUBENF_TIMEOUT_SCALE (make check-debug): a slow kernel waits longer.
: "${KUBENF_TIMEOUT_SCALE:=1}"
: "${WAIT_TIMEOUT:=$((20 * KUBENF_TIMEOUT_SCALE))}"	# seconds, for busywait
BUSYWAIT_TIMEOUT=$((WAIT_TIMEOUT * 1000))	# ms

# Kselftest framework constants.
ksft_pass=0
ksft_fail=1
ksft_xfail=2
ksft_skip=4

KSFT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
KUBENF_REPO=$(cd "$KSFT_DIR/.." && pwd -P)
# Where `make -C selftests` puts the C programs.
: "${KSFT_BIN:=$KUBENF_REPO/build/selftests}"
KUBENF_CFG=$KSFT_BIN/kubenf_cfg

# Namespaces created by setup_ns, removed by cleanup_all_ns.
NS_LIST=()
# Exit status of the script: merged from every case.
EXIT_STATUS=$ksft_pass
# Why the current case or script was skipped.
SKIP_REASON=
# TAP test counter and case results (see tap_result).
TAP_N=0
N_PASS=0
N_SKIP=0
N_FAIL=0

##############################################################################
# Status

__ksft_status_merge()
{
	local a=$1; shift
	local b=$1; shift
	local -A weights
	local weight=0
	local i

	for i in "$@"; do
		weights[$i]=$((weight++))
	done
	if [[ ${weights[$a]} -ge ${weights[$b]} ]]; then
		echo "$a"
		return 0
	fi
	echo "$b"
	return 1
}

# Worst of two case results: pass < xfail < skip < fail.
ksft_status_merge()
{
	__ksft_status_merge "$1" "$2" $ksft_pass $ksft_xfail $ksft_skip $ksft_fail
}

# Worst of two script results as net/lib.sh has it: an expected failure
# counts as a pass, a skip outweighs a pass.
ksft_exit_status_merge()
{
	__ksft_status_merge "$1" "$2" $ksft_xfail $ksft_pass $ksft_skip $ksft_fail
}

##############################################################################
# Waiting

# Milliseconds from bash's clock: no fork (every fork counts under TCG).
timestamp_ms()
{
	local t=${EPOCHREALTIME/[.,]/}

	echo $((t / 1000))
}

loopy_wait()
{
	local sleep_cmd=$1; shift
	local timeout_ms=$1; shift
	local start_time=${EPOCHREALTIME/[.,]/} current_time out

	while true; do
		if out=$("$@"); then
			echo -n "$out"
			return 0
		fi
		current_time=${EPOCHREALTIME/[.,]/}
		if (((current_time - start_time) / 1000 > timeout_ms)); then
			echo -n "$out"
			return 1
		fi
		$sleep_cmd
	done
}

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or TIMEOUT_MS pass.
busywait()
{
	local timeout_ms=$1; shift

	loopy_wait : "$timeout_ms" "$@"
}

##############################################################################
# Environment

# checktool "CMD ARGS" "what for": skip the whole script without the tool.
checktool()
{
	eval "$1" &>/dev/null || skip_all "could not $2 ($1 failed)"
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

# The C helpers are built by `make -C selftests` (outside the VM).
require_bin()
{
	local b

	for b in "$@"; do
		[ -x "$KSFT_BIN/$b" ] ||
			skip_all "$KSFT_BIN/$b missing: run 'make -C selftests'"
	done
}

##############################################################################
# Namespaces

ns_exists()
{
	[ -e "/run/netns/$1" ]
}

ns_gone()
{
	! ns_exists "$1"
}

remove_ns_list()
{
	local item=$1 ns
	local ns_list=("${NS_LIST[@]}")

	NS_LIST=()
	for ns in "${ns_list[@]}"; do
		[ "$ns" != "$item" ] && NS_LIST+=("$ns")
	done
}

cleanup_ns()
{
	local ns ret=0

	for ns in "$@"; do
		[ -z "$ns" ] && continue
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns delete "$ns" &>/dev/null
		if ! busywait "$BUSYWAIT_TIMEOUT" ns_gone "$ns"; then
			echo "# Warn: failed to remove namespace $ns"
			ret=1
		else
			remove_ns_list "$ns"
		fi
	done
	return $ret
}

cleanup_all_ns()
{
	cleanup_ns "${NS_LIST[@]}"
}

# setup_ns VAR...: create one namespace per VAR, named "<var>-XXXXXX" with a
# random suffix, store the name in VAR and bring its loopback up.
setup_ns()
{
	local ns_name ns_list=()

	for ns_name in "$@"; do
		if [ "$ns_name" = "ns_name" ]; then
			echo "# setup_ns: invalid variable name '$ns_name'"
			cleanup_ns "${ns_list[@]}"
			return $ksft_fail
		fi
		if [ -n "${!ns_name}" ] && ns_exists "${!ns_name}"; then
			cleanup_ns "${!ns_name}"
		fi
		eval "$ns_name=${ns_name,,}-$(mktemp -u XXXXXX)"
		if ! ip netns add "${!ns_name}"; then
			echo "# setup_ns: failed to create namespace $ns_name"
			cleanup_ns "${ns_list[@]}"
			return $ksft_skip
		fi
		ip -n "${!ns_name}" link set lo up
		ns_list+=("${!ns_name}")
	done
	NS_LIST+=("${ns_list[@]}")
}

# pod_setup NS ADDR4 ADDR6 GW4 GW6: eth0 of NS up with ADDR4/24 and
# ADDR6/64, default routes through the gateways.
pod_setup()
{
	local ns=$1

	ip -n "$ns" addr add "$2/24" dev eth0
	ip -n "$ns" addr add "$3/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$4"
	ip -n "$ns" -6 route add default via "$5"
}

CG_ROOT=/sys/fs/cgroup

# memcg_setup NAME: a memory cgroup of our own under $CG_ROOT, in $CG; empty
# when the kernel has no cgroup v2 memory controller. Callers rmdir it.
memcg_setup()
{
	CG=
	[ -e "$CG_ROOT/cgroup.controllers" ] || return 0
	grep -qw memory "$CG_ROOT/cgroup.controllers" || return 0
	echo +memory >"$CG_ROOT/cgroup.subtree_control" 2>/dev/null
	CG=$(mktemp -d "$CG_ROOT/$1.XXXXXX") || { CG=; return 0; }
	[ -e "$CG/memory.max" ] || { rmdir "$CG"; CG=; }
}

##############################################################################
# kubenf

# The module for the running kernel: $KUBENF_KO (set by selftests/vm/run),
# else the repository's build for `uname -r`.
kubenf_ko()
{
	echo "${KUBENF_KO:-$KUBENF_REPO/build/$(uname -r)/kubenf.ko}"
}

kubenf_loaded()
{
	[ -d /sys/module/kubenf ]
}

kubenf_unloaded()
{
	! kubenf_loaded
}

# Load $KUBENF_KO after modprobing the modules it depends on (insmod does
# not resolve dependencies). A kubenf already loaded is kept when it is the
# same build, replaced otherwise. Returns 0, or 1 with a message.
load_kubenf()
{
	local ko dep deps want have

	ko=$(kubenf_ko)
	if [ ! -r "$ko" ]; then
		echo "# load_kubenf: $ko not found (make module-all)"
		return 1
	fi
	if kubenf_loaded; then
		want=$(modinfo -F srcversion "$ko" 2>/dev/null)
		have=$(cat /sys/module/kubenf/srcversion 2>/dev/null)
		[ -n "$want" ] && [ "$want" = "$have" ] && return 0
		unload_kubenf || return 1
	fi
	deps=$(modinfo -F depends "$ko" 2>/dev/null)
	for dep in ${deps//,/ }; do
		if ! modprobe -q "$dep"; then
			echo "# load_kubenf: modprobe $dep failed"
			return 1
		fi
	done
	if ! insmod "$ko"; then
		echo "# load_kubenf: insmod $ko failed"
		return 1
	fi
}

unload_kubenf()
{
	kubenf_loaded || return 0
	if ! rmmod kubenf; then
		echo "# unload_kubenf: rmmod kubenf failed"
		return 1
	fi
	busywait "$BUSYWAIT_TIMEOUT" kubenf_unloaded
}

require_kubenf()
{
	load_kubenf || skip_all "kubenf.ko cannot be loaded"
}

# kcfg [NS] ARGS...: kubenf_cfg, in namespace NS when the first argument
# names one (see kubenf_cfg.c for ARGS).
kcfg()
{
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ] && ns_exists "$1"; then
		local ns=$1; shift
		"$KUBENF_CFG" -n "/run/netns/$ns" "$@"
	else
		"$KUBENF_CFG" "$@"
	fi
}

# agent_health NS PATH: the answer of kubenf-agent in NS on
# 127.0.0.1:10256/PATH (its --healthz-bind-address in the tests) as
# "<HTTP status> <JSON body>"; the body is also left in $WORK/health.json.
agent_health()
{
	ip netns exec "$1" curl -s -m 5 -o "$WORK/health.json" \
		-w '%{http_code}' "http://127.0.0.1:10256/$2"
	echo " $(cat "$WORK/health.json" 2>/dev/null)"
}

# agent_health_is NS PATH STATUS
agent_health_is()
{
	[[ $(agent_health "$1" "$2") == "$3 "* ]]
}

# kinfo [NS] KEY: one value of `kubenf_cfg info` (generation, cookie, ...).
kinfo()
{
	local key=${*: -1} k v out

	out=$(kcfg "${@:1:$#-1}" info) || return 1
	while read -r k v; do
		if [ "$k" = "$key" ]; then
			echo "$v"
			return 0
		fi
	done <<<"$out"
	return 1
}

##############################################################################
# Kernel log

KLOG_BAD='BUG:|WARNING:|Oops|general protection fault|KASAN:|UBSAN:|KFENCE:|kmemleak:|refcount_t:|Call Trace:|RCU stall|self-detected stall|INFO: task|list_(add|del) corruption'

# klog_mark: write a unique marker into the kernel log; prints its id.
klog_mark()
{
	local id

	id="kubenf-selftest-$(mktemp -u XXXXXXXX)"
	echo "$id" >/dev/kmsg 2>/dev/null || return 1
	echo "$id"
}

# klog_since ID: kernel log lines after the marker ID.
klog_since()
{
	dmesg 2>/dev/null | awk -v id="$1" 'f { print } index($0, id) { f = 1 }'
}

# klog_check ID: fail, printing them, if bad lines appeared since ID.
klog_check()
{
	local bad

	bad=$(klog_since "$1" | grep -E "$KLOG_BAD")
	[ -z "$bad" ] && return 0
	echo "$bad" | sed 's/^/# klog: /'
	return 1
}

##############################################################################
# TAP

TAP_STARTED=

tap_header()
{
	[ -n "$TAP_STARTED" ] && return
	TAP_STARTED=1
	echo "TAP version 13"
}

# skip_all REASON: the whole script is skipped.
skip_all()
{
	tap_header
	echo "1..0 # SKIP $1"
	exit $ksft_skip
}

tap_plan()
{
	tap_header
	echo "1..$1"
}

tap_ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

tap_not_ok()
{
	TAP_N=$((TAP_N + 1))
	echo "not ok $TAP_N - $1"
}

tap_skip()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# tap_result NAME RC: one TAP line for a case result. EXIT_STATUS becomes
# fail when any case failed, skip when every case was skipped, else pass.
tap_result()
{
	local name=$1 rc=$2

	case "$rc" in
	"$ksft_pass")	tap_ok "$name"; N_PASS=$((N_PASS + 1)) ;;
	"$ksft_skip")	tap_skip "$name" "$SKIP_REASON"; N_SKIP=$((N_SKIP + 1)) ;;
	"$ksft_xfail")	tap_ok "$name # XFAIL ${SKIP_REASON}"; N_PASS=$((N_PASS + 1)) ;;
	*)		tap_not_ok "$name"; N_FAIL=$((N_FAIL + 1)) ;;
	esac
	if [ "$N_FAIL" -gt 0 ]; then
		EXIT_STATUS=$ksft_fail
	elif [ "$N_PASS" = 0 ]; then
		EXIT_STATUS=$ksft_skip
	else
		EXIT_STATUS=$ksft_pass
	fi
}

# run_test NAME CMD...: run one case in this shell (so it can update the
# script's state), its output as TAP diagnostics, then its result line.
run_test()
{
	local name=$1; shift
	local log rc

	log=$(mktemp "${TMPDIR:-/tmp}/kubenf-test.XXXXXX")
	SKIP_REASON=
	"$@" >"$log" 2>&1
	rc=$?
	case "$rc" in
	"$ksft_pass")	echo "PASS: $name" >>"$log" ;;
	"$ksft_skip")	echo "SKIP: $name${SKIP_REASON:+: $SKIP_REASON}" >>"$log" ;;
	*)		echo "ERROR: $name" >>"$log" ;;
	esac
	sed 's/^/# /' "$log"
	rm -f "$log"
	tap_result "$name" "$rc"
}

# run_tests CASE...: the plan, then each case function by name.
run_tests()
{
	local t

	tap_plan $#
	for t in "$@"; do
		run_test "$t" "$t"
	done
}

# check DESCRIPTION CMD...: run CMD; on failure print DESCRIPTION and set
# lret (the result of the current case) to fail. Cases start with lret=0
# and return $lret.
check()
{
	local what=$1; shift

	"$@" && return 0
	echo "FAIL: $what"
	lret=$ksft_fail
	return 1
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq()
{
	[ "$2" = "$3" ] && return 0
	echo "FAIL: $1: expected '$2', got '$3'"
	lret=$ksft_fail
	return 1
}
