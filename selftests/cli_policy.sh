#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kubenfctl's policy commands against a live kubenf: pod/policy/peerset
# show, explain and monitor. kubenf runs in the "node" namespace, which
# routes between a client and one pod:
#
#   client 10.0.1.2 ---veth--- 10.0.1.1 node 10.0.2.1 ---veth--- pod 10.0.2.2
#
# The rule set (set with kubenf_pol): pod t/a (id 1) isolated for ingress,
# policy t/from-client (id 100) allows the client (peerset 10) on TCP 80.
# The pod serves "a" on TCP 80 and 81 (socat).

source "$(dirname "$(readlink -f "$0")")/lib.sh"

TESTS=${KUBENF_TESTS:-"show explain explain_service counters monitor"}

CL4=10.0.1.2 A4=10.0.2.2
CTL=${KUBENFCTL:-$KUBENF_REPO/build/userspace/kubenfctl}
MON_PID=
SCRATCH=

cleanup_all()
{
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	cleanup_all_ns
	[ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
}

# kubenf_pol: built by `make -C selftests`, or here when missing.
find_kpol()
{
	KPOL=$KSFT_BIN/kubenf_pol
	if [ ! -x "$KPOL" ] || [ "$KSFT_DIR/kubenf_pol.c" -nt "$KPOL" ]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-cli.XXXXXX")
		make -s -C "$KSFT_DIR" BUILD="$SCRATCH" "$SCRATCH/kubenf_pol" \
			>/dev/null 2>&1 || skip_all "cannot build kubenf_pol"
		KPOL=$SCRATCH/kubenf_pol
	fi
}

ctl()
{
	ip netns exec "$NODE" "$CTL" "$@"
}

# connect PORT: what the pod answers the client, "timeout" for nothing.
# A slow (debug) kernel gets KUBENF_TIMEOUT_SCALE times as long.
connect()
{
	local out s=$KUBENF_TIMEOUT_SCALE

	out=$(ip netns exec "$CLIENT" timeout $((3 * s)) socat -T$((2 * s)) - \
		"TCP:$A4:$1,connect-timeout=$s" </dev/null 2>/dev/null)
	echo "${out:-timeout}"
}

listening()
{
	ip netns exec "$1" ss -Hln "sport = :$2" | grep -q .
}

setup()
{
	setup_ns CLIENT NODE POD || return 1
	ip -n "$NODE" link add vcl type veth peer name eth0 netns "$CLIENT"
	ip -n "$NODE" link add vpa type veth peer name eth0 netns "$POD"
	ip -n "$NODE" addr add 10.0.1.1/24 dev vcl
	ip -n "$NODE" addr add 10.0.2.1/24 dev vpa
	ip -n "$NODE" link set vcl up
	ip -n "$NODE" link set vpa up
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$CLIENT" addr add $CL4/24 dev eth0
	ip -n "$CLIENT" link set eth0 up
	ip -n "$CLIENT" route add default via 10.0.1.1
	ip -n "$POD" addr add $A4/24 dev eth0
	ip -n "$POD" link set eth0 up
	ip -n "$POD" route add default via 10.0.2.1
	for port in 80 81; do
		ip netns exec "$POD" socat TCP-LISTEN:$port,fork,reuseaddr \
			SYSTEM:"echo a" </dev/null >/dev/null 2>&1 &
	done
	busywait "$BUSYWAIT_TIMEOUT" listening "$POD" 80 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$POD" 81 || return 1
	"$KPOL" -n "/run/netns/$NODE" -r \
		peerset 10 name t/client $CL4 -- \
		policy 100 ingress name t/from-client rule peers 10 ports tcp:80 -- \
		pod 1 name t/a addr $A4 isolate ingress ingress 100
}

# The dumps list what kubenf_pol set.
show()
{
	local lret=0 out

	out=$(ctl pod show)
	echo "$out" | sed 's/^/pod show: /'
	check "pod show names the pod" grep -Eq '^name +t/a$' <<<"$out"
	check "pod show: address" grep -Eq "^address +$A4\$" <<<"$out"
	check "pod show: isolation" grep -Eq '^flags +ingress-isolated$' <<<"$out"
	check "pod show: policies" grep -Eq '^ingress policies +100$' <<<"$out"

	out=$(ctl policy show)
	echo "$out" | sed 's/^/policy show: /'
	check "policy show names the policy" grep -Eq '^name +t/from-client$' <<<"$out"
	check "policy show: rule" \
		grep -Eq '^rule 0 +peers 10 ports tcp/80 conns [0-9]+$' <<<"$out"

	out=$(ctl peerset show)
	echo "$out" | sed 's/^/peerset show: /'
	check "peerset show: entry" grep -Eq "^entry +$CL4/32\$" <<<"$out"

	out=$(ctl -o json pod show)
	check "pod show -o json" grep -q '"name": "t/a"' <<<"$out"
	out=$(ctl -o json policy show)
	check "policy show -o json" grep -q '"connections": ' <<<"$out"
	return $lret
}

explain()
{
	local lret=0 out

	out=$(ctl explain $CL4 $A4 tcp 80)
	check_eq "explain allowed" \
		"allow: ingress of pod t/a (id 1) by policy t/from-client (id 100) rule 0" \
		"$out"
	out=$(ctl explain $CL4 $A4 tcp 81 40000)
	check_eq "explain denied" \
		"deny: pod t/a (id 1) is isolated for ingress and no rule matched" \
		"$out"
	out=$(ctl -o json explain $CL4 $A4 tcp 81)
	check "explain -o json" grep -q '"verdict": "deny"' <<<"$out"
	ctl explain $CL4 $A4 icmp 80 2>/dev/null
	check_eq "explain bad protocol exits 2" 2 $?
	ctl explain $CL4 fd00::1 tcp 80 2>/dev/null
	check_eq "explain mixed families exits 2" 2 $?
	# What explain says is what packets get.
	check_eq "allowed connection" a "$(connect 80)"
	check_eq "denied connection" timeout "$(connect 81)"
	return $lret
}

# A Service frontend: the translation, then the policy of the backend pod.
explain_service()
{
	local lret=0 out

	ctl svc set 1 name default/web fe cluster-ip tcp 10.96.0.10:80 \
		be $A4:80 ready,serving ||
		return $ksft_fail
	ctl svc set 2 name default/web81 fe cluster-ip tcp 10.96.0.10:81 \
		be $A4:81 ready,serving ||
		return $ksft_fail
	out=$(ctl explain $CL4 10.96.0.10 tcp 80)
	check_eq "explain through a service" \
"service default/web (id 1) -> backend $A4:80
allow: ingress of pod t/a (id 1) by policy t/from-client (id 100) rule 0" \
		"$out"
	out=$(ctl explain $CL4 10.96.0.10 tcp 81)
	check_eq "explain through a service, denied" \
"service default/web81 (id 2) -> backend $A4:81
deny: pod t/a (id 1) is isolated for ingress and no rule matched" \
		"$out"
	out=$(ctl -o json explain $CL4 10.96.0.10 tcp 80)
	check "explain -o json names service and backend" \
		grep -q '"service_id": 1' <<<"$out"
	ctl svc del 1 && ctl svc del 2
	return $lret
}

# The allowing rule counts the connections it allowed.
counters()
{
	local lret=0 before after

	before=$(ctl -o json policy show | sed -n 's/.*"connections": \([0-9]*\).*/\1/p')
	check_eq "allowed connection" a "$(connect 80)"
	after=$(ctl -o json policy show | sed -n 's/.*"connections": \([0-9]*\).*/\1/p')
	echo "rule 0 connections: $before -> $after"
	check "rule counter grew" test "$after" -gt "$before"
	return $lret
}

# denied_seen FILE PATTERN: one more denied connection, then the event.
denied_seen()
{
	connect 81 >/dev/null
	grep -Eq "$2" "$1"
}

monitor_one()
{
	local fmt=$1 pattern=$2 out rc

	out=$(mktemp "${TMPDIR:-/tmp}/kubenf-monitor.XXXXXX")
	ip netns exec "$NODE" "$CTL" -o "$fmt" monitor >"$out" 2>&1 &
	MON_PID=$!
	# The monitor may not have joined yet: retry the denied connection.
	check "monitor -o $fmt prints the deny event" \
		busywait "$BUSYWAIT_TIMEOUT" denied_seen "$out" "$pattern"
	if [ "$fmt" = table ]; then
		# Beyond the kernel's rate limit: the suppressed count.
		ip netns exec "$CLIENT" bash -c \
			"for i in {1..300}; do echo x >/dev/udp/$A4/81; done"
		check "monitor reports suppressed events" \
			busywait "$BUSYWAIT_TIMEOUT" grep -Eq \
			'^# [0-9]+ deny events suppressed' "$out"
	fi
	kill -INT "$MON_PID"
	wait "$MON_PID"
	rc=$?
	MON_PID=
	check_eq "monitor -o $fmt exits 0 on SIGINT" 0 "$rc"
	sed "s/^/monitor $fmt: /" "$out"
	rm -f "$out"
}

monitor()
{
	local lret=0

	monitor_one table \
		"^[0-9T:.-]+Z deny ingress tcp $CL4:[0-9]+ -> $A4:81 pod t/a \\(id 1\\) deny-ingress\$"
	monitor_one json \
		"\"direction\":\"ingress\",\"protocol\":\"tcp\",\"source\":\"$CL4\",.*\"destination_port\":81,\"pod_id\":1,\"pod\":\"t/a\",\"reason\":\"deny-ingress\"}\$"
	return $lret
}

trap cleanup_all EXIT
require_root
require_kubenf
checktool "socat -V" "run socat"
[ -x "$CTL" ] || skip_all "$CTL not built (make userspace)"
find_kpol
setup || skip_all "cannot set up the namespaces and the rule set"
run_tests $TESTS
exit "$EXIT_STATUS"
