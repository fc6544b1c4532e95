#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory limits of rule sets, in a namespace of their own, programmed by a
# writer (kubenf_fuzz bulk) in a memory cgroup of its own:
#
#   limits_reported      GET_INFO reports the limits
#   memory_charged       memory.current of the writer's cgroup grows with the
#                        rules it sets (at least BULK_SVCS * 256 bytes), and
#                        goes back down once they are deleted
#   enomem_keeps_old_set with memory.max 4 MiB above what the cgroup uses
#                        (the writer locks its own memory first, so that only
#                        the kernel's allocations can fail), one transaction of far more rules fails with
#                        ENOMEM (no OOM kill: the writer lives and gets the
#                        errno), the committed rule set is the old one, digest
#                        for digest, and the staged memory is given back
#   small_set_still_fits the same cgroup can still commit a small change
#   peerset_limit        the per-namespace limit of objects holds for a
#                        transaction too: staging peerset 65537 fails with
#                        ENOSPC (what the transaction adds counts, not only
#                        what is committed), the 65536 commit, an existing one
#                        can still be replaced at the limit, and a new one
#                        fails with ENOSPC leaving the rule set as it was
#   backend_limit        the limit of backends of a namespace counts what a
#                        transaction stages: max_backends / 2048 + 1 services
#                        of 2048 backends in one transaction, the last fails
#                        with ENOSPC, nothing is committed
#   kernel_log_clean     no OOM report, no allocation warning, no BUG
#
# Without memory cgroup v2 the cgroup cases skip.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

: "${BULK_SVCS:=2000}"

FUZZ=$KSFT_BIN/kubenf_fuzz
CG=
NS=

cleanup()
{
	[ -n "$CG" ] && [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	cleanup_all_ns
}

need_cgroup()
{
	[ -n "$CG" ] && return 0
	SKIP_REASON="no memory cgroup v2"
	return 1
}

cg_kb()
{
	echo $(($(cat "$CG/memory.current") / 1024))
}

# Page cache of the programs is charged to the cgroup too; not ours.
cg_reclaim()
{
	echo 64M >"$CG/memory.reclaim" 2>/dev/null
	true
}

# in_cg CMD...: CMD in the writer's cgroup and namespace.
in_cg()
{
	# shellcheck disable=SC2016
	bash -c 'echo $$ >"$1/cgroup.procs" && shift &&
		 exec nsenter --net="/run/netns/$1" "${@:2}"' _ "$CG" "$NS" "$@"
}

# The committed state, as kubenf_fuzz digest prints it.
digest()
{
	nsenter --net="/run/netns/$NS" "$FUZZ" digest
}

limits_reported()
{
	local lret=0 k v

	for k in max_services max_backends max_pods max_rules max_peersets \
		max_policies; do
		v=$(kinfo "$NS" "$k")
		echo "$k $v"
		check "$k is reported" [ "${v:-0}" -gt 0 ]
	done
	return $lret
}


memory_charged()
{
	local lret=0 before after freed out

	need_cgroup || return $ksft_skip
	cg_reclaim
	before=$(cg_kb)
	out=$(in_cg "$FUZZ" bulk -t "$BULK_SVCS" 8)
	check "$BULK_SVCS services of 8 backends committed ($out)" \
		[ "${out%% *}" = 0 ]
	cg_reclaim
	after=$(cg_kb)
	echo "memory.current: $before KiB empty, $after KiB with $BULK_SVCS" \
		"services ($(((after - before) * 1024 / BULK_SVCS)) bytes each)"
	check "the rules are charged to the writer's cgroup" \
		[ $(((after - before) * 1024)) -ge $((BULK_SVCS * 256)) ]
	# Everything deleted: the memory goes back (after grace periods).
	out=$(in_cg "$FUZZ" bulk -r 0 0)
	check "deleting everything committed ($out)" [ "${out%% *}" = 0 ]
	busywait $((BUSYWAIT_TIMEOUT * 2)) cg_below $((before + 1024))
	freed=$(cg_kb)
	echo "memory.current after deleting them: $freed KiB"
	check "the memory of deleted rules is given back" \
		[ "$freed" -le $((before + 1024)) ]
	return $lret
}

cg_below()
{
	cg_reclaim
	[ "$(cg_kb)" -le "$1" ]
}

enomem_keeps_old_set()
{
	local lret=0 before after out

	need_cgroup || return $ksft_skip
	# An old rule set worth keeping.
	out=$(in_cg "$FUZZ" bulk -t 50 4)
	check "the old rule set committed ($out)" [ "${out%% *}" = 0 ]
	before=$(digest)
	cg_reclaim
	# 20000 services of 32 backends: far more than 4 MiB.
	out=$(in_cg "$FUZZ" bulk -L 4096 -r 20000 32)
	echo "big transaction: $out (answer, generation, services sent)"
	check_eq "the big transaction fails" ENOMEM "${out%% *}"
	after=$(digest)
	echo "before: $before"
	echo "after:  $after"
	check_eq "the committed rule set is the old one" "$before" "$after"
	check "no OOM kill in the cgroup" \
		eval "! grep -q 'oom_kill [1-9]' '$CG/memory.events'"
	echo max >"$CG/memory.max"
	return $lret
}

small_set_still_fits()
{
	local lret=0 out

	need_cgroup || return $ksft_skip
	cg_reclaim
	out=$(in_cg "$FUZZ" bulk -L 4096 -r 60 4)
	check "a small replacement fits under the same limit ($out)" \
		[ "${out%% *}" = 0 ]
	check "it holds 60 services" \
		eval "digest | grep -q ' services 60 '"
	echo max >"$CG/memory.max"
	return $lret
}

peerset_limit()
{
	local lret=0 ns2 out before after MAX_PEERSETS

	setup_ns ns2 || return $ksft_skip
	MAX_PEERSETS=$(kinfo "$ns2" max_peersets)
	out=$(nsenter --net="/run/netns/$ns2" "$FUZZ" fill-peersets -c 1 \
		$((MAX_PEERSETS + 1)))
	echo "one transaction of $((MAX_PEERSETS + 1)) peersets: $out" \
		"(first error, accepted, commit)"
	check_eq "the one past the limit fails, the others commit" \
		"ENOSPC $MAX_PEERSETS 0" "$out"
	before=$(nsenter --net="/run/netns/$ns2" "$FUZZ" digest)
	echo "$before"
	check "$MAX_PEERSETS peersets committed" \
		eval "echo '$before' | grep -q ' peersets $MAX_PEERSETS '"
	out=$(nsenter --net="/run/netns/$ns2" "$FUZZ" fill-peersets -n 7 1)
	check_eq "an existing peerset is replaced at the limit" "0 1 0" "$out"
	before=$(nsenter --net="/run/netns/$ns2" "$FUZZ" digest)
	out=$(nsenter --net="/run/netns/$ns2" "$FUZZ" fill-peersets -n \
		$((MAX_PEERSETS + 10)) 1)
	check_eq "a new one fails at the limit" "ENOSPC 0 0" "$out"
	after=$(nsenter --net="/run/netns/$ns2" "$FUZZ" digest)
	check_eq "the rule set is as it was" "$before" "$after"
	cleanup_ns "$ns2"
	return $lret
}

backend_limit()
{
	local lret=0 ns3 max n out per=2048

	setup_ns ns3 || return $ksft_skip
	max=$(kinfo "$ns3" max_backends)
	n=$((max / per + 1))
	out=$(nsenter --net="/run/netns/$ns3" "$FUZZ" bulk -t "$n" "$per")
	echo "one transaction of $n services of $per backends (limit $max):" \
		"$out (answer, generation, services sent)"
	check_eq "the last service fails, nothing committed" \
		"ENOSPC 0 $n" "$out"
	cleanup_ns "$ns3"
	return $lret
}

kernel_log_clean()
{
	local lret=0

	check "no OOM report" \
		eval "! klog_since '$KLOG_MARK' | grep -Eq 'invoked oom-killer|Out of memory'"
	check "no allocation failure warning" \
		eval "! klog_since '$KLOG_MARK' | grep -Eq 'page allocation failure|SLUB: Unable'"
	check "no bug" klog_check "$KLOG_MARK"
	return $lret
}

trap cleanup EXIT
require_root
require_bin kubenf_fuzz
checktool "nsenter --version" "enter namespaces with nsenter"
require_kubenf
setup_ns NS || skip_all "cannot create a namespace"
memcg_setup kubenf-mem
KLOG_MARK=$(klog_mark)

run_tests limits_reported memory_charged enomem_keeps_old_set \
	small_set_still_fits peerset_limit backend_limit kernel_log_clean
exit "$EXIT_STATUS"
