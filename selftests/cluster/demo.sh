#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: kubenf on the example cluster of policy/examples/, in the
# test VM. On the host (as root, Debian 12): install what is missing (make
# deps), build the module for the default test kernel, the userspace
# programs and the probe, then boot the VM and run the second half of this
# script in it (--in-vm): bring the cluster up, print who reaches whom
# before and after the example NetworkPolicies, and show Service load
# balancing with kubenf's counters. A few minutes on a 2-core machine.
#
#   make demo                          everything
#   selftests/cluster/demo.sh --no-deps   skip `make deps`

set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
cd "$REPO" || exit 1

K=selftests/cluster/kind-netns
EX=policy/examples
START=$SECONDS

if [ -t 1 ]; then
	B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'
else
	B='' D='' N=''
fi

banner()
{
	printf '\n%s==> %s%s\n' "$B" "$*" "$N"
}

# say TEXT...: an explanation, wrapped
say()
{
	printf '%s\n' "$*" | fold -s -w 78 | sed 's/^/    /'
}

# run CMD...: show a command, then run it
run()
{
	printf '%s$ %s%s\n' "$D" "$*" "$N"
	"$@"
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

host_part()
{
	local deps=1

	[ "${1:-}" = --no-deps ] && deps=
	banner "kubenf demo: a two-node cluster in a VM, Services and NetworkPolicy"
	say "This installs what is missing, builds kubenf, boots Debian's kernel" \
	    "under QEMU (software emulation: everything is slow, on purpose" \
	    "nothing is faked) and plays the example cluster of policy/examples/" \
	    "in it. It takes a few minutes."
	[ "$(id -u)" = 0 ] || die "run as root (make deps and the VM need it)"
	if [ -n "$deps" ]; then
		banner "Installing dependencies (make deps; quick when all are there)"
		make -s deps || die "make deps failed"
	fi
	banner "Building kubenf.ko, kubenfctl, kubenf-agent and the probe"
	make -s module userspace || die "build failed"
	make -s -C selftests/cluster || die "building kn-probe failed"
	# Compiled once here: the VM sees the tree read-only.
	"$K" --help >/dev/null || die "$K does not run"
	banner "Booting the VM (Debian's newest 6.12 kernel)"
	selftests/vm/run --timeout 1200 -- "$HERE/demo.sh" --in-vm
	local rc=$?
	banner "Done in $((SECONDS - START)) s (exit status $rc)"
	say "To play on: selftests/vm/run -- selftests/cluster/kind-netns ..." \
	    "runs one command in a fresh VM; put several in a script, as" \
	    "selftests/cluster/demo.sh does. See selftests/cluster/README.md."
	return $rc
}

# The x/web/http block of `kubenfctl svc show` in a node.
show_web()
{
	printf '%s$ %s kubenfctl %s svc show   (the x/web/http entry)%s\n' \
		"$D" "$K" "$1" "$N"
	"$K" kubenfctl "$1" svc show | awk 'BEGIN { RS = ""; ORS = "\n" }
		/name +x\/web\/http\n/' | sed 's/^/  /'
}

vm_part()
{
	trap '"$K" down >/dev/null 2>&1' EXIT
	banner "1/6  The cluster"
	say "policy/examples/cluster.json is the cluster of Kubernetes'" \
	    "NetworkPolicy e2e tests, made small: namespaces x, y, z, each with" \
	    "pods a and b on node-1 and c on node-2, every pod serving ports 80" \
	    "and 81 over TCP and UDP. kind-netns makes each node and each pod a" \
	    "network namespace: pods hang off their node on veth pairs, nodes" \
	    "share an underlay bridge and route each other's pod CIDRs. kubenf.ko" \
	    "is loaded once; each node namespace has its own kubenf state, kept" \
	    "by its own kubenf-agent reading the same manifests (--from-file)." \
	    "--pod-services adds a Service s-<ns>-<pod> per pod, as upstream's" \
	    "tests have."
	run "$K" up --pod-services "$EX/cluster.json" || exit 1
	run "$K" status

	banner "2/6  Who reaches whom, before any NetworkPolicy"
	say "The layout of Kubernetes' e2e tests: one row per client pod, one" \
	    "column per server pod; '.' means the connection got its answer," \
	    "'X' that it did not. All 81 pairs are probed at once, each a new" \
	    "connection. Without policies everything is open. The second table" \
	    "dials each pod's Service instead: kubenf translates the cluster IP" \
	    "to the pod (DNAT in the kernel's conntrack)."
	run "$K" table --ports 80,81 --via pod || exit 1
	run "$K" table --ports 80 --via service

	banner "3/6  Service load balancing"
	say "x/web (10.96.0.10:80) has three endpoints: x/a and x/c ready," \
	    "x/b terminating, which gets no new connections while ready ones" \
	    "exist. y/b on node-1 and y/c on node-2 open 40 connections each;" \
	    "every node's kernel picks a backend per connection, across nodes," \
	    "and counts them per backend."
	run "$K" connect -n 40 y/b svc:x/web:80
	run "$K" connect -n 40 y/c svc:x/web:80
	show_web node-1
	show_web node-2
	say "y/front is a LoadBalancer with externalTrafficPolicy: Local and" \
	    "ClientIP affinity. From outside (ext), node-1's node port 30080" \
	    "reaches only node-1's endpoint y/a, node-2's only y/c."
	run "$K" connect -n 10 ext node-1:30080
	run "$K" connect -n 10 ext node-2:30080

	banner "4/6  The example NetworkPolicies"
	say "policy/examples/policies.json, from the Kubernetes documentation:" \
	    "x: default-deny-ingress, plus allow-web-from-y (x/a accepts" \
	    "namespace y on the named port serve-80-tcp); y: test-network-policy" \
	    "(y/a accepts 172.17.0.0/16 except 172.17.1.0/24, namespace x and" \
	    "pod b of y, on TCP 80, and may only send to 10.0.0.0/24:5978); z:" \
	    "default-deny-egress and multi-port-egress (z/a to 10.0.0.0/24," \
	    "ports 32000-32768). The agents see the new file and program their" \
	    "kernels; the tool waits until both hold it."
	run "$K" apply "$EX/policies.json" || exit 1

	banner "5/6  Who reaches whom now"
	say "--expect compares with what Kubernetes semantics predict (a" \
	    "reference evaluator in kind-netns). Read the tables as: columns" \
	    "x/b and x/c are closed (default deny); x/a is open to y/b and y/c" \
	    "on 80 only; row y/a is closed (its egress allows only" \
	    "10.0.0.0/24:5978), column y/a is open to x and y/b on 80; rows z" \
	    "are closed (default deny egress). Replies of allowed connections" \
	    "always pass. A pod reaching itself is never blocked."
	run "$K" table --ports 80,81 --expect
	say "What the agent put in node-1's kernel for its pods: isolation per" \
	    "direction and the policies that apply (x/c, y/c, z/c are node-2's)."
	run "$K" kubenfctl node-1 pod show
	say "Why a connection is dropped or allowed, asked of the kernel on the" \
	    "source pod's node (egress) and the destination's (ingress):"
	run "$K" explain y/c x/b:80
	run "$K" explain y/c x/a:80
	say "Each drop was counted by reason, per node:"
	run "$K" kubenfctl node-1 stats

	banner "6/6  Services and policies together"
	say "Policy is judged after the Service translation, against the backend" \
	    "pod: y/b's connections to x/web that land on x/a are allowed" \
	    "(allow-web-from-y), those that land on x/c are dropped by x's" \
	    "default deny and time out."
	run "$K" connect -n 20 y/b svc:x/web:80
	show_web node-1

	banner "The end"
	run "$K" down
	trap - EXIT
	say "Everything ran in the VM's network namespaces; the host was not" \
	    "touched. The conformance suite (selftests/np_conformance.sh, in" \
	    "make check) runs $(ls "$HERE"/scenarios/*.scn | wc -l) such" \
	    "scenarios, from Kubernetes' e2e tests, its documentation and" \
	    "kube-proxy's Service semantics, on one and two nodes."
}

case "${1:-}" in
--in-vm)	vm_part ;;
*)		host_part "$@" ;;
esac
