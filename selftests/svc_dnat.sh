#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Service translation through kubenf, with real connections between network
# namespaces. kubenf is configured in the "node" namespace, which routes
# between a client and two backend pods on a bridge:
#
#   client                 node (kubenf)                 b1, b2 (pods)
#   10.0.1.2  ---veth---  10.0.1.1 | br0 10.0.2.1  ---+--- 10.0.2.2
#   fd00:1::2             fd00:1::1 | fd00:2::1       +--- 10.0.2.3
#                                                          fd00:2::2, ::3
#
# Every backend answers with its own name on TCP and UDP port 8080 (and
# SCTP where the kernel has it), so a reply tells which backend a connection
# reached. Cluster CIDR (the pods): 10.0.2.0/24 and fd00:2::/64.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

TESTS="hooks_lazy clusterip_tcp4 clusterip_tcp6 clusterip_udp4 clusterip_sctp4
	counters reject_no_endpoint reject_no_endpoint_from_node
	reject_unknown_port nodeport hairpin pod_to_nodeport_masq
	udp_flush_on_endpoint_removal affinity external_local internal_local
	terminating_fallback external_ip lb_source_ranges
	update_no_window large_service_dump bad_requests replace_whole_set"

# Seconds a probe waits for its reply: a refused or dropped connection is
# told by its error, never by a timeout, except where a drop is the point.
# Generous: answers come from a fork of socat per datagram, slow on a
# loaded emulated machine. Only cases expecting no answer wait it out.
PROBE_TIMEOUT=10
VIP4=10.96.0.10
VIP6=fd00:96::10

cleanup_all()
{
	cleanup_all_ns
}

# kctl ARGS...: kubenfctl in the node namespace.
kctl()
{
	ip netns exec "$NODE" kubenfctl "$@"
}

# serve NS NAME ADDR: answer NAME on TCP, UDP (and SCTP) port 8080 of ADDR.
serve()
{
	local ns=$1 name=$2 addr=$3 a=$3 v=4

	[[ $addr == *:* ]] && a="[$addr]" v=6
	ip netns exec "$ns" socat TCP$v-LISTEN:8080,bind="$a",fork,reuseaddr \
		SYSTEM:"echo $name" </dev/null >/dev/null 2>&1 &
	ip netns exec "$ns" socat UDP$v-RECVFROM:8080,bind="$a",fork \
		SYSTEM:"echo $name" </dev/null >/dev/null 2>&1 &
	if [ -n "$HAVE_SCTP" ]; then
		ip netns exec "$ns" socat SCTP$v-LISTEN:8080,bind="$a",fork,reuseaddr \
			SYSTEM:"echo $name" </dev/null >/dev/null 2>&1 &
	fi
}

listening()
{
	ip netns exec "$1" ss -Hln "sport = :8080" | grep -q "$2"
}

# probe PROTO ADDR PORT [SOCAT-OPTS]: the reply of one new connection from
# the client, or nothing.
probe()
{
	probe_from "$CLIENT" "$@"
}

# probe_from NS PROTO ADDR PORT [SOCAT-OPTIONS]
probe_from()
{
	local from=$1 proto=$2 addr=$3 port=$4 opts=${5:+,$5} sock
	local t=$PROBE_TIMEOUT

	[[ $addr == *:* ]] && addr="[$addr]"
	case $proto in
	tcp)	sock=TCP:$addr:$port,connect-timeout=$t$opts ;;
	udp)	sock=UDP:$addr:$port$opts ;;
	sctp)	sock=SCTP:$addr:$port,connect-timeout=$t$opts ;;
	esac
	# Stream servers answer at once and close: only read from them (a
	# write racing the close fails with EPIPE before the reply is read).
	if [ "$proto" = udp ]; then
		echo ping | ip netns exec "$from" socat -T"$t" - "$sock" 2>&1
	else
		ip netns exec "$from" socat -T"$t" -u "$sock" - 2>&1
	fi
}

# replies N PROTO ADDR PORT: the distinct replies of N connections.
replies()
{
	local n=$1 i

	shift
	for ((i = 0; i < n; i++)); do
		probe "$@"
	done | sort -u | tr '\n' ' '
}

setup()
{
	setup_ns CLIENT NODE B1 B2 || return 1
	ip -n "$NODE" link add vc type veth peer name eth0 netns "$CLIENT"
	ip -n "$NODE" link add br0 type bridge
	ip -n "$NODE" link add vb1 master br0 type veth peer name eth0 netns "$B1"
	ip -n "$NODE" link add vb2 master br0 type veth peer name eth0 netns "$B2"
	ip -n "$NODE" addr add 10.0.1.1/24 dev vc
	ip -n "$NODE" addr add fd00:1::1/64 dev vc nodad
	ip -n "$NODE" addr add 10.0.2.1/24 dev br0
	ip -n "$NODE" addr add fd00:2::1/64 dev br0 nodad
	for dev in vc br0 vb1 vb2; do
		ip -n "$NODE" link set "$dev" up
	done
	# As the CNI bridge plugin's hairpinMode (kubelet's hairpin-veth):
	# with br_netfilter a pod's connection to its own Service is DNATed
	# in the bridge and must leave by the port it came in.
	ip -n "$NODE" link set vb1 type bridge_slave hairpin on
	ip -n "$NODE" link set vb2 type bridge_slave hairpin on
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NODE" sysctl -qw net.ipv6.conf.all.forwarding=1

	pod_setup "$CLIENT" 10.0.1.2 fd00:1::2 10.0.1.1 fd00:1::1
	pod_setup "$B1" 10.0.2.2 fd00:2::2 10.0.2.1 fd00:2::1
	pod_setup "$B2" 10.0.2.3 fd00:2::3 10.0.2.1 fd00:2::1

	modprobe -q sctp 2>/dev/null && HAVE_SCTP=1
	serve "$B1" b1 10.0.2.2
	serve "$B1" b1 fd00:2::2
	serve "$B2" b2 10.0.2.3
	serve "$B2" b2 fd00:2::3
	busywait "$BUSYWAIT_TIMEOUT" listening "$B1" "fd00:2::2" >/dev/null &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$B2" "fd00:2::3" >/dev/null ||
		return 1
	kctl config set cluster-cidr 10.0.2.0/24 cluster-cidr fd00:2::/64 \
		flags masq-external
}

svc_web()
{
	kctl svc set 1 name default/web/http \
		fe cluster-ip tcp $VIP4:80 fe cluster-ip tcp "[$VIP6]:80" \
		fe cluster-ip udp $VIP4:53 fe cluster-ip sctp $VIP4:80 \
		be 10.0.2.2:8080 be 10.0.2.3:8080 \
		be "[fd00:2::2]:8080" be "[fd00:2::3]:8080" "$@"
}

hooks_state()
{
	kctl info | awk '$1 == "hooks" { print $2 }'
}

hooks_inactive()
{
	[ "$(hooks_state)" = inactive ]
}

# Hooks exist only while the namespace holds a Service.
hooks_lazy()
{
	hooks_inactive || return $ksft_fail
	svc_web || return $ksft_fail
	[ "$(hooks_state)" = active ] || return $ksft_fail
	kctl svc del 1 || return $ksft_fail
	busywait "$BUSYWAIT_TIMEOUT" hooks_inactive || return $ksft_fail
	svc_web
}

both_backends()
{
	local got

	got=$(replies 16 "$@")
	echo "# $*: $got"
	[ "$got" = "b1 b2 " ]
}

clusterip_tcp4() { both_backends tcp $VIP4 80; }
clusterip_tcp6() { both_backends tcp $VIP6 80; }
clusterip_udp4() { both_backends udp $VIP4 53; }

clusterip_sctp4()
{
	if [ -z "$HAVE_SCTP" ]; then
		SKIP_REASON="no sctp module"
		return $ksft_skip
	fi
	both_backends sctp $VIP4 80
}

# Per-backend connection counters add up to what the client made.
counters()
{
	local before after

	before=$(kctl -o json svc show | jq '[.[] | select(.id == 1) | .backends[].connections] | add')
	replies 5 tcp $VIP4 80 >/dev/null
	after=$(kctl -o json svc show | jq '[.[] | select(.id == 1) | .backends[].connections] | add')
	echo "# conns $before -> $after"
	[ "$((after - before))" -eq 5 ]
}

drops()
{
	kctl -o json stats | jq ".drops.\"$1\""
}

# A Service without endpoints refuses at once (TCP reset, ICMP for UDP).
reject_no_endpoint()
{
	local before out

	kctl svc set 2 name default/empty fe cluster-ip tcp 10.96.0.11:80 \
		fe cluster-ip udp 10.96.0.11:53 || return $ksft_fail
	before=$(drops no-endpoint)
	out=$(probe tcp 10.96.0.11 80)
	echo "# tcp: $out"
	[[ $out == *"Connection refused"* ]] || return $ksft_fail
	out=$(probe udp 10.96.0.11 53)
	echo "# udp: $out"
	[[ $out == *"Connection refused"* ]] || return $ksft_fail
	[ "$(drops no-endpoint)" -ge $((before + 2)) ]
}

# The same for the node's own connections (kube-proxy rejects them in
# OUTPUT): the refusal is generated at LOCAL_OUT.
reject_no_endpoint_from_node()
{
	local out proto

	ip -n "$NODE" route add 10.96.0.0/12 dev br0 2>/dev/null
	for proto in tcp udp; do
		out=$(probe_from "$NODE" $proto 10.96.0.11 \
			$([ $proto = tcp ] && echo 80 || echo 53))
		echo "# $proto: $out"
		[[ $out == *"Connection refused"* ]] || return $ksft_fail
	done
}

reject_unknown_port()
{
	local out

	out=$(probe tcp $VIP4 81)
	echo "# $out"
	[[ $out == *"Connection refused"* ]] || return $ksft_fail
	out=$(probe tcp $VIP6 81)
	[[ $out == *"Connection refused"* ]]
}

# A node port answers on every node address.
nodeport()
{
	kctl svc set 3 name default/np fe nodeport tcp '*4:30080' \
		fe nodeport tcp '*6:30080' be 10.0.2.2:8080 \
		be "[fd00:2::2]:8080" || return $ksft_fail
	[ "$(probe tcp 10.0.1.1 30080)" = b1 ] || return $ksft_fail
	[ "$(probe tcp 10.0.2.1 30080)" = b1 ] || return $ksft_fail
	[ "$(probe tcp fd00:1::1 30080)" = b1 ] || return $ksft_fail
	# The client is outside the cluster CIDRs: under the Cluster traffic
	# policy its source is masqueraded to the node's address.
	ip netns exec "$NODE" conntrack -L -p tcp --orig-dst 10.0.1.1 \
		--orig-port-dst 30080 2>/dev/null | grep -q "dst=10.0.2.1 "
}

# A pod reaching a node port under the Cluster policy is masqueraded too,
# as kube-proxy does for every connection to an external destination: the
# backend may sit behind another node, whose reply must come back here.
pod_to_nodeport_masq()
{
	[ "$(probe_from "$B2" tcp 10.0.1.1 30080)" = b1 ] || return $ksft_fail
	ip netns exec "$NODE" conntrack -L -p tcp --orig-src 10.0.2.3 \
		--orig-dst 10.0.1.1 --orig-port-dst 30080 2>/dev/null |
		grep -q "dst=10.0.2.1 "
}

# A pod reaching itself through its Service needs the source rewritten.
hairpin()
{
	local out

	kctl svc set 4 name default/self fe cluster-ip tcp 10.96.0.14:80 \
		be 10.0.2.2:8080 || return $ksft_fail
	out=$(ip netns exec "$B1" socat -T5 -u \
		TCP:10.96.0.14:80,connect-timeout=5 - 2>&1)
	echo "# $out"
	[ "$out" = b1 ] || return $ksft_fail
	# The reply went back through the node: its source was rewritten.
	ip netns exec "$NODE" conntrack -L -p tcp --orig-dst 10.96.0.14 \
		2>/dev/null | grep -q "dst=10.0.2.1 "
}

probe_from_port()
{
	[ "$(probe udp 10.96.0.15 53 sourceport=40000)" = "$1" ]
}

# A UDP flow whose backend goes away moves to a live one at once, though
# its conntrack entry would otherwise keep it on the old one.
udp_flush_on_endpoint_removal()
{
	local first other

	kctl svc set 5 name default/dns fe cluster-ip udp 10.96.0.15:53 \
		be 10.0.2.2:8080 be 10.0.2.3:8080 || return $ksft_fail
	# The same flow again if the first answer was slow (a loaded VM):
	# the entry stays, so does the backend.
	first=$(probe udp 10.96.0.15 53 sourceport=40000)
	[ -n "$first" ] || first=$(probe udp 10.96.0.15 53 sourceport=40000)
	case $first in
	b1) other=b2; keep=10.0.2.3 ;;
	b2) other=b1; keep=10.0.2.2 ;;
	*) echo "# first reply: $first"; return $ksft_fail ;;
	esac
	# Same flow again: still the same backend.
	probe_from_port "$first" || return $ksft_fail
	kctl svc set 5 name default/dns fe cluster-ip udp 10.96.0.15:53 \
		be $keep:8080 || return $ksft_fail
	busywait "$BUSYWAIT_TIMEOUT" probe_from_port "$other"
}

affinity()
{
	local got

	kctl svc set 6 name default/sticky affinity 300 \
		fe cluster-ip tcp 10.96.0.16:80 \
		be 10.0.2.2:8080 be 10.0.2.3:8080 || return $ksft_fail
	got=$(replies 10 tcp 10.96.0.16 80)
	echo "# $got"
	[ "$got" = "b1 " ] || [ "$got" = "b2 " ]
}

# externalTrafficPolicy=Local: external clients reach local endpoints only.
external_local()
{
	local got

	kctl svc set 7 name default/local flags external-local \
		fe nodeport tcp '*4:30081' \
		be 10.0.2.2:8080 ready,serving,local \
		be 10.0.2.3:8080 || return $ksft_fail
	got=$(replies 8 tcp 10.0.1.1 30081)
	echo "# $got"
	[ "$got" = "b1 " ] || return $ksft_fail
	kctl svc set 7 name default/local flags external-local \
		fe nodeport tcp '*4:30081' be 10.0.2.3:8080 || return $ksft_fail
	[[ $(probe tcp 10.0.1.1 30081) == *"Connection refused"* ]]
}

# internalTrafficPolicy=Local: cluster traffic reaches local endpoints only.
internal_local()
{
	local got

	kctl svc set 11 name default/ilocal flags internal-local \
		fe cluster-ip tcp 10.96.0.21:80 \
		be 10.0.2.2:8080 be 10.0.2.3:8080 ready,serving,local ||
		return $ksft_fail
	got=$(replies 8 tcp 10.96.0.21 80)
	echo "# $got"
	[ "$got" = "b2 " ]
}

# Terminating-but-serving endpoints are used only when none is ready.
terminating_fallback()
{
	local got

	kctl svc set 12 name default/term fe cluster-ip tcp 10.96.0.22:80 \
		be 10.0.2.2:8080 serving,terminating \
		be 10.0.2.3:8080 serving,terminating || return $ksft_fail
	got=$(replies 12 tcp 10.96.0.22 80)
	echo "# all terminating: $got"
	[ "$got" = "b1 b2 " ] || return $ksft_fail
	kctl svc set 12 name default/term fe cluster-ip tcp 10.96.0.22:80 \
		be 10.0.2.2:8080 serving,terminating \
		be 10.0.2.3:8080 ready,serving || return $ksft_fail
	got=$(replies 8 tcp 10.96.0.22 80)
	echo "# one ready: $got"
	[ "$got" = "b2 " ] || return $ksft_fail
	# Not ready and not serving: never used, so the Service refuses.
	kctl svc set 12 name default/term fe cluster-ip tcp 10.96.0.22:80 \
		be 10.0.2.2:8080 terminating || return $ksft_fail
	[[ $(probe tcp 10.96.0.22 80) == *"Connection refused"* ]]
}

external_ip()
{
	local out

	kctl svc set 13 name default/ext fe external-ip tcp 198.51.100.10:80 \
		fe external-ip udp 198.51.100.10:53 be 10.0.2.2:8080 ||
		return $ksft_fail
	out=$(probe tcp 198.51.100.10 80)
	echo "# tcp: $out"
	[ "$out" = b1 ] || return $ksft_fail
	# Up to three datagrams: on a heavily loaded host the first answer
	# sometimes never came on 6.1 (not seen when the VM runs alone);
	# a translation that does not work fails all three.
	for _ in 1 2 3; do
		out=$(probe udp 198.51.100.10 53)
		echo "# udp: $out"
		[ "$out" = b1 ] && return $ksft_pass
	done
	ip netns exec "$NODE" conntrack -L -p udp 2>&1 | sed 's/^/# ct: /'
	kctl stats | sed 's/^/# stats: /'
	return $ksft_fail
}

lb_source_ranges()
{
	kctl svc set 8 name default/lb fe load-balancer tcp 192.0.2.10:80 \
		be 10.0.2.3:8080 range 10.0.1.0/24 || return $ksft_fail
	[ "$(probe tcp 192.0.2.10 80)" = b2 ] || return $ksft_fail
	kctl svc set 8 name default/lb fe load-balancer tcp 192.0.2.10:80 \
		be 10.0.2.3:8080 range 10.9.0.0/16 || return $ksft_fail
	# Dropped, as kube-proxy does: the probe times out.
	local PROBE_TIMEOUT=1
	[ "$(probe tcp 192.0.2.10 80)" != b2 ]
}

# Replacing a Service over and over never leaves a window without it.
update_no_window()
{
	local pid fails=0 i out

	(for ((i = 0; i < 40; i++)); do svc_web >/dev/null || exit 1; done) &
	pid=$!
	for ((i = 0; i < 20; i++)); do
		out=$(PROBE_TIMEOUT=20 probe tcp $VIP4 80)
		[[ $out == b[12] ]] || { echo "# $out"; fails=$((fails + 1)); }
	done
	wait $pid || return $ksft_fail
	[ "$fails" -eq 0 ]
}

# A Service with more backends than fit in one dump message is dumped
# whole, over several messages.
large_service_dump()
{
	local args=() n i

	for ((i = 0; i < 2000; i++)); do
		args+=(be "10.128.$((i / 250)).$((i % 250 + 1)):80")
	done
	kctl svc set 9 name default/big fe cluster-ip tcp 10.96.0.19:80 \
		"${args[@]}" || return $ksft_fail
	n=$(kctl -o json svc show | jq '[.[] | select(.id == 9) | .backends[]] | length')
	echo "# backends dumped: $n"
	[ "$n" -eq 2000 ]
}

# Rejected requests leave the rule set as it was.
bad_requests()
{
	local gen out

	gen=$(kctl -o json info | jq .generation)
	# A frontend another service owns.
	out=$(kctl svc set 10 fe cluster-ip tcp $VIP4:80 be 10.0.2.2:8080 2>&1)
	echo "# $out"
	[[ $out == *"belongs to another service"* ]] || return $ksft_fail
	# Unknown id.
	kctl svc del 4242 2>/dev/null && return $ksft_fail
	[ "$(kctl -o json info | jq .generation)" = "$gen" ] || return $ksft_fail
	[ "$(probe tcp $VIP4 80)" != "" ]
}

# A transaction that replaces the whole rule set deletes what it does not
# set, and Services it keeps never disappear while it is applied.
replace_whole_set()
{
	local doc pid fails=0 i out n

	doc=$(mktemp "${TMPDIR:-/tmp}/kubenf-doc.XXXXXX")
	kctl -o json svc show |
		jq '{services: [.[] | select(.id == 1 or .id == 3)]}' >"$doc"
	(for ((i = 0; i < 20; i++)); do
		kctl apply --replace "$doc" >/dev/null || exit 1
	done) &
	pid=$!
	for ((i = 0; i < 15; i++)); do
		out=$(PROBE_TIMEOUT=20 probe tcp $VIP4 80)
		[[ $out == b[12] ]] || { echo "# $out"; fails=$((fails + 1)); }
	done
	wait $pid || return $ksft_fail
	rm -f "$doc"
	n=$(kctl -o json svc show | jq '[.[].id] | sort | join(",")')
	echo "# services left: $n"
	[ "$fails" -eq 0 ] && [ "$n" = '"1,3"' ] || return $ksft_fail
	# What was deleted is gone from the packet path too.
	[[ $(probe tcp 10.96.0.14 80) != b1 ]]
}

trap cleanup_all EXIT
require_root
checktool "socat -V" "run socat"
checktool "jq --version" "run jq"
checktool "kubenfctl --version" "run kubenfctl"
require_kubenf
setup || skip_all "topology setup failed"
run_tests $TESTS
exit "$EXIT_STATUS"
