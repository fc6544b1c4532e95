#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kubenf-agent --from-file on the real module: the example cluster of
# policy/examples (node-1's view) programmed into a "node" namespace, with
# pods in namespaces of their own at the example addresses, routed (one
# veth each, /32 and /128 routes, as Calico does), so that Service traffic
# really goes through the node:
#
#   y/b (client)                 node (kubenf-agent)               x/a
#   10.244.1.22    ---veth---    10.244.0.1 on every veth  ---veth--- 10.244.1.11
#   fd00:10:244:1::22            fe80::1                             fd00:10:244:1::11
#                                routes: pod /32, /128  ---veth--- x/c
#                                                                   10.244.2.13
#                                                                   fd00:10:244:2::13
#
# Service x/web (10.96.0.10, fd00:96::10) port 80 -> x/a and x/c (x/b is
# terminating, a fallback only). x/a answers "x/a" on 80 and 81, x/c "x/c"
# on 80. NetworkPolicy (when the module enforces it): x/a admits ns y on
# port 80 only.
#
# Cases: --once programs the kernel and traffic flows; a changed file
# applies only the difference (unchanged services keep their counters, so
# they were not resent; generation +1); an identical run sends nothing; a
# bad object is logged and skipped; a syntax error changes nothing; YAML
# gives the same rules as JSON; the daemon follows file changes and
# repairs what another writer changed; killing it keeps the rules; a
# restarted agent adopts them without a change; a pod selected by more
# policies than the module takes denies all instead of being left open;
# the health endpoint turns 503 while the kernel refuses the agent's
# commits, and 200 again once they pass; LoadBalancer Services with
# externalTrafficPolicy Local get kube-proxy's health check node ports;
# whatever states the kernel went through, the same input leaves the same
# rule set in it.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

TESTS="once_applies traffic_via_vip policy_enforced identical_rerun
	change_applies_difference bad_object_skipped syntax_error_keeps_rules
	yaml_same_rules daemon_follows_files repairs_foreign_change
	kill_keeps_rules restart_adopts restart_during_streams kill9_mid_commit
	new_pod_under_deny pod_over_policy_limit health_follows_kernel
	health_check_node_ports sequences_converge"

PROBE_TIMEOUT=5
VIP4=10.96.0.10
VIP6=fd00:96::10
EXAMPLES=$KUBENF_REPO/policy/examples
AGENT_PID=

cleanup()
{
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	cleanup_all_ns
	[ -n "$WORK" ] && rm -rf "$WORK"
}

kctl()
{
	ip netns exec "$NODE" kubenfctl "$@"
}

info()
{
	kctl -o json info | jq -r "$1"
}

generation()
{
	info .generation
}

# agent ARGS...: kubenf-agent --once in the node namespace, its log in
# $WORK/log (and as diagnostics); its exit status.
agent()
{
	local rc

	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		"$@" >"$WORK/log" 2>&1
	rc=$?
	sed 's/^/# agent: /' "$WORK/log"
	return $rc
}

logged()
{
	grep -qF -- "$1" "$WORK/log"
}

# pod NS NAME ADDR4 ADDR6: a pod namespace on its own veth from the node.
pod()
{
	local ns=$1 dev=v$2

	ip -n "$NODE" link add "$dev" type veth peer name eth0 netns "$ns"
	ip -n "$NODE" addr add 10.244.0.1/32 dev "$dev"
	ip -n "$NODE" addr add fe80::1/64 dev "$dev" nodad
	ip -n "$NODE" link set "$dev" up
	ip -n "$NODE" route add "$3/32" dev "$dev"
	ip -n "$NODE" -6 route add "$4/128" dev "$dev"
	ip -n "$ns" addr add "$3/32" dev eth0
	ip -n "$ns" addr add "$4/128" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add 10.244.0.1 dev eth0 scope link
	ip -n "$ns" route add default via 10.244.0.1 dev eth0
	ip -n "$ns" -6 route add default via fe80::1 dev eth0
}

# serve NS NAME PORT ADDR...: answer NAME on TCP PORT of each ADDR.
serve()
{
	local ns=$1 name=$2 port=$3 a

	shift 3
	for a in "$@"; do
		local b=$a v=4

		[[ $a == *:* ]] && b="[$a]" v=6
		ip netns exec "$ns" socat TCP$v-LISTEN:"$port",bind="$b",fork,reuseaddr \
			SYSTEM:"echo $name" </dev/null >/dev/null 2>&1 &
	done
}

listening()
{
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q "$3"
}

# probe ADDR PORT: the reply to one connection from y/b, or the error.
probe()
{
	local addr=$1 port=$2

	[[ $addr == *:* ]] && addr="[$addr]"
	ip netns exec "$CLIENT" socat -T"$PROBE_TIMEOUT" -u \
		TCP:"$addr":"$port",connect-timeout="$PROBE_TIMEOUT" - 2>&1
}

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
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-agent-file.XXXXXX")
	mkdir "$WORK/objects"
	cp "$EXAMPLES/cluster.json" "$EXAMPLES/policies.json" "$WORK/objects/"
	setup_ns NODE CLIENT XA XC || return 1
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NODE" sysctl -qw net.ipv6.conf.all.forwarding=1
	pod "$CLIENT" yb 10.244.1.22 fd00:10:244:1::22
	pod "$XA" xa 10.244.1.11 fd00:10:244:1::11
	pod "$XC" xc 10.244.2.13 fd00:10:244:2::13
	serve "$XA" x/a 80 10.244.1.11 fd00:10:244:1::11
	serve "$XA" x/a 81 10.244.1.11
	serve "$XC" x/c 80 10.244.2.13 fd00:10:244:2::13
	busywait "$BUSYWAIT_TIMEOUT" listening "$XA" 80 fd00:10:244:1::11 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$XA" 81 10.244.1.11 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$XC" 80 fd00:10:244:2::13
}

once_applies()
{
	lret=$ksft_pass
	check "agent --once succeeds" agent --from-file "$WORK/objects" --once
	check "it logged the transaction" logged "applied generation 1: +3 services"
	check_eq "generation" 1 "$(generation)"
	check_eq "services" 3 "$(info .counts.services)"
	check_eq "cluster CIDRs" "10.244.0.0/16 fd00:10:244::/48" \
		"$(kctl -o json config show | jq -r '.cluster_cidrs | join(" ")')"
	check_eq "masquerade external" masq-external \
		"$(kctl -o json config show | jq -r '.flags | join(",")')"
	check_eq "node name" node-1 \
		"$(kctl -o json config show | jq -r .node_name)"
	return $lret
}

traffic_via_vip()
{
	local got

	got=$(replies 16 $VIP4 80)
	echo "# $VIP4:80 -> $got"
	[ "$got" = "x/a x/c " ] || return $ksft_fail
	got=$(replies 16 $VIP6 80)
	echo "# [$VIP6]:80 -> $got"
	[ "$got" = "x/a x/c " ]
}

# Only when the module holds the pods: x/a admits ns y on port 80 only.
policy_enforced()
{
	local out

	if [ "$(info .counts.pods)" != 6 ]; then
		SKIP_REASON="the module holds no pods (no NetworkPolicy support)"
		return $ksft_skip
	fi
	[ "$(probe 10.244.1.11 80)" = x/a ] || return $ksft_fail
	out=$(PROBE_TIMEOUT=2 probe 10.244.1.11 81)
	echo "# x/a:81 -> ${out:-nothing}"
	[ "$out" != x/a ]
}

identical_rerun()
{
	lret=$ksft_pass
	check "agent --once succeeds" agent --from-file "$WORK/objects" --once
	check "it adopted, nothing sent" logged "adopted generation 1: the kernel holds the desired rule set"
	check "no transaction" eval '! logged "applied generation"'
	check_eq "generation" 1 "$(generation)"
	return $lret
}

svc_conns()
{
	kctl -o json svc show | jq ".[] | select(.name == \"$1\") | .connections"
}

# y/front moves to port 8080 and x/extra appears: two services sent, the
# third (x/web/http, with connections counted) untouched.
change_applies_difference()
{
	local before after

	lret=$ksft_pass
	before=$(svc_conns x/web/http)
	echo "# x/web/http connections before: $before"
	[ "${before:-0}" -gt 0 ] || return $ksft_fail
	jq '(.items[] | select(.kind == "Service" and .metadata.name == "front")
		| .spec.ports[0].port) = 8080' "$EXAMPLES/cluster.json" \
		>"$WORK/objects/cluster.json"
	cat >"$WORK/objects/extra.json" <<-EOF
	{"apiVersion": "v1", "kind": "Service",
	 "metadata": {"name": "extra", "namespace": "x"},
	 "spec": {"clusterIP": "10.96.0.30", "clusterIPs": ["10.96.0.30"],
	          "selector": {"app": "web"},
	          "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}
	EOF
	check "agent --once succeeds" agent --from-file "$WORK/objects" --once
	check "only the difference" logged "applied generation 2: +1 service, ~1 service ("
	check_eq "generation" 2 "$(generation)"
	check_eq "services" 4 "$(info .counts.services)"
	after=$(svc_conns x/web/http)
	check_eq "x/web/http kept its counters (not resent)" "$before" "$after"
	check_eq "y/front on 8080" 8080 "$(kctl -o json svc show |
		jq '.[] | select(.name == "y/front/http") | .frontends[0].port')"
	return $lret
}

# Bad objects are named with their reason and left out. (The policy is in
# a namespace without pods here: an unreadable policy isolates the local
# pods of its namespace both ways, which the policy unit tests check.)
bad_object_skipped()
{
	lret=$ksft_pass
	cat >"$WORK/objects/bad.yaml" <<-EOF
	apiVersion: networking.k8s.io/v1
	kind: NetworkPolicy
	metadata: {name: broken, namespace: w}
	spec:
	  podSelector: {}
	  ingress:
	  - from: [{ipBlock: {cidr: not-a-cidr}}]
	---
	apiVersion: v1
	kind: Service
	metadata: {name: also-broken, namespace: z}
	spec:
	  clusterIP: 10.96.0.31
	  ports: [{name: p, port: 99999}]
	EOF
	check "agent --once succeeds" agent --from-file "$WORK/objects" --once
	check "the policy is named with its reason" \
		logged "skipped NetworkPolicy w/broken: spec.ingress[0].from[0].ipBlock.cidr"
	check "the service too" logged "skipped Service z/also-broken: "
	check "the rest stands: nothing to apply" logged "adopted generation 2"
	check_eq "generation" 2 "$(generation)"
	rm -f "$WORK/objects/bad.yaml"
	return $lret
}

syntax_error_keeps_rules()
{
	lret=$ksft_pass
	echo '{"kind": "List", "items": [' >"$WORK/objects/zz-broken.json"
	agent --from-file "$WORK/objects" --once
	check_eq "exit status" 1 "$?"
	check "the file and place are named" logged "zz-broken.json:"
	check_eq "generation" 2 "$(generation)"
	rm -f "$WORK/objects/zz-broken.json"
	return $lret
}

# The same objects as YAML documents: the same rule set, nothing to apply.
yaml_same_rules()
{
	lret=$ksft_pass
	if ! python3 -c 'import yaml' 2>/dev/null; then
		SKIP_REASON="no python3 yaml module to write the YAML with"
		return $ksft_skip
	fi
	mkdir -p "$WORK/yaml"
	for f in "$WORK"/objects/*.json; do
		python3 -c 'import json, sys, yaml
doc = json.load(open(sys.argv[1]))
yaml.safe_dump_all(doc.get("items", [doc]), sys.stdout)' "$f" \
			>"$WORK/yaml/$(basename "$f" .json).yaml" || return $ksft_fail
	done
	check "agent --once on YAML succeeds" agent --from-file "$WORK/yaml" --once
	check "same rules: nothing to apply" logged "adopted generation 2"
	check_eq "generation" 2 "$(generation)"
	return $lret
}

gen_is()
{
	[ "$(generation)" = "$1" ]
}

agent_says()
{
	grep -qF -- "$1" "$WORK/daemon.log"
}

# The daemon adopts, then applies each change of the files.
daemon_follows_files()
{
	lret=$ksft_pass
	ip netns exec "$NODE" kubenf-agent --node-name node-1 --resync 1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "it adopted" busywait "$BUSYWAIT_TIMEOUT" agent_says "adopted generation 2"
	rm "$WORK/objects/extra.json"
	check "a removed file is applied" busywait "$BUSYWAIT_TIMEOUT" gen_is 3
	check "as one deletion" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "applied generation 3: -1 service ("
	cp "$EXAMPLES/cluster.json" "$WORK/objects/cluster.json.tmp"
	mv "$WORK/objects/cluster.json.tmp" "$WORK/objects/cluster.json"
	check "a replaced file is applied" busywait "$BUSYWAIT_TIMEOUT" gen_is 4
	check "y/front back on 80" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "applied generation 4: ~1 service ("
	sed 's/^/# agent: /' "$WORK/daemon.log"
	return $lret
}

# Someone deletes a service behind the agent's back: it is put back.
repairs_foreign_change()
{
	local id

	lret=$ksft_pass
	id=$(kctl -o json svc show | jq '.[] | select(.name == "x/web/http") | .id')
	# Generation 5 (the agent may have repaired it already: no check).
	check "kubenfctl deletes x/web/http" kctl svc del "$id"
	check "the agent notices" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "the kernel's rule set is not the one we applied"
	check "and puts it back" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "applied generation 6: +1 service ("
	check_eq "traffic" "x/a x/c " "$(replies 16 $VIP4 80)"
	tail -2 "$WORK/daemon.log" | sed 's/^/# agent: /'
	return $lret
}

# SIGKILL at any moment: the kernel keeps enforcing the last rules.
kill_keeps_rules()
{
	lret=$ksft_pass
	kill -9 "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	check_eq "generation" 6 "$(generation)"
	check_eq "services" 3 "$(info .counts.services)"
	check_eq "traffic" "x/a x/c " "$(replies 16 $VIP4 80)"
	return $lret
}

restart_adopts()
{
	lret=$ksft_pass
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "it adopted" busywait "$BUSYWAIT_TIMEOUT" agent_says "adopted generation 6: the kernel holds the desired rule set"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	check_eq "SIGTERM exits 0" 0 "$?"
	AGENT_PID=
	check "it said so" agent_says "exiting on Terminated; the kernel keeps generation 6"
	check "nothing sent" eval '! agent_says "applied generation"'
	check_eq "generation" 6 "$(generation)"
	check_eq "traffic" "x/a x/c " "$(replies 16 $VIP4 80)"
	sed 's/^/# agent: /' "$WORK/daemon.log"
	return $lret
}

# stream PROTO ADDR PORT N: from y/b, N messages 0.1 s apart on one
# connection (TCP) or flow (UDP) to an echo server; prints "sent N got M"
# or the error that ended it. Each answer may take 2 s (times
# KUBENF_TIMEOUT_SCALE: the echo server forks a process for the first).
stream()
{
	ip netns exec "$CLIENT" python3 -c '
import socket, sys, time
proto, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(2 * int(sys.argv[5]))
got = 0
try:
    s.connect((addr, port))
    for i in range(n):
        s.send(b"%05d\n" % i)
        if s.recv(64):
            got += 1
        time.sleep(0.1)
    print("sent %d got %d" % (n, got))
except OSError as e:
    print("after %d: %s" % (got, e))
' "$@" "$KUBENF_TIMEOUT_SCALE"
}

# The agent is killed and restarted while a TCP connection and a UDP flow
# run and while y/b keeps trying a port x/a denies: the streams lose
# nothing and are not reset, and the denied port never answers.
restart_during_streams()
{
	local tcp udp denied=0 tries=0

	lret=$ksft_pass
	ip netns exec "$XC" socat TCP4-LISTEN:9000,bind=10.244.2.13,fork,reuseaddr \
		EXEC:cat </dev/null >/dev/null 2>&1 &
	ip netns exec "$XC" socat UDP4-LISTEN:9000,bind=10.244.2.13,fork,reuseaddr \
		EXEC:cat </dev/null >/dev/null 2>&1 &
	busywait "$BUSYWAIT_TIMEOUT" listening "$XC" 9000 10.244.2.13 ||
		return $ksft_fail
	stream tcp 10.244.2.13 9000 80 >"$WORK/tcp.out" &
	tcp=$!
	stream udp 10.244.2.13 9000 80 >"$WORK/udp.out" &
	udp=$!
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "adopted" busywait "$BUSYWAIT_TIMEOUT" agent_says "adopted generation"
	kill -9 "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	while kill -0 "$tcp" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$(PROBE_TIMEOUT=1 probe 10.244.1.11 81)" = x/a ] &&
			denied=$((denied + 1))
	done
	wait "$tcp" "$udp"
	check "adopted again" agent_says "adopted generation"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=
	echo "# tcp: $(cat "$WORK/tcp.out"); udp: $(cat "$WORK/udp.out")"
	echo "# x/a:81 answered $denied of $tries tries"
	check_eq "TCP stream" "sent 80 got 80" "$(cat "$WORK/tcp.out")"
	check_eq "UDP stream" "sent 80 got 80" "$(cat "$WORK/udp.out")"
	check_eq "the denied port never answered" 0 "$denied"
	check "it was tried" [ "$tries" -gt 0 ]
	return $lret
}

# many_services N: a List of N more Services of namespace x, each with a
# cluster IP and an endpoint, so that one commit takes many messages.
many_services()
{
	jq -n --argjson n "$1" '{apiVersion: "v1", kind: "List", items: [
		range($n) as $i | ("many-\($i)") as $name |
		("10.97.\($i / 256 | floor).\($i % 256)") as $ip |
		{apiVersion: "v1", kind: "Service",
		 metadata: {name: $name, namespace: "x"},
		 spec: {clusterIP: $ip, clusterIPs: [$ip],
			ports: [{name: "http", port: 80, protocol: "TCP"}]}},
		{apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
		 metadata: {name: "\($name)-1", namespace: "x",
			    labels: {"kubernetes.io/service-name": $name}},
		 addressType: "IPv4",
		 ports: [{name: "http", port: 80, protocol: "TCP"}],
		 endpoints: [{addresses: ["10.244.9.\($i % 250 + 1)"],
			      nodeName: "node-2"}]}]}'
}

# SIGKILL at every point of a long commit (400 Services more, one message
# each): after each kill the kernel holds the old rule set or the new one,
# never a part of it. Then a run to the end, and one removing them again.
kill9_mid_commit()
{
	local gen old new d pid g n saw_old=0 saw_new=0

	lret=$ksft_pass
	gen=$(generation)
	old=$(info .counts.services)
	new=$((old + 400))
	many_services 400 >"$WORK/objects/many.json"
	for d in 0 0.02 0.05 0.1 0.15 0.2 0.3 0.4 0.6 0.8 1 1.5 2 3 4; do
		ip netns exec "$NODE" kubenf-agent --once --node-name node-1 \
			--cluster-cidr 10.244.0.0/16 --from-file "$WORK/objects" \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		g=$(generation)
		n=$(info .counts.services)
		if [ "$g" = "$gen" ] && [ "$n" = "$old" ]; then
			saw_old=$((saw_old + 1))
		elif [ "$g" = $((gen + 1)) ] && [ "$n" = "$new" ]; then
			saw_new=$((saw_new + 1))
			break
		else
			echo "# killed after $d s: generation $g, $n services"
			lret=$ksft_fail
		fi
	done
	echo "# kills that left the old set: $saw_old, the new one: $saw_new"
	check "some kill landed before the commit" [ "$saw_old" -gt 0 ]
	check "a run to the end" agent --once --from-file "$WORK/objects"
	check_eq "all of it" "$new" "$(info .counts.services)"
	check_eq "traffic" "x/a x/c " "$(replies 16 $VIP4 80)"
	rm "$WORK/objects/many.json"
	check "and back" agent --once --from-file "$WORK/objects"
	check_eq "services" "$old" "$(info .counts.services)"
	return $lret
}

# A pod is created in x, which denies all ingress but to x/a, while y/b
# keeps dialling its address. Its network is up before the agent hears of
# it. Without --pod-cidr it answers in that window (what the case also
# shows); with it, it never answers, before or after its rules arrive.
new_pod_under_deny()
{
	local hits loop

	lret=$ksft_pass
	setup_ns XN || return $ksft_fail
	pod "$XN" xn 10.244.1.50 fd00:10:244:1::50
	serve "$XN" x/new 80 10.244.1.50
	check "x/new serves" busywait "$BUSYWAIT_TIMEOUT" listening "$XN" 80 10.244.1.50
	check_eq "open before the agent knows it (no --pod-cidr)" x/new \
		"$(PROBE_TIMEOUT=2 probe 10.244.1.50 80)"
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--pod-cidr 10.244.1.0/24 --pod-cidr fd00:10:244:1::/64 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "the pod CIDRs are set" busywait "$BUSYWAIT_TIMEOUT" eval \
		'kctl -o json config show | jq -e ".pod_cidrs | length == 2" >/dev/null'
	# Before its pod object exists: denied as an unknown pod.
	check_eq "unknown, denied" "" \
		"$(PROBE_TIMEOUT=2 probe 10.244.1.50 80 | grep x/new)"
	check "counted as unknown-pod" eval \
		'[ "$(kctl -o json stats | jq ".drops.\"unknown-pod\" // 0")" -gt 0 ]'
	rm -f "$WORK/stop" "$WORK/hits" "$WORK/tries"
	while [ ! -e "$WORK/stop" ]; do
		[ "$(PROBE_TIMEOUT=1 probe 10.244.1.50 80)" = x/new ] &&
			echo hit >>"$WORK/hits"
		echo try >>"$WORK/tries"
	done &
	loop=$!
	jq -n '{apiVersion: "v1", kind: "Pod",
		metadata: {name: "new", namespace: "x", labels: {pod: "new"}},
		spec: {nodeName: "node-1", containers: [{name: "c",
			ports: [{containerPort: 80, protocol: "TCP"}]}]},
		status: {phase: "Running", podIP: "10.244.1.50",
			 podIPs: [{ip: "10.244.1.50"}]}}' >"$WORK/objects/new.json"
	check "x/new is programmed" busywait "$BUSYWAIT_TIMEOUT" eval \
		'kctl -o json pod show | jq -e "any(.[]; .name == \"x/new\")" >/dev/null'
	touch "$WORK/stop"
	wait "$loop"
	hits=0
	[ -e "$WORK/hits" ] && hits=$(wc -l <"$WORK/hits")
	echo "# y/b -> x/new: $hits answers in $(wc -l <"$WORK/tries") tries"
	check_eq "never open" 0 "$hits"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=
	rm "$WORK/objects/new.json"
	check "back without the pod and the pod CIDRs" \
		agent --once --from-file "$WORK/objects"
	return $lret
}

# x/a selected by 1,100 NetworkPolicies, more than the module takes for one
# pod (KUBENF_MAX_POD_POLICIES): the kernel refuses the pod, and the agent
# keeps it isolated with no policy rather than leaving it out (a pod the
# module does not know is open). Every policy admits port 80 only: port 81
# must stay closed, and 80 is closed too while the pod denies everything.
pod_over_policy_limit()
{
	local out

	lret=$ksft_pass
	if [ "$(info .counts.pods)" = 0 ]; then
		SKIP_REASON="the module holds no pods (no NetworkPolicy support)"
		return $ksft_skip
	fi
	jq -n '{apiVersion: "v1", kind: "List", items: [range(1100) | {
		apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy",
		metadata: {name: "many-\(.)", namespace: "x"},
		spec: {podSelector: {matchLabels: {pod: "a", app: "web"}},
		       policyTypes: ["Ingress"],
		       ingress: [{from: [{namespaceSelector: {}}],
				  ports: [{port: 80, protocol: "TCP"}]}]}}]}' \
		>"$WORK/objects/many.json"
	check "applied" agent --once --from-file "$WORK/objects"
	check "the refusal is logged as an error" eval \
		'grep -q "error: kernel refused pod .* \"x/a\": .*; it denies all traffic in its isolated directions instead" "$WORK/log"'
	check "x/a is in the kernel, isolated, with no policy" eval \
		'kctl -o json pod show | jq -e "any(.[]; .name == \"x/a\" and
			(.flags | index(\"ingress-isolated\")) and
			(.ingress | length) == 0)" >/dev/null'
	out=$(PROBE_TIMEOUT=2 probe 10.244.1.11 81)
	echo "# x/a:81 -> ${out:-nothing}"
	check "x/a:81, admitted by no policy, stays closed" [ "$out" != x/a ]
	out=$(PROBE_TIMEOUT=2 probe 10.244.1.11 80)
	echo "# x/a:80 -> ${out:-nothing}"
	check "x/a:80 closed while x/a denies all" [ "$out" != x/a ]
	rm "$WORK/objects/many.json"
	check "back to the example policies" agent --once --from-file "$WORK/objects"
	check_eq "x/a:80 open again" x/a "$(probe 10.244.1.11 80)"
	return $lret
}

# The health endpoint (--healthz-bind-address): ready once the kernel holds
# the files' rules; while another writer holds a transaction open, every
# commit of the agent fails (EBUSY): past --healthz-timeout the agent says
# 503, with the reason, keeps running and keeps the kernel's rules; once
# the transaction is gone it applies the change and says 200 again.
health_follows_kernel()
{
	local gen hold_pid timeout=$((3 * KUBENF_TIMEOUT_SCALE))

	lret=$ksft_pass
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" --healthz-timeout "$timeout" \
		--healthz-bind-address 127.0.0.1:10256 >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "ready once it adopted" busywait "$BUSYWAIT_TIMEOUT" \
		agent_health_is "$NODE" readyz 200
	check "healthy" agent_health_is "$NODE" healthz 200
	gen=$(generation)
	echo "# $(agent_health "$NODE" healthz)"
	check_eq "it reports the kernel's generation" "$gen" \
		"$(jq .generation "$WORK/health.json")"

	"$KUBENF_CFG" -n "/run/netns/$NODE" hold >"$WORK/hold" 2>&1 &
	hold_pid=$!
	check "another writer holds a transaction open" \
		busywait "$BUSYWAIT_TIMEOUT" grep -q open "$WORK/hold"
	sed 's/^/# kubenf_cfg: /' "$WORK/hold"
	jq '.items |= map(select(.kind == "Service" and
				 .metadata.name == "web") |
			  .metadata.name = "web2" |
			  .spec.clusterIP = "10.96.0.12" |
			  .spec.clusterIPs = ["10.96.0.12"] |
			  .spec.ipFamilies = ["IPv4"] |
			  .spec.ipFamilyPolicy = "SingleStack")' \
		"$EXAMPLES/cluster.json" >"$WORK/web2.json"
	mv "$WORK/web2.json" "$WORK/objects/"
	check "the agent's commits fail" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "a transaction is already open"
	check "503 once the change waited over ${timeout} s" \
		busywait "$BUSYWAIT_TIMEOUT" agent_health_is "$NODE" healthz 503
	echo "# $(agent_health "$NODE" healthz)"
	check "saying why" jq -e '(.reason | test("waited [0-9]+ s")) and
		(.lastError | test("a transaction is already open")) and
		.failedSyncs > 0 and .ready == false' "$WORK/health.json"
	check "not ready either" agent_health_is "$NODE" readyz 503
	check "the agent runs on" kill -0 "$AGENT_PID"
	check_eq "the kernel keeps its rules" "$gen" "$(generation)"

	kill "$hold_pid"
	wait "$hold_pid" 2>/dev/null
	check "200 again once the kernel takes the change" \
		busywait "$BUSYWAIT_TIMEOUT" agent_health_is "$NODE" healthz 200
	check "ready" agent_health_is "$NODE" readyz 200
	echo "# $(agent_health "$NODE" healthz)"
	check_eq "the change is in" "$((gen + 1))" "$(generation)"
	check_eq "it reports that generation" "$((gen + 1))" \
		"$(jq .generation "$WORK/health.json")"
	check "lastUpdated is set" jq -e '.lastUpdated | test("Z$")' \
		"$WORK/health.json"
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=
	rm "$WORK/objects/web2.json"
	sed 's/^/# agent: /' "$WORK/daemon.log"
	return $lret
}

# lb_objects NAME HC_PORT IP NODE:ADDR...: a LoadBalancer Service x/NAME
# (externalTrafficPolicy Local, healthCheckNodePort HC_PORT, cluster IP IP)
# and its EndpointSlice with a ready endpoint ADDR on NODE for each
# argument.
lb_objects()
{
	local name=$1 port=$2 ip=$3 eps=() e

	shift 3
	for e in "$@"; do
		eps+=("{\"addresses\": [\"${e#*:}\"], \"nodeName\": \"${e%%:*}\",
			\"conditions\": {\"ready\": true}}")
	done
	jq -n --arg name "$name" --argjson hc "$port" --arg ip "$ip" \
		--argjson eps "[$(IFS=,; echo "${eps[*]}")]" '{
		apiVersion: "v1", kind: "List", items: [
		{apiVersion: "v1", kind: "Service",
		 metadata: {namespace: "x", name: $name},
		 spec: {type: "LoadBalancer", clusterIP: $ip, clusterIPs: [$ip],
			ipFamilies: ["IPv4"], externalTrafficPolicy: "Local",
			healthCheckNodePort: $hc,
			ports: [{name: "http", protocol: "TCP", port: 80,
				 nodePort: ($hc - 2000)}]}},
		{apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
		 metadata: {namespace: "x", name: "\($name)-1",
			    labels: {"kubernetes.io/service-name": $name}},
		 addressType: "IPv4",
		 ports: [{name: "http", protocol: "TCP", port: 80}],
		 endpoints: $eps}]}'
}

# hc_get PORT [NS]: kube-proxy's health check of a Service, from the node
# (or NS, through the node's address), as "<status> <body>".
hc_get()
{
	local ns=${2:-$NODE} addr=127.0.0.1

	[ "$ns" != "$NODE" ] && addr=10.244.0.1
	ip netns exec "$ns" curl -s -m 5 -D "$WORK/hc.headers" \
		-o "$WORK/hc.json" -w '%{http_code}' "http://$addr:$1/"
	echo " $(cat "$WORK/hc.json" 2>/dev/null)"
}

hc_is()
{
	[[ $(hc_get "$1") == "$2 "* ]]
}

hc_closed()
{
	! ip netns exec "$NODE" curl -s -m 5 -o /dev/null "http://127.0.0.1:$1/"
}

# LoadBalancer Services with externalTrafficPolicy Local: the node answers
# on their healthCheckNodePort how many ready endpoints it has (200, or
# 503 with none), as kube-proxy does, following the files.
health_check_node_ports()
{
	local out

	lret=$ksft_pass
	lb_objects lb 32100 10.96.0.30 node-1:10.244.1.11 node-2:10.244.2.13 \
		>"$WORK/objects/lb.json"
	lb_objects remote 32101 10.96.0.31 node-2:10.244.2.13 \
		>"$WORK/objects/remote.json"
	ip netns exec "$NODE" kubenf-agent --node-name node-1 \
		--cluster-cidr 10.244.0.0/16 --cluster-cidr fd00:10:244::/48 \
		--from-file "$WORK/objects" >"$WORK/daemon.log" 2>&1 &
	AGENT_PID=$!
	check "one local endpoint: 200" busywait "$BUSYWAIT_TIMEOUT" \
		hc_is 32100 200
	out=$(hc_get 32100)
	echo "# $out"
	check_eq "the answer" '200 {"service":{"namespace":"x","name":"lb"},"localEndpoints":1,"serviceProxyHealthy":true}' "$out"
	check "its weight" grep -qi "^X-Load-Balancing-Endpoint-Weight: 1" \
		"$WORK/hc.headers"
	check "from outside the node too" eval \
		'[[ $(hc_get 32100 "$CLIENT") == "200 "* ]]'
	out=$(hc_get 32101)
	echo "# $out"
	check "no local endpoint: 503" eval '[[ $out == "503 "*"\"localEndpoints\":0,"* ]]'

	lb_objects remote 32101 10.96.0.31 node-2:10.244.2.13 \
		node-1:10.244.1.11 >"$WORK/remote.json"
	mv "$WORK/remote.json" "$WORK/objects/remote.json"
	check "an endpoint moves in: 200" busywait "$BUSYWAIT_TIMEOUT" \
		hc_is 32101 200
	echo "# $(hc_get 32101)"
	rm "$WORK/objects/lb.json" "$WORK/objects/remote.json"
	check "the Services gone: ports closed" busywait "$BUSYWAIT_TIMEOUT" \
		eval 'hc_closed 32100 && hc_closed 32101'
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	AGENT_PID=
	sed 's/^/# agent: /' "$WORK/daemon.log"
	return $lret
}

# snapshot NAME: everything the kernel holds but counters, in
# $WORK/NAME.snap.
snapshot()
{
	local what

	for what in config svc peerset policy pod; do
		echo "== $what"
		kctl -o json "$what" show | jq -S 'walk(if type == "object"
			then del(.connections, .bytes, .packets) else . end)'
	done >"$WORK/$1.snap"
}

# Input states as directories under $WORK/states: A the examples; B a
# Service port fewer, one Service more, one policy only; C no Services;
# E nothing at all.
make_states()
{
	local d=$WORK/states

	mkdir -p "$d/A" "$d/B" "$d/C" "$d/E"
	cp "$EXAMPLES/cluster.json" "$EXAMPLES/policies.json" "$d/A/"
	jq '.items |= map(if .kind == "Service" and .metadata.name == "web"
			  then .spec.ports |= .[:1] else . end) |
	    .items += [{apiVersion: "v1", kind: "Service",
			metadata: {namespace: "x", name: "extra"},
			spec: {clusterIP: "10.96.0.40", clusterIPs: ["10.96.0.40"],
			       selector: {pod: "a"},
			       ports: [{port: 8080, protocol: "TCP"}]}}]' \
		"$EXAMPLES/cluster.json" >"$d/B/cluster.json"
	jq '.items |= .[:1]' "$EXAMPLES/policies.json" >"$d/B/policies.json"
	jq '.items |= map(select(.kind != "Service" and
				 .kind != "EndpointSlice"))' \
		"$EXAMPLES/cluster.json" >"$d/C/cluster.json"
	cp "$EXAMPLES/policies.json" "$d/C/"
	echo '{"apiVersion": "v1", "kind": "List", "items": []}' \
		>"$d/E/empty.json"
}

# The agent applies differences; whatever the kernel held before, the
# same input must leave the same rule set (Calico's state-sequence
# expansion): state A reached from nothing, from B, from C, through an
# empty kernel, in reversed and interleaved orders.
sequences_converge()
{
	local seq s n=0

	lret=$ksft_pass
	make_states
	check "from nothing to E" agent --once --from-file "$WORK/states/E"
	check_eq "E leaves nothing" "0 0 0 0" \
		"$(info '[.counts.services, .counts.peersets, .counts.policies, .counts.pods] | join(" ")')"
	check "from E to A" agent --once --from-file "$WORK/states/A"
	snapshot reference
	check "A is not empty" grep -q '"x/web/http"' "$WORK/reference.snap"
	for seq in "B A" "C A" "E A" "A B A" "B C E A" "C B A" "E B C A" \
		   "B E C A" "A C B A"; do
		n=$((n + 1))
		for s in $seq; do
			agent --once --from-file "$WORK/states/$s" >/dev/null ||
				{ check "sequence $seq: state $s applies" false; break; }
		done
		snapshot "seq$n"
		check "$seq: the same rule set as A alone" \
			cmp -s "$WORK/reference.snap" "$WORK/seq$n.snap" ||
			diff "$WORK/reference.snap" "$WORK/seq$n.snap" | head -20 |
			sed 's/^/# /'
	done
	check "back to the suite's files" agent --once --from-file "$WORK/objects"
	return $lret
}

trap cleanup EXIT
require_root
checktool "socat -V" "run socat"
checktool "jq --version" "run jq"
checktool "curl --version" "run curl"
checktool "kubenf-agent --version" "run kubenf-agent"
checktool "kubenfctl --version" "run kubenfctl"
require_kubenf
setup || skip_all "topology setup failed"
run_tests $TESTS
exit "$EXIT_STATUS"
