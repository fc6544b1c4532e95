#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NetworkPolicy enforcement by kubenf, with real connections between network
# namespaces. kubenf runs in the "node" namespace, which routes between an
# external client, two pods on a bridge (with br_netfilter, as on a
# Kubernetes node) and a pod on a routed veth:
#
#   client                 node (kubenf)                     pods
#   10.0.1.2  ---veth---  10.0.1.1 | br0 10.0.2.1  ---+--- a 10.0.2.2  (id 1)
#   fd00:1::2             fd00:1::1 |     fd00:2::1   +--- b 10.0.2.3  (id 2)
#                                   | vpc 10.0.3.1 ------- c 10.0.3.2  (id 3)
#                                   |     fd00:3::1         fd00:3::2
#
# Pod a answers "a" on TCP 80 and 8080-8082, UDP 80 and SCTP 80; b and c
# answer on TCP and UDP 80; the client on TCP 80, the node on TCP 9000
# (pol_traffic serve). Every case replaces the whole rule set first
# (KUBENF_TXN_F_REPLACE): the three pods, not isolated, and what the case
# adds. Objects are set with kubenf_pol (raw netlink); a denied connection
# must time out and be counted in the drop counters of GET_STATS.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

# KUBENF_TESTS="case ..." runs some cases only (hooks_lazy first: it sets
# up the pods).
TESTS=${KUBENF_TESTS:-"hooks_lazy not_isolated deny_all_ingress allow_peerset_port port_range
	protocols_distinct ipblock_except ipv6 egress_isolation replies_pass
	service_dnat node_to_pod established_kept_then_cut deny_then_allow
	dangling_refs unknown_pod_fail_closed counters explain events
	bad_requests txn_any_order pod_many_policies
	update_no_window kernel_log_clean"}

A4=10.0.2.2 A6=fd00:2::2
B4=10.0.2.3 B6=fd00:2::3
C4=10.0.3.2 C6=fd00:3::2
CL4=10.0.1.2 CL6=fd00:1::2
VIP=10.96.0.10

POD_A=(pod 1 name t/a addr $A4 addr $A6)
POD_B=(pod 2 name t/b addr $B4 addr $B6)
POD_C=(pod 3 name t/c addr $C4 addr $C6)

HAVE_SCTP=
HAVE_BRNF=

cleanup_all()
{
	[ -n "$CHAT_PID" ] && kill "$CHAT_PID" 2>/dev/null
	cleanup_all_ns
	[ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
}

# The helpers: built by `make -C selftests`, or here when missing (the VM
# sees the tree read-only).
find_helpers()
{
	local b

	for b in kubenf_pol pol_traffic kubenf_cfg; do
		if [ ! -x "$KSFT_BIN/$b" ] || [ "$KSFT_DIR/$b.c" -nt "$KSFT_BIN/$b" ]; then
			SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-pol.XXXXXX")
			make -s -C "$KSFT_DIR" BUILD="$SCRATCH" \
				"$SCRATCH/kubenf_pol" "$SCRATCH/pol_traffic" \
				"$SCRATCH/kubenf_cfg" >/dev/null 2>&1 ||
				skip_all "cannot build the selftest helpers"
			KSFT_BIN=$SCRATCH
			KUBENF_CFG=$KSFT_BIN/kubenf_cfg
			break
		fi
	done
	KPOL=$KSFT_BIN/kubenf_pol
	TRAFFIC=$KSFT_BIN/pol_traffic
}

# kpol ARGS...: kubenf_pol in the node namespace.
kpol()
{
	"$KPOL" -n "/run/netns/$NODE" "$@"
}

# ruleset [COMMAND [-- COMMAND]...]: replace everything with the three plain
# pods and the commands (a later "pod N" replaces the plain one).
ruleset()
{
	kpol -r "${POD_A[@]}" -- "${POD_B[@]}" -- "${POD_C[@]}" ${1:+--} "$@"
}

# stat KEY: a GET_STATS counter ("drops.deny-ingress", ...).
stat()
{
	kpol stats | awk -v k="$1" '$1 == k { print $2 }'
}

# probe NS PROTO ADDR PORT [SPORT]: the answer to one new connection.
probe()
{
	local ns=$1 proto=$2 addr=$3 port=$4 sport=$5

	ip netns exec "$ns" "$TRAFFIC" -w "${WAIT_MS:-4000}" \
		${sport:+-s "$sport"} probe "$proto" "$addr" "$port"
}

# allow NS PROTO ADDR PORT NAME [SPORT]: the connection gets NAME back.
allow()
{
	local out

	out=$(probe "$1" "$2" "$3" "$4" "$6")
	check_eq "${1%%-*} -> $2 $3:$4 allowed" "$5" "$out"
}

# deny NS PROTO ADDR PORT REASON [SPORT]: no answer, and the drop counter
# of REASON moved.
deny()
{
	local before after out

	before=$(stat "drops.$5")
	out=$(WAIT_MS=1500 probe "$1" "$2" "$3" "$4" "$6")
	after=$(stat "drops.$5")
	check_eq "${1%%-*} -> $2 $3:$4 denied" timeout "$out" &&
		check "${1%%-*} -> $2 $3:$4 counted as $5 ($before -> $after)" \
			test "$after" -gt "$before"
}

# Bridged pod to pod traffic needs br_netfilter (skipped without it).
allow_bridged()
{
	[ -z "$HAVE_BRNF" ] && { echo "# no br_netfilter: $*"; return 0; }
	allow "$@"
}

deny_bridged()
{
	[ -z "$HAVE_BRNF" ] && { echo "# no br_netfilter: $*"; return 0; }
	deny "$@"
}

serve()
{
	ip netns exec "$1" "$TRAFFIC" serve "${@:2}" </dev/null >/dev/null 2>&1 &
}

listening()
{
	ip netns exec "$1" ss -Hln "sport = :$2" | grep -q .
}

setup()
{
	local dev

	setup_ns CLIENT NODE PA PB PC || return 1
	ip -n "$NODE" link add vcl type veth peer name eth0 netns "$CLIENT"
	ip -n "$NODE" link add br0 type bridge
	ip -n "$NODE" link add vpa master br0 type veth peer name eth0 netns "$PA"
	ip -n "$NODE" link add vpb master br0 type veth peer name eth0 netns "$PB"
	ip -n "$NODE" link add vpc type veth peer name eth0 netns "$PC"
	ip -n "$NODE" addr add 10.0.1.1/24 dev vcl
	ip -n "$NODE" addr add fd00:1::1/64 dev vcl nodad
	ip -n "$NODE" addr add 10.0.2.1/24 dev br0
	ip -n "$NODE" addr add fd00:2::1/64 dev br0 nodad
	ip -n "$NODE" addr add 10.0.3.1/24 dev vpc
	ip -n "$NODE" addr add fd00:3::1/64 dev vpc nodad
	for dev in vcl br0 vpa vpb vpc; do
		ip -n "$NODE" link set "$dev" up
	done
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NODE" sysctl -qw net.ipv6.conf.all.forwarding=1
	if modprobe -q br_netfilter 2>/dev/null &&
	   ip netns exec "$NODE" sysctl -qw net.bridge.bridge-nf-call-iptables=1 &&
	   ip netns exec "$NODE" sysctl -qw net.bridge.bridge-nf-call-ip6tables=1; then
		HAVE_BRNF=1
	fi

	pod_setup "$CLIENT" $CL4 $CL6 10.0.1.1 fd00:1::1
	pod_setup "$PA" $A4 $A6 10.0.2.1 fd00:2::1
	pod_setup "$PB" $B4 $B6 10.0.2.1 fd00:2::1
	pod_setup "$PC" $C4 $C6 10.0.3.1 fd00:3::1

	modprobe -q sctp 2>/dev/null && HAVE_SCTP=1
	serve "$PA" a tcp:80 tcp:8080 tcp:8081 tcp:8082 udp:80 \
		${HAVE_SCTP:+sctp:80}
	serve "$PB" b tcp:80 udp:80
	serve "$PC" c tcp:80 udp:80
	serve "$CLIENT" client tcp:80
	serve "$NODE" node tcp:9000
	busywait "$BUSYWAIT_TIMEOUT" listening "$PA" 8082 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$PC" 80 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$NODE" 9000
}

hooks_state()
{
	kinfo "$NODE" hooks
}

# Hooks appear with the first pod, not before.
hooks_lazy()
{
	local lret=0

	check_eq "hooks before any pod" 0 "$(hooks_state)"
	check "three pods" ruleset
	check_eq "hooks with pods" 1 "$(hooks_state)"
	check_eq "pods counted" 3 "$(kinfo "$NODE" pods)"
	return $lret
}

# A pod no policy selects accepts everything, routed or bridged.
not_isolated()
{
	local lret=0 before

	ruleset || return $ksft_fail
	before=$(stat accepts.not-isolated)
	allow "$CLIENT" tcp $A4 80 a
	allow "$CLIENT" udp $A4 80 a
	[ -n "$HAVE_SCTP" ] && allow "$CLIENT" sctp $A4 80 a
	allow "$CLIENT" tcp $A6 80 a
	allow "$PC" tcp $A4 80 a
	allow_bridged "$PB" tcp $A4 80 a
	check "accepted connections counted as not-isolated" \
		test "$(stat accepts.not-isolated)" -gt "$before"
	return $lret
}

# Isolated for ingress without any policy: nothing gets in, whatever the
# protocol; egress stays open.
deny_all_ingress()
{
	local lret=0

	ruleset pod 1 name t/a addr $A4 addr $A6 isolate ingress ||
		return $ksft_fail
	deny "$CLIENT" tcp $A4 80 deny-ingress
	deny "$CLIENT" udp $A4 80 deny-ingress
	if [ -n "$HAVE_SCTP" ]; then
		deny "$CLIENT" sctp $A4 80 deny-ingress
	else
		echo "# no sctp module: SCTP not probed"
	fi
	deny "$CLIENT" tcp $A6 80 deny-ingress
	deny "$PC" tcp $A4 8080 deny-ingress
	deny_bridged "$PB" tcp $A4 80 deny-ingress
	allow "$PA" tcp $C4 80 c
	return $lret
}

# With the node's pod CIDRs configured, an address in them that is no pod
# the namespace holds is denied both ways until its pod object arrives: a
# pod started before the agent programmed it is never open. The node
# itself still reaches it (kubelet probes).
unknown_pod_fail_closed()
{
	local lret=0

	kpol -r "${POD_A[@]}" -- "${POD_C[@]}" || return $ksft_fail
	ip netns exec "$NODE" kubenfctl config set pod-cidr 10.0.2.0/24 \
		pod-cidr fd00:2::/64 || return $ksft_fail
	deny "$CLIENT" tcp $B4 80 unknown-pod
	deny "$CLIENT" tcp $B6 80 unknown-pod
	deny "$PC" udp $B4 80 unknown-pod
	deny "$PB" tcp $C4 80 unknown-pod
	allow "$CLIENT" tcp $A4 80 a
	allow "$NODE" tcp $B4 80 b
	check "explain names it" \
		eval "kpol explain $CL4 $B4 tcp 80 | grep -q 'accept=0 reason=unknown-pod'"
	# Its pod object arrives: b is open again (no policy isolates it).
	kpol "${POD_B[@]}" || lret=$ksft_fail
	allow "$CLIENT" tcp $B4 80 b
	allow "$PB" tcp $C4 80 c
	kcfg "$NODE" set flags 0 || lret=$ksft_fail
	return $lret
}

# A peerset of pod IPs on one port: exactly that peer on exactly that port.
allow_peerset_port()
{
	local lret=0

	ruleset peerset 10 name pods-c $C4 $C6 -- \
		policy 100 ingress name t/from-c rule peers 10 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 100 ||
		return $ksft_fail
	allow "$PC" tcp $A4 80 a
	allow "$PC" tcp $A6 80 a
	deny "$PC" tcp $A4 8080 deny-ingress
	deny "$PC" udp $A4 80 deny-ingress
	deny "$CLIENT" tcp $A4 80 deny-ingress
	deny_bridged "$PB" tcp $A4 80 deny-ingress
	return $lret
}

# FIRST-LAST is inclusive at both ends.
port_range()
{
	local lret=0

	ruleset policy 101 ingress rule ports tcp:8080-8081 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 101 ||
		return $ksft_fail
	allow "$CLIENT" tcp $A4 8080 a
	allow "$CLIENT" tcp $A4 8081 a
	deny "$CLIENT" tcp $A4 8082 deny-ingress
	deny "$CLIENT" tcp $A4 80 deny-ingress
	return $lret
}

# A TCP port allows TCP only; a protocol without ports all its ports.
protocols_distinct()
{
	local lret=0

	ruleset policy 102 ingress rule ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 102 ||
		return $ksft_fail
	allow "$CLIENT" tcp $A4 80 a
	deny "$CLIENT" udp $A4 80 deny-ingress
	[ -n "$HAVE_SCTP" ] && deny "$CLIENT" sctp $A4 80 deny-ingress

	kpol policy 102 ingress rule ports udp || return $ksft_fail
	allow "$CLIENT" udp $A4 80 a
	deny "$CLIENT" tcp $A4 80 deny-ingress

	if [ -n "$HAVE_SCTP" ]; then
		kpol policy 102 ingress rule ports sctp:80 || return $ksft_fail
		allow "$CLIENT" sctp $A4 80 a
		deny "$CLIENT" tcp $A4 80 deny-ingress
		deny "$CLIENT" udp $A4 80 deny-ingress
	fi
	return $lret
}

# ipBlock with except; an except removes an address from its own entry
# only; a peerset change recompiles the policies using it.
ipblock_except()
{
	local lret=0

	ruleset peerset 11 name "ip 10/8 except 10.0.1/24" '10.0.0.0/8!10.0.1.0/24' -- \
		peerset 12 name client $CL4 -- \
		policy 103 ingress rule peers 11 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 103 ||
		return $ksft_fail
	allow "$PC" tcp $A4 80 a
	deny "$CLIENT" tcp $A4 80 deny-ingress

	# The same block without the exception: only the peerset changes.
	kpol peerset 11 10.0.0.0/8 || return $ksft_fail
	allow "$CLIENT" tcp $A4 80 a
	kpol peerset 11 '10.0.0.0/8!10.0.1.0/24' || return $ksft_fail
	deny "$CLIENT" tcp $A4 80 deny-ingress

	# Another rule naming the client: the except does not apply to it.
	kpol policy 103 ingress rule peers 11 ports tcp:80 \
		rule peers 12 ports tcp:80 || return $ksft_fail
	allow "$CLIENT" tcp $A4 80 a
	check "explain names rule 1" eval \
		"kpol explain $CL4 $A4 tcp 80 | grep -q 'policy=103 rule=1'"
	return $lret
}

ipv6()
{
	local lret=0

	ruleset peerset 13 fd00:3::/64 -- \
		policy 104 ingress rule peers 13 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 104 ||
		return $ksft_fail
	allow "$PC" tcp $A6 80 a
	deny "$CLIENT" tcp $A6 80 deny-ingress
	# An IPv6 block says nothing about IPv4 addresses.
	deny "$PC" tcp $A4 80 deny-ingress
	return $lret
}

# Egress isolation of c: only a on TCP 80, and only if a lets c in too.
egress_isolation()
{
	local lret=0

	ruleset peerset 14 $A4 $A6 -- \
		policy 105 egress rule peers 14 ports tcp:80 -- \
		pod 3 name t/c addr $C4 addr $C6 isolate egress egress 105 ||
		return $ksft_fail
	# Neighbour discovery from the isolated pod (no conntrack) passes.
	ip -n "$PC" -6 neigh flush all
	ip -n "$NODE" -6 neigh flush dev vpc
	allow "$PC" tcp $A6 80 a
	allow "$PC" tcp $A4 80 a
	deny "$PC" tcp $A4 8080 deny-egress
	deny "$PC" tcp $B4 80 deny-egress
	deny "$PC" udp $A4 80 deny-egress
	# Pod to node goes through LOCAL_IN: egress decides there too.
	deny "$PC" tcp 10.0.3.1 9000 deny-egress
	# Ingress of c stays open.
	allow "$CLIENT" tcp $C4 80 c

	# Egress allows, ingress of a denies: both are needed.
	kpol pod 1 name t/a addr $A4 addr $A6 isolate ingress ||
		return $ksft_fail
	deny "$PC" tcp $A4 80 deny-ingress
	return $lret
}

# Replies of allowed connections pass whatever the other direction says.
replies_pass()
{
	local lret=0

	# a lets the client in and may open nothing itself.
	ruleset peerset 15 $CL4 $CL6 -- \
		policy 106 ingress rule peers 15 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate both ingress 106 ||
		return $ksft_fail
	allow "$CLIENT" tcp $A4 80 a
	allow "$CLIENT" tcp $A6 80 a
	deny "$PA" tcp $CL4 80 deny-egress

	# c may reach a and nothing may reach c: a's answers still do.
	kpol -t peerset 14 $A4 $A6 -- peerset 16 $C4 $C6 -- \
		policy 105 egress rule peers 14 ports tcp:80 -- \
		policy 106 ingress rule peers 15,16 ports tcp:80 -- \
		pod 3 name t/c addr $C4 addr $C6 isolate both egress 105 ||
		return $ksft_fail
	allow "$PC" tcp $A4 80 a
	deny "$CLIENT" tcp $C4 80 deny-ingress
	return $lret
}

kctl()
{
	ip netns exec "$NODE" kubenfctl "$@"
}

# Ingress is judged after Service DNAT: against the backend pod and the
# backend port.
service_dnat()
{
	local lret=0 out

	if ! command -v kubenfctl >/dev/null; then
		SKIP_REASON="kubenfctl missing (make userspace)"
		return $ksft_skip
	fi
	ruleset peerset 15 $CL4 $CL6 -- \
		policy 107 ingress rule peers 15 ports tcp:8080 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 107 ||
		return $ksft_fail
	kctl svc set 1 name t/web fe cluster-ip tcp $VIP:80 be $A4:8080 ||
		return $ksft_fail
	allow "$CLIENT" tcp $VIP 80 a
	out=$(kpol explain $CL4 $VIP tcp 80)
	echo "# $out"
	check "explain: service, backend and rule" eval \
		"[[ '$out' == *'accept=1'*'policy=107 rule=0 svc=1 backend=$A4:8080'* ]]"

	# Port 80 is the frontend's, not the backend's: denied.
	kpol policy 107 ingress rule peers 15 ports tcp:80 || return $ksft_fail
	deny "$CLIENT" tcp $VIP 80 deny-ingress
	kctl svc del 1 || lret=$ksft_fail
	return $lret
}

# The node always reaches its pods (kubelet probes), isolated or not.
node_to_pod()
{
	local lret=0 before out

	ruleset pod 1 name t/a addr $A4 addr $A6 isolate both ||
		return $ksft_fail
	before=$(stat accepts.from-node)
	allow "$NODE" tcp $A4 80 a
	allow "$NODE" tcp $A6 80 a
	check "counted as from-node" \
		test "$(stat accepts.from-node)" -gt "$before"
	out=$(kpol explain 10.0.2.1 $A4 tcp 80)
	check_eq "explain" "verdict accept=1 reason=from-node dir=ingress pod=1" "$out"
	deny "$CLIENT" tcp $A4 80 deny-ingress
	return $lret
}

# chat_start NS PROTO ADDR PORT: one long-lived connection (coprocess).
chat_start()
{
	local line

	coproc CHAT { ip netns exec "$1" "$TRAFFIC" -w 2000 -s 41000 chat \
		"$2" "$3" "$4" 2>&1; }
	read -t 10 -r line <&"${CHAT[0]}"
	[ "$line" = connected ]
}

# chat_says WANT: one line over the connection is answered WANT.
chat_says()
{
	local line

	echo x >&"${CHAT[1]}" || return 1
	read -t 10 -r line <&"${CHAT[0]}" || return 1
	echo "# chat: $line" >&2
	[ "$line" = "$1" ]
}

chat_stop()
{
	local pid=$CHAT_PID

	eval "exec ${CHAT[1]}>&-" 2>/dev/null
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	CHAT_PID=
}

conntrack_has()
{
	ip netns exec "$NODE" conntrack -L -p tcp --sport 41000 2>/dev/null |
		grep -q "dport=80"
}

# A connection established before its policy went away is kept by default
# (as Calico and Antrea do) and cut with KUBENF_CFG_F_POLICY_CUT.
established_kept_then_cut()
{
	local lret=0

	ruleset peerset 15 $CL4 $CL6 -- \
		policy 108 ingress rule peers 15 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 108 ||
		return $ksft_fail
	check "connected" chat_start "$CLIENT" tcp $A4 80 || return $lret
	check "first exchange" chat_says a

	kpol policy 108 ingress rule peers 15 ports tcp:8080 || lret=$ksft_fail
	check "kept after the policy no longer allows it" chat_says a
	deny "$CLIENT" tcp $A4 80 deny-ingress

	kcfg "$NODE" set flags 2 || lret=$ksft_fail
	check "still kept: a configuration change cuts nothing" chat_says a
	# The next policy commit re-judges conntrack.
	kpol policy 108 ingress rule peers 15 ports tcp:8080 || lret=$ksft_fail
	check "cut with POLICY_CUT" busywait "$BUSYWAIT_TIMEOUT" chat_says TIMEOUT
	if command -v conntrack >/dev/null; then
		check "conntrack entry gone" eval '! conntrack_has'
	fi
	chat_stop
	kcfg "$NODE" set flags 0 || lret=$ksft_fail
	return $lret
}

# A flow denied before is allowed as soon as the policy allows it: a
# dropped first packet leaves no conntrack entry behind.
deny_then_allow()
{
	local lret=0

	ruleset pod 1 name t/a addr $A4 addr $A6 isolate ingress ||
		return $ksft_fail
	deny "$CLIENT" udp $A4 80 deny-ingress 40001
	deny "$CLIENT" tcp $A4 80 deny-ingress
	kpol -t policy 109 ingress rule ports udp:80,tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 109 ||
		return $ksft_fail
	allow "$CLIENT" udp $A4 80 a 40001
	allow "$CLIENT" tcp $A4 80 a
	return $lret
}

gen()
{
	kinfo "$NODE" generation
}

# References must hold when a transaction commits; otherwise nothing
# changes.
dangling_refs()
{
	local lret=0 g pods policies

	ruleset peerset 17 $C4 -- policy 110 ingress rule peers 17 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 110 ||
		return $ksft_fail
	g=$(gen)
	pods=$(kpol show pods)
	policies=$(kpol show policies)

	check "pod naming a missing policy" \
		kpol -x ENOENT pod 2 name t/b addr $B4 isolate ingress ingress 999
	check "policy naming a missing peerset, in a transaction" \
		kpol -x ENOENT -t policy 111 ingress rule peers 998 -- \
		pod 2 name t/b addr $B4 isolate ingress ingress 111
	check "deleting a peerset in use" kpol -x ENOENT del peerset 17
	check "deleting a policy in use" kpol -x ENOENT del policy 110
	check "a policy under the wrong direction" \
		kpol -x EINVAL pod 2 name t/b addr $B4 isolate egress egress 110
	check "an address of another pod" \
		kpol -x EEXIST pod 4 name t/d addr $A4
	check_eq "generation unchanged" "$g" "$(gen)"
	check_eq "pods unchanged" "$pods" "$(kpol show pods)"
	check_eq "policies unchanged" "$policies" "$(kpol show policies)"
	# In one transaction, deleting referrer and referenced is fine.
	check "delete pod, policy and peerset together" \
		kpol -t del peerset 17 -- del policy 110 -- \
		pod 1 name t/a addr $A4 addr $A6
	return $lret
}

# rule_packets POLICY INDEX: the allowed-connection counter of a rule.
rule_packets()
{
	kpol show policies | awk -v p="$1" -v r="$2" \
		'$1 == "rule" && $2 == p && $3 == r {
			sub("packets=", "", $NF); print $NF }'
}

# Per-rule counters of allowed connections, kept across peerset changes.
counters()
{
	local lret=0 i drops

	ruleset peerset 18 $C4 $C6 -- \
		policy 112 ingress rule peers 18 ports tcp:80 \
			rule ports tcp:8080 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 112 ||
		return $ksft_fail
	for i in 1 2 3; do
		allow "$PC" tcp $A4 80 a
	done
	allow "$CLIENT" tcp $A4 8080 a
	allow "$CLIENT" tcp $A4 8080 a
	check_eq "rule 0 counter" 3 "$(rule_packets 112 0)"
	check_eq "rule 1 counter" 2 "$(rule_packets 112 1)"

	drops=$(stat drops.deny-ingress)
	deny "$CLIENT" tcp $A4 80 deny-ingress
	check "drops counted" test "$(stat drops.deny-ingress)" -gt "$drops"

	# The policy is recompiled for the new peerset; counters stay.
	kpol peerset 18 $C4 $C6 $B4 || return $ksft_fail
	check_eq "rule 0 counter after a peerset change" 3 \
		"$(rule_packets 112 0)"
	allow "$PC" tcp $A4 80 a
	check_eq "rule 0 counter counts on" 4 "$(rule_packets 112 0)"
	return $lret
}

# explain_is DESCRIPTION EXPECTED FLOW...
explain_is()
{
	check_eq "explain $1" "$2" "$(kpol explain "${@:3}")"
}

explain()
{
	local lret=0

	ruleset peerset 19 $CL4 -- peerset 20 $A4 -- \
		policy 113 ingress rule peers 19 ports tcp:80 -- \
		policy 114 egress rule peers 20 ports udp:80 \
			rule ports tcp:8080 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 113 -- \
		pod 3 name t/c addr $C4 addr $C6 isolate egress egress 114 ||
		return $ksft_fail
	explain_is allowed \
		"verdict accept=1 reason=allowed-rule dir=ingress pod=1 policy=113 rule=0" \
		$CL4 $A4 tcp 1234 80
	explain_is "wrong port" "verdict accept=0 reason=deny-ingress dir=ingress pod=1" \
		$CL4 $A4 tcp 1234 81
	explain_is "egress rule 1" \
		"verdict accept=1 reason=allowed-rule dir=egress pod=3 policy=114 rule=1" \
		$C4 $B4 tcp 1234 8080
	explain_is "egress denied" "verdict accept=0 reason=deny-egress dir=egress pod=3" \
		$C4 $B4 tcp 1234 80
	explain_is "not isolated" "verdict accept=1 reason=not-isolated dir=ingress pod=2" \
		$CL4 $B4 udp 1234 53
	explain_is "no pod" "verdict accept=1 reason=none" \
		$CL4 10.9.9.9 tcp 1234 80
	explain_is "from the node" "verdict accept=1 reason=from-node dir=ingress pod=1" \
		10.0.3.1 $A4 tcp 1234 9999
	explain_is "ipv6, no rule for it" \
		"verdict accept=0 reason=deny-ingress dir=ingress pod=1" \
		$CL6 $A6 tcp 1234 80
	check "mixed families refused" kpol -x EAFNOSUPPORT explain $CL4 $A6 tcp 1 80
	# The verdict matches what packets get.
	allow "$CLIENT" tcp $A4 80 a
	deny "$CLIENT" tcp $A6 80 deny-ingress
	return $lret
}

# Deny events on the multicast group, rate-limited per namespace.
events()
{
	local lret=0 out pid before

	ruleset pod 1 name t/a addr $A4 addr $A6 isolate ingress ||
		return $ksft_fail
	out=$(mktemp "${TMPDIR:-/tmp}/kubenf-events.XXXXXX")
	kpol events 1 20 >"$out" 2>&1 &
	pid=$!
	if ! busywait "$BUSYWAIT_TIMEOUT" grep -q ready "$out"; then
		kill "$pid" 2>/dev/null
		cat "$out"
		rm -f "$out"
		return $ksft_fail
	fi
	deny "$CLIENT" tcp $A4 80 deny-ingress
	check "listener got its event" wait "$pid"
	sed 's/^/# /' "$out"
	check "event names pod, direction, reason and flow" grep -Eq \
		"^event dir=ingress pod=1 reason=deny-ingress proto=6 src=$CL4:[0-9]+ dst=$A4:80\$" \
		"$out"

	# A burst of denied datagrams beyond the limit: suppressed, counted.
	before=$(stat events-suppressed)
	kpol events 1000 30 >"$out" 2>&1 &
	pid=$!
	busywait "$BUSYWAIT_TIMEOUT" grep -q ready "$out"
	ip netns exec "$CLIENT" bash -c \
		"for i in {1..300}; do echo x >/dev/udp/$A4/80; done"
	check "events suppressed beyond the limit" busywait \
		"$BUSYWAIT_TIMEOUT" eval "[ \$(stat events-suppressed) -gt $before ]"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "# events received: $(grep -c '^event' "$out"), suppressed: $(( $(stat events-suppressed) - before ))"
	rm -f "$out"
	return $lret
}

# Malformed or impossible objects: refused with the documented errno, and
# nothing changes.
bad_requests()
{
	local lret=0 g addrs=() i

	ruleset || return $ksft_fail
	g=$(gen)
	check "unknown pod flag" kpol -x EOPNOTSUPP pod 5 flags 0x80
	check "except outside its block" \
		kpol -x EINVAL peerset 30 '10.0.0.0/16!10.1.0.0/24'
	check "except not longer than its block" \
		kpol -x EINVAL peerset 30 '10.0.0.0/16!10.0.0.0/16'
	check "host bits set" kpol -x EINVAL peerset 30 10.0.0.1/8
	check "LAST below FIRST" kpol -x EINVAL policy 30 ingress rule ports tcp:90-80
	check "protocol without ports" \
		kpol -x EPROTONOSUPPORT policy 30 ingress rule ports icmp
	check "direction out of range" kpol -x ERANGE policy 30 7
	check "port 0" kpol -x ERANGE policy 30 ingress rule ports tcp:0
	check "policies without isolation" kpol -x EINVAL pod 5 ingress 1
	check "duplicate policy id" \
		kpol -x EINVAL pod 5 isolate ingress ingress 1,1
	check "a prefix as pod address" kpol -x EINVAL pod 5 addr 10.0.9.0/24
	check "peer id zero" kpol -x EINVAL policy 30 ingress rule peers 0
	for i in $(seq 1 17); do
		addrs+=(addr "10.0.9.$i")
	done
	check "too many pod addresses" kpol -x ENOSPC pod 5 "${addrs[@]}"
	check_eq "generation unchanged" "$g" "$(gen)"
	return $lret
}

# Pods selected by as many policies as the module takes in each direction
# (KUBENF_MAX_POD_POLICIES, 1024): set, enforced (the one policy that
# admits the client is the last of them), and dumped whole although four
# such pods (16 kB each) cannot share one dump message; one policy more
# is refused and changes nothing.
pod_many_policies()
{
	local lret=0 cmds=() in eg g n

	for ((n = 1; n <= 1024; n++)); do
		cmds+=(-- policy $((1000 + n)) ingress rule peers 10 ports tcp:$((9000 + n)))
		cmds+=(-- policy $((3000 + n)) egress rule ports tcp:$((9000 + n)))
	done
	cmds+=(-- policy 2025 ingress rule peers 10 ports tcp:80)
	in=$(seq -s, 1002 2025)
	eg=$(seq -s, 3001 4024)
	for n in 4 5 6; do
		cmds+=(-- pod $n name t/x$n addr 10.0.9.$n isolate both
		       ingress "$in" egress "$eg")
	done
	ruleset peerset 10 name pods-c $C4 $C6 "${cmds[@]}" -- \
		pod 1 name t/a addr $A4 addr $A6 isolate both \
		ingress "$in" egress "$eg" || return $ksft_fail
	allow "$PC" tcp $A4 80 a
	deny "$PC" tcp $A4 81 deny-ingress
	deny "$CLIENT" tcp $A4 80 deny-ingress
	check "one pod went on in another message" eval \
		'kpol show pods | grep -q "^pod [1456] name=- "'
	check_eq "each dumped whole: 1024 + 1024 policy ids, in order" \
		"$(printf '%s\n' t/a t/x4 t/x5 t/x6 | sed 's|$| 1024 1024 1002 2025 3001 4024|')" \
		"$(kctl -o json pod show | jq -r '.[] | select(.ingress | length > 2) |
			[.name, (.ingress | length), (.egress | length),
			 .ingress[0], .ingress[-1], .egress[0], .egress[-1]] |
			join(" ")')"
	g=$(gen)
	check "1025 ingress policies are refused" \
		kpol -x ENOSPC pod 1 name t/a addr $A4 isolate ingress \
		ingress "$(seq -s, 1001 2025)"
	check_eq "generation unchanged" "$g" "$(gen)"
	allow "$PC" tcp $A4 80 a
	return $lret
}

# A transaction may name objects before it sets them.
txn_any_order()
{
	local lret=0

	ruleset || return $ksft_fail
	check "pod, then its policy, then the peerset" \
		kpol -t pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 120 -- \
		policy 120 ingress rule peers 21 ports tcp:80 -- \
		peerset 21 $C4
	allow "$PC" tcp $A4 80 a
	deny "$CLIENT" tcp $A4 80 deny-ingress
	return $lret
}

# Replacing a peerset, the policy using it and the pod over and over never
# opens or closes a window: the packet path sees whole generations.
update_no_window()
{
	local lret=0 pid i out fails=0 leaks=0

	ruleset peerset 22 $CL4 -- \
		policy 121 ingress rule peers 22 ports tcp:80 -- \
		pod 1 name t/a addr $A4 addr $A6 isolate ingress ingress 121 ||
		return $ksft_fail
	(
		for ((i = 0; i < 40; i++)); do
			kpol peerset 22 $CL4 "10.9.$i.1" &&
			kpol policy 121 ingress rule peers 22 ports tcp:80 &&
			kpol pod 1 name t/a addr $A4 addr $A6 isolate ingress \
				ingress 121 || exit 1
		done
	) &
	pid=$!
	for ((i = 0; i < 15; i++)); do
		out=$(probe "$CLIENT" tcp $A4 80)
		[ "$out" = a ] || { echo "# allowed flow: $out"; fails=$((fails + 1)); }
		out=$(WAIT_MS=500 probe "$PC" tcp $A4 80)
		[ "$out" = timeout ] || { echo "# denied flow: $out"; leaks=$((leaks + 1)); }
	done
	check "120 commits" wait "$pid"
	check_eq "allowed connections that failed" 0 "$fails"
	check_eq "denied connections that passed" 0 "$leaks"
	return $lret
}

kernel_log_clean()
{
	klog_check "$KLOG_MARK"
}

trap cleanup_all EXIT
require_root
checktool "ip -V" "run ip"
checktool "ss -V" "run ss"
find_helpers
require_kubenf
KLOG_MARK=$(klog_mark)
setup || skip_all "topology setup failed"
run_tests $TESTS
exit "$EXIT_STATUS"
