#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NetworkPolicy and Service conformance of kubenf, end to end: the
# scenarios of selftests/cluster/scenarios/ (taken from Kubernetes'
# NetworkPolicy e2e tests, its documentation and kube-proxy's Service
# semantics) run on an in-VM cluster built by selftests/cluster/kind-netns:
#
#   two-nodes   node-1 (pods x/a x/b y/a y/b z/a z/b), node-2 (x/c y/c z/c),
#               host-gw routes over an underlay bridge, an outside client
#   one-node    all nine pods on node-1
#
# Every pod serves TCP, UDP and SCTP on ports 80 and 81 and has a Service
# s-<ns>-<pod>; one kubenf-agent per node reads the same manifests. A
# scenario applies policies, Services and label changes step by step and
# compares the probed truth tables (every pod to every pod, by address and
# through the pods' Services) with the expected ones in the scenario file.
# The first case checks that every expected table agrees with a reference
# evaluator of NetworkPolicy semantics (kind-netns lint).
#
# One TAP case per scenario and topology. A scenario is skipped, with the
# reason, when what it needs is missing (SCTP; a NetworkPolicy programmer
# while kubenf-agent cannot program policies yet).
#
# The whole run takes about 5.5 minutes under TCG. It stays within the
# kselftest timeout (./settings): scenarios that would start after it, less
# a margin, are skipped and say so, instead of the harness killing the run.
#
# Environment: KIND_NETNS_TIMEOUT (ms a probe waits, 1000; later rounds of
# a wrong table wait longer), KIND_NETNS_SYNC_TIMEOUT (s the kernels may
# take to hold an input, 60), KIND_NETNS_TRIES (probe rounds before a table
# is wrong, 3), NP_CONFORMANCE_ONLY (scenario id globs, space-separated),
# NP_CONFORMANCE_TOPOLOGY (two-nodes,one-node), NP_CONFORMANCE_BUDGET
# (seconds; default: the kselftest timeout less 30 s). With
# KUBENF_TIMEOUT_SCALE (a slow debug kernel) the defaults of the timeouts
# and of the budget are scaled, as run_kselftests.sh scales the kselftest
# timeout.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

KIND_NETNS=$KSFT_DIR/cluster/kind-netns
SCENARIOS=$KSFT_DIR/cluster/scenarios
NAME=np-conformance
PREFIX=knc

cleanup()
{
	"$KIND_NETNS" --name "$NAME" --prefix "$PREFIX" down >/dev/null 2>&1
}

require_root
checktool "/usr/bin/python3 -c 'import yaml'" "run python3 with python3-yaml"
checktool "ip netns list" "use ip netns"
checktool "kubenfctl --version" "run kubenfctl"
checktool "cc --version" "build the probe (a C compiler)"
require_kubenf
trap cleanup EXIT

timeout_s=$(sed -n 's/^timeout=//p' "$KSFT_DIR/settings" 2>/dev/null)
budget=${NP_CONFORMANCE_BUDGET:-$(( (${timeout_s:-900} - 30) * KUBENF_TIMEOUT_SCALE ))}
export KIND_NETNS_TIMEOUT=${KIND_NETNS_TIMEOUT:-$((1000 * KUBENF_TIMEOUT_SCALE))}
export KIND_NETNS_SYNC_TIMEOUT=${KIND_NETNS_SYNC_TIMEOUT:-$((60 * KUBENF_TIMEOUT_SCALE))}

only=()
for g in ${NP_CONFORMANCE_ONLY:-}; do
	only+=(--only "$g")
done
"$KIND_NETNS" --name "$NAME" --prefix "$PREFIX" conformance --tap \
	--budget "$budget" --topology "${NP_CONFORMANCE_TOPOLOGY:-two-nodes,one-node}" \
	"${only[@]}" "$SCENARIOS"
