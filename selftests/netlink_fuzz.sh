#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing of the kubenf family (kubenf_fuzz.c says what is sent and
# what is checked after every message), each run in a network namespace of
# its own and in a memory cgroup of its own:
#
#   bare_commands     every command number, with no attribute at all,
#                     1000 times each: where the genl core hands kubenf an
#                     attribute array shorter than the family's (commands
#                     without a policy), a read past it shows under KASAN,
#                     or KFENCE (selftests/vm/run --debug)
#   fuzz              FUZZ_MSGS messages (default 30000), one writer
#   fuzz_concurrent   FUZZ_CONC_MSGS messages (default 5000) with a reader
#                     dumping everything and a contender opening
#                     transactions and dumps and closing their sockets
#                     half-way
#   no_leak           once the namespaces are gone, the memory charged to
#                     the cgroups went back to what it was (and kmemleak,
#                     when the kernel has it, finds nothing)
#   kernel_log_clean  no BUG, WARNING, KASAN, KFENCE, ... in the kernel log,
#                     followed from the start (a long run's ratelimited
#                     netlink warnings push the start out of the ring buffer)
#
# FUZZ_SEED fixes the seed (else each run picks one and prints it). A run of
# a million messages: FUZZ_MSGS=1000000, run as a script of its own (not
# under run_kselftests.sh and its timeout), with a matching
# selftests/vm/run --timeout; FUZZ_LOG names a file that gets the fuzzers'
# output as it comes (progress every 100000 messages).
#
# RCU grace periods are expedited for the run: every commit waits for one
# (kmod/txn.c), which under TCG costs milliseconds and would make the message
# rate a measure of the emulated timer, not of the code under test.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

: "${FUZZ_MSGS:=30000}"
: "${FUZZ_CONC_MSGS:=5000}"
: "${FUZZ_SEED:=}"
: "${FUZZ_LOG:=}"
: "${FUZZ_BARE:=1000}"
# Memory the cgroups may keep once everything is gone (per-cpu caches of
# charged objects, slab pages not yet given back).
: "${FUZZ_LEAK_SLACK_KB:=1024}"

FUZZ=$KSFT_BIN/kubenf_fuzz
CG=
RCU_EXP_SAVED=
KLOG_FILE=
KLOG_PID=

cleanup()
{
	[ -n "$KLOG_PID" ] && kill "$KLOG_PID" 2>/dev/null
	[ -n "$KLOG_FILE" ] && rm -f "$KLOG_FILE"
	[ -n "$RCU_EXP_SAVED" ] &&
		echo "$RCU_EXP_SAVED" >/sys/kernel/rcu_expedited 2>/dev/null
	[ -n "$CG" ] && [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	cleanup_all_ns
}

cg_current_kb()
{
	echo $(($(cat "$CG/memory.current") / 1024))
}

# run_fuzz ARGS...: the fuzzer in a new network namespace, in the cgroup.
run_fuzz()
{
	local seed=()

	[ -n "$FUZZ_SEED" ] && seed=(-s "$FUZZ_SEED")
	# shellcheck disable=SC2016
	bash -c '[ -n "$1" ] && echo $$ >"$1/cgroup.procs"; shift
		 exec unshare --net "$@"' _ "$CG" "$FUZZ" fuzz "${seed[@]}" "$@" |
		tee -a "${FUZZ_LOG:-/dev/null}"
	return "${PIPESTATUS[0]}"
}

bare_commands()
{
	local lret=0 cmd

	# One past KUBENF_CMD_MAX too: unknown to the family.
	for cmd in $(seq 1 22); do
		check "bare command $cmd" \
			unshare --net "$FUZZ" storm "$cmd" "$FUZZ_BARE"
	done
	return $lret
}

CG_BASE_KB=

fuzz()
{
	[ -n "$CG" ] && CG_BASE_KB=$(cg_current_kb)
	run_fuzz -n "$FUZZ_MSGS"
}

fuzz_concurrent()
{
	run_fuzz -n "$FUZZ_CONC_MSGS" -j
}

# The namespaces of the fuzzers are freed by a worker after they exited;
# the objects of their rule sets after RCU grace periods.
cg_settled()
{
	# Page cache of the programs the fuzzers ran is charged too: not ours.
	echo 64M >"$CG/memory.reclaim" 2>/dev/null
	[ "$(cg_current_kb)" -le $((CG_BASE_KB + FUZZ_LEAK_SLACK_KB)) ]
}

no_leak()
{
	local lret=0 kl=/sys/kernel/debug/kmemleak leaks

	if [ -n "$CG" ]; then
		busywait $((BUSYWAIT_TIMEOUT * 3)) cg_settled
		echo "memory charged to the fuzzers' cgroup: ${CG_BASE_KB} KiB" \
			"before, $(cg_current_kb) KiB after," \
			"peak $(($(cat "$CG/memory.peak" 2>/dev/null || echo 0) / 1024)) KiB"
		check "memory charged while fuzzing was given back" cg_settled
	else
		echo "no memory cgroup v2 here: charge check skipped"
	fi
	if [ -w "$kl" ]; then
		# Twice: kmemleak reports what it saw unreferenced on two scans.
		echo scan >"$kl"
		echo scan >"$kl"
		leaks=$(grep -c '^unreferenced object' "$kl")
		echo "kmemleak: $leaks unreferenced objects"
		[ "$leaks" = 0 ] || head -40 "$kl"
		check "kmemleak found nothing" [ "$leaks" = 0 ]
	else
		echo "no kmemleak in this kernel"
	fi
	return $lret
}

kernel_log_clean()
{
	local bad

	[ -n "$KLOG_PID" ] || { klog_check "$KLOG_MARK"; return; }
	bad=$(awk -v id="$KLOG_MARK" 'f { print } index($0, id) { f = 1 }' \
		"$KLOG_FILE" | grep -E "$KLOG_BAD")
	[ -z "$bad" ] && return 0
	echo "$bad" | head -20 | sed 's/^/# klog: /'
	return 1
}

trap cleanup EXIT
require_root
require_bin kubenf_fuzz
checktool "unshare --net true" "create namespaces with unshare"
require_kubenf
KLOG_MARK=$(klog_mark)
KLOG_FILE=$(mktemp "${TMPDIR:-/tmp}/kubenf-klog.XXXXXX")
dmesg -w >"$KLOG_FILE" 2>/dev/null &
KLOG_PID=$!
if [ -w /sys/kernel/rcu_expedited ]; then
	RCU_EXP_SAVED=$(cat /sys/kernel/rcu_expedited)
	echo 1 >/sys/kernel/rcu_expedited
fi
memcg_setup kubenf-fuzz

run_tests bare_commands fuzz fuzz_concurrent no_leak kernel_log_clean
exit "$EXIT_STATUS"
