#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kubenf-agent against an API server (selftests/fake_apiserver.py, started
# in the node namespace on 127.0.0.1:6443, serving the example cluster of
# policy/examples) on the real module, with the pods of agent_file.sh:
#
#   y/b (client) ---veth--- node (agent, fake API server) ---veth--- x/a
#   10.244.1.22                                          ---veth--- x/c
#
# Cases: the first complete list is programmed and traffic flows; an
# EndpointSlice update is applied; a relist after "410 Gone" changes
# nothing in the kernel; a hung watch is detected and the update behind it
# still arrives; --once against the API; a restarted agent adopts; the API
# server going away leaves the rules in place; a relist answered from a
# lagging view does not roll the kernel back, not even after an agent
# restart; an agent that cannot list pods is healthy but not ready; --once
# without an API server fails with the reason.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

TESTS="api_sync endpoint_update relist_no_churn hung_watch once_api
	restart_adopts api_errors_keep_rules policy_deleted_while_down
	stale_view_no_rollback stale_view_after_restart health_while_listing
	api_down_keeps_rules once_without_api"

PROBE_TIMEOUT=5
VIP4=10.96.0.10
EXAMPLES=$KUBENF_REPO/policy/examples
FAKE=$KSFT_DIR/fake_apiserver.py
API=http://127.0.0.1:6443
AGENT_PID=
FAKE_PID=

cleanup()
{
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
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
	kctl -o json info | jq -r .generation
}

gen_is()
{
	[ "$(generation)" = "$1" ]
}

pod()
{
	local ns=$1 dev=v$2

	ip -n "$NODE" link add "$dev" type veth peer name eth0 netns "$ns"
	ip -n "$NODE" addr add 10.244.0.1/32 dev "$dev"
	ip -n "$NODE" link set "$dev" up
	ip -n "$NODE" route add "$3/32" dev "$dev"
	ip -n "$ns" addr add "$3/32" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add 10.244.0.1 dev eth0 scope link
	ip -n "$ns" route add default via 10.244.0.1 dev eth0
}

serve()
{
	ip netns exec "$1" socat TCP4-LISTEN:80,bind="$3",fork,reuseaddr \
		SYSTEM:"echo $2" </dev/null >/dev/null 2>&1 &
}

listening()
{
	ip netns exec "$1" ss -Hltn "sport = :80" | grep -q "$2"
}

probe()
{
	ip netns exec "$CLIENT" socat -T"$PROBE_TIMEOUT" -u \
		TCP:"$1":"$2",connect-timeout="$PROBE_TIMEOUT" - 2>&1
}

replies()
{
	local n=$1 i

	shift
	for ((i = 0; i < n; i++)); do
		probe "$@"
	done | sort -u | tr '\n' ' '
}

# fake PATH [JSON]: a control request to the fake API server.
fake()
{
	local body=${2:-'{}'}

	ip netns exec "$NODE" curl -sf -X POST -d "$body" "$API$1" >/dev/null
}

fake_up()
{
	ip netns exec "$NODE" curl -sf "$API/fake/stats" >/dev/null
}

fake_start()
{
	ip netns exec "$NODE" python3 "$FAKE" --port 6443 --token t0k3n \
		--state "$EXAMPLES/cluster.json" \
		--state "$EXAMPLES/policies.json" >"$WORK/fake.out" 2>&1 &
	FAKE_PID=$!
	busywait "$BUSYWAIT_TIMEOUT" fake_up
}

agent_start()
{
	ip netns exec "$NODE" kubenf-agent -v --node-name node-1 \
		--kubeconfig "$WORK/kubeconfig" --cluster-cidr 10.244.0.0/16 \
		--watch-idle-timeout 2 --sync-delay 50 \
		--resource-version-file "$WORK/rv" "$@" \
		>"$WORK/agent.log" 2>&1 &
	AGENT_PID=$!
}

agent_stop()
{
	[ -z "$AGENT_PID" ] && return 0
	kill "-${1:-TERM}" "$AGENT_PID"
	wait "$AGENT_PID"
	local rc=$?
	AGENT_PID=
	sed 's/^/# agent: /' "$WORK/agent.log" | grep -v 'no data within'
	return $rc
}

agent_says()
{
	grep -qF -- "$1" "$WORK/agent.log"
}

# count TEXT: lines of the agent's log holding TEXT.
count()
{
	grep -cF -- "$1" "$WORK/agent.log"
}

count_above()
{
	[ "$(count "$1")" -gt "$2" ]
}

# y/b gets no answer from x/a through the VIP (the policy admitting it is
# gone).
vip_denied()
{
	[[ "$(PROBE_TIMEOUT=2 replies 2 $VIP4 80)" != *x/a* ]]
}

# Watches of NetworkPolicies the fake API server was asked for.
np_watches()
{
	ip netns exec "$NODE" curl -sf "$API/fake/stats" |
		jq '[.requests[] | select(.op == "watch" and
			(.path | endswith("/networkpolicies")))] | length'
}

np_watches_above()
{
	[ "$(np_watches)" -gt "$1" ]
}

setup()
{
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-agent-api.XXXXXX")
	cat >"$WORK/kubeconfig" <<-EOF
	apiVersion: v1
	kind: Config
	current-context: fake
	clusters:
	- name: fake
	  cluster: {server: "$API"}
	contexts:
	- name: fake
	  context: {cluster: fake, user: agent}
	users:
	- name: agent
	  user: {token: t0k3n}
	EOF
	setup_ns NODE CLIENT XA XC || return 1
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	pod "$CLIENT" yb 10.244.1.22
	pod "$XA" xa 10.244.1.11
	pod "$XC" xc 10.244.2.13
	serve "$XA" x/a 10.244.1.11
	serve "$XC" x/c 10.244.2.13
	busywait "$BUSYWAIT_TIMEOUT" listening "$XA" 10.244.1.11 &&
	busywait "$BUSYWAIT_TIMEOUT" listening "$XC" 10.244.2.13 &&
	fake_start
}

api_sync()
{
	lret=$ksft_pass
	agent_start
	check "the first complete view is applied" \
		busywait "$BUSYWAIT_TIMEOUT" agent_says "applied generation 1: +3 services"
	check "after every kind was listed" agent_says "pods: listed 10"
	check_eq "traffic through the VIP" "x/a x/c " "$(replies 16 $VIP4 80)"
	return $lret
}

# x/c leaves the IPv4 EndpointSlice: both ports of x/web change.
endpoint_update()
{
	local slice

	lret=$ksft_pass
	slice=$(jq -c '.items[] | select(.kind == "EndpointSlice" and
		.metadata.name == "web-v4") |
		.endpoints |= map(select(.nodeName == "node-1"))' \
		"$EXAMPLES/cluster.json")
	check "the update is posted" fake /fake/objects "$slice"
	check "and applied" busywait "$BUSYWAIT_TIMEOUT" gen_is 2
	check "as a change of two services" agent_says "applied generation 2: ~2 services ("
	check_eq "traffic" "x/a " "$(replies 8 $VIP4 80)"
	return $lret
}

# 410 Gone on every watch: everything is listed again, nothing changes.
relist_no_churn()
{
	local before

	lret=$ksft_pass
	before=$(count "in sync at generation 2")
	check "expire" fake /fake/expire
	check "relisted" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "watch pods: resourceVersion"
	check "compared again" busywait "$BUSYWAIT_TIMEOUT" \
		count_above "in sync at generation 2" "$before"
	check_eq "generation" 2 "$(generation)"
	return $lret
}

# The services watch hangs; the new Service arrives once that is seen.
hung_watch()
{
	lret=$ksft_pass
	check "arm" fake /fake/fault '{"op": "watch", "resource": "services", "hang": true}'
	check "drop the watches" fake /fake/close
	check "post a Service" fake /fake/objects '{"apiVersion": "v1",
		"kind": "Service", "metadata": {"name": "new", "namespace": "x"},
		"spec": {"clusterIP": "10.96.0.99", "clusterIPs": ["10.96.0.99"],
		"selector": {"app": "web"},
		"ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}'
	check "applied all the same" busywait "$BUSYWAIT_TIMEOUT" gen_is 3
	check "the hung watch was restarted" agent_says "watch services: no data within the idle timeout"
	check "as one new service" agent_says "applied generation 3: +1 service ("
	return $lret
}

once_api()
{
	local out

	lret=$ksft_pass
	out=$(ip netns exec "$NODE" kubenf-agent --once --node-name node-1 \
		--kubeconfig "$WORK/kubeconfig" --cluster-cidr 10.244.0.0/16 2>&1)
	check_eq "exit status" 0 "$?"
	echo "$out" | sed 's/^/# once: /'
	check "nothing to apply" eval 'grep -q "adopted generation 3: the kernel holds the desired rule set" <<<"$out"'
	check_eq "generation" 3 "$(generation)"
	return $lret
}

restart_adopts()
{
	lret=$ksft_pass
	agent_stop KILL
	check_eq "rules kept" 3 "$(generation)"
	agent_start
	check "adopted" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "adopted generation 3: the kernel holds the desired rule set"
	check "nothing sent" eval '! agent_says "applied generation"'
	return $lret
}

# The API server answers 429 and 503 to every list for a while, the
# history behind the watches gone: the agent logs, backs off and relists;
# the kernel keeps its rules (an error is never an empty view) and nothing
# is sent once it recovers. (Watch errors: policy_deleted_while_down.)
api_errors_keep_rules()
{
	local gen before

	lret=$ksft_pass
	gen=$(generation)
	before=$(count "in sync at generation $gen")
	check "arm 429" fake /fake/fault '{"op": "list", "resource": "*", "status": 429, "count": 3}'
	check "arm 503" fake /fake/fault '{"op": "list", "resource": "*", "status": 503, "count": 3}'
	# A change the watches never see (the headless z/db has no kernel
	# object), then its history gone: every reconnection gets 410.
	check "silent change" fake /fake/delete \
		'{"kind": "Service", "namespace": "z", "name": "db", "silent": true}'
	check "history gone" fake /fake/compact
	check "cut the watches" fake /fake/close
	check "429 logged" busywait "$BUSYWAIT_TIMEOUT" agent_says "429"
	check "503 logged" busywait "$BUSYWAIT_TIMEOUT" agent_says "503"
	check_eq "rules kept while failing" "$gen" "$(generation)"
	check_eq "traffic while failing" "x/a " "$(replies 4 $VIP4 80)"
	check "in sync again" busywait 60000 \
		count_above "in sync at generation $gen" "$before"
	check_eq "nothing sent" "$gen" "$(generation)"
	return $lret
}

# A NetworkPolicy deleted while the agent's watches are down (its DELETED
# event compacted away) is removed once the agent relists.
policy_deleted_while_down()
{
	local gen pols

	lret=$ksft_pass
	gen=$(generation)
	pols=$(info .counts.policies)
	check "arm" fake /fake/fault '{"op": "watch", "resource": "*", "status": 500, "count": 6}'
	check "cut the watches" fake /fake/close
	check "delete the policy, no event" fake /fake/delete \
		'{"kind": "NetworkPolicy", "namespace": "x", "name": "allow-web-from-y", "silent": true}'
	check "history gone" fake /fake/compact
	check "removed after reconnecting" busywait 60000 gen_is $((gen + 1))
	check "one policy fewer" eval '[ "$(info .counts.policies)" -lt "$pols" ]'
	check "x/a denies y/b again" vip_denied
	put_policy_back $((gen + 2))
	return $lret
}

# lag_then_delete_policy GEN: from now on lists come from the view of
# now; then x/allow-web-from-y is deleted, and the agent applies that as
# generation GEN + 1 (through its watch, which does not lag).
lag_then_delete_policy()
{
	check "the lists lag from here" fake /fake/lag
	check "delete the policy" fake /fake/delete \
		'{"kind": "NetworkPolicy", "namespace": "x", "name": "allow-web-from-y"}'
	check "deletion applied" busywait "$BUSYWAIT_TIMEOUT" gen_is $(($1 + 1))
}

# put_policy_back GEN: x/allow-web-from-y again, applied as generation GEN.
put_policy_back()
{
	local policy

	policy=$(jq -c '.items[] | select(.metadata.name == "allow-web-from-y")' \
		"$EXAMPLES/policies.json")
	check "put it back" fake /fake/objects "$policy"
	check "applied" busywait "$BUSYWAIT_TIMEOUT" gen_is "$1"
	check_eq "traffic" "x/a " "$(replies 4 $VIP4 80)"
}

# The agent has applied a NetworkPolicy's deletion; then every watch is
# expired and the lists come from a view older than that (an API server
# replica or cache that stopped following, ignoring the agent's "not older
# than"): the agent refuses it, the policy stays deleted in the kernel and
# traffic stays denied; once the server has caught up, nothing is sent.
stale_view_no_rollback()
{
	local gen pols before watches

	lret=$ksft_pass
	gen=$(generation)
	pols=$(info .counts.policies)
	lag_then_delete_policy "$gen"
	check "x/a denies y/b" vip_denied
	before=$(count "in sync at generation $((gen + 1))")
	check "expire every watch" fake /fake/expire
	check "the old view is refused" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "list networkpolicies: stale view: the list is at resourceVersion"
	check "and asked not older" eval 'ip netns exec "$NODE" curl -sf "$API/fake/stats" |
		jq -e "[.requests[] | select(.path | endswith(\"networkpolicies\")) |
			select(.query.resourceVersionMatch == \"NotOlderThan\")] | length > 0" >/dev/null'
	check "refused again after a backoff" busywait "$BUSYWAIT_TIMEOUT" \
		count_above "list networkpolicies: stale view" 1
	check_eq "no rollback" $((gen + 1)) "$(generation)"
	check_eq "policies" $((pols - 1)) "$(info .counts.policies)"
	check "still denied" vip_denied
	watches=$(np_watches)
	check "the server catches up" fake /fake/catch-up
	# Watching again: the list was taken.
	check "listed" busywait 60000 np_watches_above "$watches"
	check "in sync again" busywait "$BUSYWAIT_TIMEOUT" \
		count_above "in sync at generation $((gen + 1))" "$before"
	check_eq "nothing sent" $((gen + 1)) "$(generation)"
	put_policy_back $((gen + 2))
	return $lret
}

# The same, the agent restarted between the deletion and the lagging
# lists: the resourceVersion it kept (--resource-version-file) stops the
# new agent from taking the old view for the truth.
stale_view_after_restart()
{
	local gen pols kept

	lret=$ksft_pass
	gen=$(generation)
	pols=$(info .counts.policies)
	lag_then_delete_policy "$gen"
	check "its resourceVersion kept" busywait "$BUSYWAIT_TIMEOUT" \
		eval '[ "$(cat "$WORK/rv" 2>/dev/null)" = "$(ip netns exec "$NODE" \
			curl -sf "$API/fake/stats" | jq .rv)" ]'
	kept=$(cat "$WORK/rv")
	agent_stop KILL
	agent_start
	check "the floor is read" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "taking no list older than resourceVersion $kept"
	check "the old view is refused" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "stale view: the list is at resourceVersion"
	check_eq "no rollback" $((gen + 1)) "$(generation)"
	check_eq "policies" $((pols - 1)) "$(info .counts.policies)"
	check "still denied" vip_denied
	check "the server catches up" fake /fake/catch-up
	check "adopted" busywait 60000 agent_says \
		"adopted generation $((gen + 1)): the kernel holds the desired rule set"
	check "nothing sent" eval '! agent_says "applied generation"'
	put_policy_back $((gen + 2))
	return $lret
}

# An agent that cannot list pods for longer than --healthz-timeout is
# healthy (a long first list is no reason for a liveness probe to kill it)
# but not ready; it is ready once the list is in and the kernel holds the
# view.
health_while_listing()
{
	local timeout=$((2 * KUBENF_TIMEOUT_SCALE)) t0

	lret=$ksft_pass
	agent_stop TERM
	check "pods lists fail" fake /fake/fault \
		'{"op": "list", "resource": "pods", "status": 503, "count": 1000}'
	t0=$SECONDS
	agent_start --healthz-bind-address 127.0.0.1:10256 \
		--healthz-timeout "$timeout"
	check "a failed pods list" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "list pods: "
	check "for longer than the timeout" busywait "$BUSYWAIT_TIMEOUT" \
		eval '[ $((SECONDS - t0)) -gt "$timeout" ]'
	echo "# $(agent_health "$NODE" readyz)"
	check "not ready" agent_health_is "$NODE" readyz 503
	check "saying why" jq -e \
		'.reason == "waiting for a complete view of the cluster"' \
		"$WORK/health.json"
	check "healthy all the same" agent_health_is "$NODE" healthz 200
	check "pods lists work again" fake /fake/clear-faults
	check "ready once the list is in" busywait 60000 \
		agent_health_is "$NODE" readyz 200
	echo "# $(agent_health "$NODE" readyz)"
	check "it had adopted the kernel's rules" agent_says "adopted generation"
	check_eq "reporting the kernel's generation" "$(generation)" \
		"$(jq .generation "$WORK/health.json")"
	return $lret
}

# The API server goes away: errors, retries, and the rules stay; the agent
# is not ready (its view may be stale) but healthy (a restart would not
# help).
api_down_keeps_rules()
{
	local gen

	lret=$ksft_pass
	gen=$(generation)
	kill "$FAKE_PID"
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
	check "errors are logged" busywait "$BUSYWAIT_TIMEOUT" \
		agent_says "error: watch services:"
	# The agent of health_while_listing: --healthz-timeout 2 (scaled).
	check "not ready once the API server failed past the timeout" \
		busywait "$BUSYWAIT_TIMEOUT" agent_health_is "$NODE" readyz 503
	echo "# $(agent_health "$NODE" readyz)"
	check "saying why" jq -e '(.reason | test("API server has failed")) and
		.apiFailingSeconds >= 2' "$WORK/health.json"
	check "healthy all the same" agent_health_is "$NODE" healthz 200
	check_eq "generation" "$gen" "$(generation)"
	check_eq "traffic" "x/a " "$(replies 8 $VIP4 80)"
	agent_stop TERM
	check_eq "SIGTERM exits 0" 0 "$?"
	check_eq "generation after exit" "$gen" "$(generation)"
	return $lret
}

once_without_api()
{
	local out rc gen

	lret=$ksft_pass
	gen=$(generation)
	out=$(ip netns exec "$NODE" kubenf-agent --once --timeout 3 \
		--node-name node-1 --kubeconfig "$WORK/kubeconfig" 2>&1)
	rc=$?
	echo "$out" | tail -3 | sed 's/^/# once: /'
	check_eq "exit status" 1 "$rc"
	check "the reason" eval 'grep -q "timed out after 3 s: .*not listed" <<<"$out"'
	check_eq "generation" "$gen" "$(generation)"
	return $lret
}

trap cleanup EXIT
require_root
checktool "socat -V" "run socat"
checktool "jq --version" "run jq"
checktool "curl --version" "run curl"
checktool "python3 --version" "run python3"
checktool "kubenf-agent --version" "run kubenf-agent"
checktool "kubenfctl --version" "run kubenfctl"
require_kubenf
setup || skip_all "topology setup failed"
run_tests $TESTS
exit "$EXIT_STATUS"
