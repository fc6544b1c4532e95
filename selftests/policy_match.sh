#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The compiled policy lookup against a naive evaluation. For each seed,
# `kubenf_pol fuzz` replaces the rule set of an empty namespace ROUNDS times
# with random peersets (IPv4 and IPv6 blocks of every length, with
# exceptions, overlapping often), two ingress policies of random rules
# (peersets x TCP/UDP/SCTP port ranges, sometimes "any") and one isolated
# pod, then EXPLAINs random flows - the judgement the filter hook itself
# uses - and compares the allowing policy and rule with what the rules say.
# The prefix hash, exceptions, rule bitmaps and port-range search must
# agree with the definition on every flow.
#
#   KUBENF_FUZZ_SEEDS="1 2 3" KUBENF_FUZZ_ROUNDS=25 selftests/policy_match.sh

source "$(dirname "$(readlink -f "$0")")/lib.sh"

SEEDS=${KUBENF_FUZZ_SEEDS:-"1 2 3 4"}
ROUNDS=${KUBENF_FUZZ_ROUNDS:-25}
QUERIES=300

cleanup_all()
{
	cleanup_all_ns
	[ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
}

# kubenf_pol from `make -C selftests`, or built here (read-only tree).
find_kpol()
{
	KPOL=$KSFT_BIN/kubenf_pol
	if [ ! -x "$KPOL" ] || [ "$KSFT_DIR/kubenf_pol.c" -nt "$KPOL" ]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-pol.XXXXXX")
		make -s -C "$KSFT_DIR" BUILD="$SCRATCH" "$SCRATCH/kubenf_pol" \
			>/dev/null 2>&1 || skip_all "cannot build kubenf_pol"
		KPOL=$SCRATCH/kubenf_pol
	fi
}

fuzz_seed()
{
	"$KPOL" -n "/run/netns/$FZ" fuzz "$1" "$ROUNDS" "$QUERIES"
}

kernel_log_clean()
{
	klog_check "$KLOG_MARK"
}

trap cleanup_all EXIT
require_root
find_kpol
require_kubenf
KLOG_MARK=$(klog_mark)
setup_ns FZ || skip_all "cannot create a namespace"
cases=()
for s in $SEEDS; do
	eval "seed_$s() { fuzz_seed $s; }"
	cases+=("seed_$s")
done
run_tests "${cases[@]}" kernel_log_clean
exit "$EXIT_STATUS"
