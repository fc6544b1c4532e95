#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload kubenf.ko ITERATIONS times (default 50) while a background
# worker keeps creating namespaces, configuring kubenf in them and deleting
# them, so that module init/exit race with namespace init/exit and unload
# has to free the state of namespaces that are still alive:
#
#   main loop                          background churn (until told to stop)
#   ---------                          -------------------------------------
#   insmod kubenf.ko                   ip netns add churn-XXXXXX
#   kubenf_cfg info (generation 0,     kubenf_cfg -n churn-XXXXXX set ...
#     nothing survived the reload)     kubenf_cfg -n churn-XXXXXX svc ...
#   kubenf_cfg set / svc (init netns,    (a service: hooks registered)
#     every other load)                unshare --net kubenf_cfg set ...
#   rmmod kubenf                         (anonymous netns, gone at exit)
#                                      ip netns del the oldest (keep 3 alive)
#
# Every load and unload must succeed, no module is left behind, the churn
# really configured namespaces, and the kernel log stays clean.
#
# Then UNLOADS_UNDER_LOAD (default 4) more loads and unloads, each unload
# while:
#   - TCP and UDP connections through a Service flow in namespace "cl"
#     (new connections in a loop, and a long TCP connection, whose fate
#     is reported, not checked: with the module go its NAT hooks, and
#     with them the translation of established connections), so that
#     conntrack holds entries kubenf translated;
#   - processes close netlink sockets in the middle of dumps and of open
#     transactions (kubenf_fuzz close-mid-dump, close-mid-txn);
#   - namespaces are deleted while a process in them stages and commits a
#     rule set (kubenf_fuzz bulk, SIGKILLed at a random point, or left to
#     commit after its namespace lost its name).
# A dump the kernel still runs holds a module reference, so the unload is
# retried until the closers released it (the kernel frees it in a worker);
# it must succeed within WAIT_TIMEOUT. Traffic through the Service must work
# again after every load.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

: "${ITERATIONS:=50}"
: "${UNLOADS_UNDER_LOAD:=4}"

CHURN_PID=
CHURN_DIR=
MODPROBE_SAVED=

cleanup()
{
	stop_load
	stop_churn
	[ -n "$CHURN_DIR" ] && rm -rf "$CHURN_DIR"
	[ -n "$MODPROBE_SAVED" ] &&
		echo "$MODPROBE_SAVED" >/proc/sys/kernel/modprobe
	cleanup_all_ns
}

# Background worker: namespaces with kubenf state come and go. Counts the
# SET_CONFIGs the kernel accepted in $CHURN_DIR/sets and the services in
# $CHURN_DIR/svcs (one line each).
churn()
{
	local keep=() ns i=0

	while [ ! -e "$CHURN_DIR/stop" ]; do
		i=$((i + 1))
		ns=churn-$(mktemp -u XXXXXX)
		if ip netns add "$ns"; then
			keep+=("$ns")
			kcfg "$ns" set flags 1 node "192.0.2.$((i % 250 + 1))" \
				cidr 10.0.0.0/8 name "churn-$i" 2>/dev/null &&
				echo "$ns" >>"$CHURN_DIR/sets"
			# Every other namespace with hooks registered.
			[ $((i % 2)) = 0 ] &&
				kcfg "$ns" svc 1 10.96.0.1 80 10.0.0.2 8080 \
					2>/dev/null &&
				echo "$ns" >>"$CHURN_DIR/svcs"
		fi
		# A namespace that lives only as long as one process.
		unshare --net "$KUBENF_CFG" set node "2001:db8::$((i % 250 + 1))" \
			2>/dev/null && echo anon >>"$CHURN_DIR/sets"
		if [ ${#keep[@]} -gt 3 ]; then
			ip netns del "${keep[0]}"
			keep=("${keep[@]:1}")
		fi
	done
	for ns in "${keep[@]}"; do
		ip netns del "$ns"
	done
	touch "$CHURN_DIR/done"
}

churn_done()
{
	[ -e "$CHURN_DIR/done" ]
}

stop_churn()
{
	[ -n "$CHURN_PID" ] || return 0
	touch "$CHURN_DIR/stop"
	busywait $((BUSYWAIT_TIMEOUT * 3)) churn_done
	wait "$CHURN_PID" 2>/dev/null
	CHURN_PID=
}

# count_lines FILE: lines in $CHURN_DIR/FILE, without a fork of wc.
count_lines()
{
	local lines=()

	[ -r "$CHURN_DIR/$1" ] && mapfile -t lines <"$CHURN_DIR/$1"
	echo "${#lines[@]}"
}

sets_done()
{
	count_lines sets
}

# The churn has configured at least one namespace since a count of $1.
churn_progressed()
{
	[ "$(sets_done)" -gt "$1" ]
}

LOADS_OK=0
RELOAD_FRESH=0

load_unload_loop()
{
	local lret=0 i gen ko n

	ko=$(kubenf_ko)
	unload_kubenf || return $ksft_fail
	for i in $(seq "$ITERATIONS"); do
		if ! insmod "$ko"; then
			echo "FAIL: insmod #$i"
			return $ksft_fail
		fi
		# Nothing survives a reload: the init namespace starts over.
		gen=$(kinfo generation)
		if [ "$gen" = 0 ]; then
			RELOAD_FRESH=$((RELOAD_FRESH + 1))
		else
			echo "FAIL: generation after load #$i is '$gen'"
			lret=$ksft_fail
		fi
		# Every tenth load, hold it until the churn has configured
		# a namespace, so that the two surely overlap.
		if [ $((i % 10)) = 0 ]; then
			n=$(sets_done)
			busywait $((BUSYWAIT_TIMEOUT * 3)) churn_progressed "$n" ||
				echo "# churn made no progress during load #$i"
		fi
		# Half the time, unload with configuration and a service
		# (so with hooks registered) in the init netns.
		if [ $((i % 2)) = 0 ]; then
			check "set config after load #$i" kcfg set flags 2 \
				node 198.51.100.1 node 2001:db8:1::1 name "init-$i"
			kcfg -x 0 svc 7 fd00:96::7 443 fd00:10::7 8443 ||
				[ "$(kcfg -e svc 7 fd00:96::7 443 fd00:10::7 8443)" = EOPNOTSUPP ] ||
				check "set a service after load #$i" false
		fi
		if ! rmmod kubenf; then
			echo "FAIL: rmmod #$i"
			return $ksft_fail
		fi
		if kubenf_loaded; then
			echo "FAIL: kubenf still loaded after rmmod #$i"
			return $ksft_fail
		fi
		LOADS_OK=$((LOADS_OK + 1))
	done
	echo "$LOADS_OK loads and unloads"
	return $lret
}

# Every reload started from a fresh state (checked in the loop).
state_fresh_after_reload()
{
	echo "$RELOAD_FRESH of $ITERATIONS reloads started from generation 0"
	[ "$RELOAD_FRESH" = "$ITERATIONS" ]
}

churn_configured_namespaces()
{
	local n

	stop_churn
	n=$(sets_done)
	echo "background churn configured $n namespaces," \
		"$(count_lines svcs) of them with a service"
	[ "$n" -gt 0 ]
}

no_leftover_module()
{
	local lret=0

	check "no kubenf in /sys/module" kubenf_unloaded
	check "no kubenf in /proc/modules" \
		eval '! grep -q "^kubenf " /proc/modules'
	check "no churn namespace left" \
		eval '! ls /run/netns 2>/dev/null | grep -q "^churn-"'
	return $lret
}

# Loads again and serves a request: the module is not left half-broken.
reload_after_churn()
{
	local lret=0

	check "load" load_kubenf || return $lret
	check "info after the test" kcfg info >/dev/null
	check "unload" unload_kubenf
	return $lret
}

##############################################################################
# Unloads under load

VIP=10.96.0.1
LOAD_DIR=
LOAD_PIDS=()

# Namespace "cl" reaches a backend in "be" through Service $VIP (TCP 80,
# UDP 53) that kubenf translates on output.
setup_traffic()
{
	# Explicitly: the kernel's module autoloading is off in this test.
	modprobe -q veth
	setup_ns CL BE || return 1
	ip -n "$CL" link add eth0 type veth peer name eth0 netns "$BE"
	ip -n "$CL" addr add 10.0.9.1/24 dev eth0
	ip -n "$BE" addr add 10.0.9.2/24 dev eth0
	ip -n "$CL" link set eth0 up
	ip -n "$BE" link set eth0 up
	ip -n "$CL" route add default via 10.0.9.2
	ip netns exec "$BE" "$KSFT_BIN/pol_traffic" serve be tcp:8080 \
		udp:8080 >/dev/null 2>&1 &
	LOAD_PIDS+=($!)
}

program_service()
{
	ip netns exec "$CL" kubenfctl svc set 1 name lifecycle/web \
		fe cluster-ip tcp $VIP:80 fe cluster-ip udp $VIP:53 \
		be 10.0.9.2:8080 >/dev/null
}

# Background: new TCP and UDP connections to the Service, one line per
# reply in $LOAD_DIR/ok.
traffic_loop()
{
	local proto port

	while [ ! -e "$LOAD_DIR/stop" ]; do
		for proto in tcp udp; do
			port=80
			[ $proto = udp ] && port=53
			ip netns exec "$CL" "$KSFT_BIN/pol_traffic" -w 300 \
				probe $proto $VIP $port 2>/dev/null |
				grep -q '^be$' && echo "$proto" >>"$LOAD_DIR/ok"
		done
	done
}

# Background: a TCP connection that sends a line every 20 ms, another one
# when it ends (it does when no Service translates any more).
long_connection()
{
	while [ ! -e "$LOAD_DIR/stop" ]; do
		while [ ! -e "$LOAD_DIR/stop" ]; do
			echo ping
			sleep 0.02
		done | ip netns exec "$CL" "$KSFT_BIN/pol_traffic" -w 1000 \
			chat tcp $VIP 80 >>"$LOAD_DIR/chat" 2>&1
		sleep 0.2
	done
}

# Background: sockets closed mid-dump and mid-transaction in "cl", and
# namespaces deleted while a writer in them commits.
netlink_abuse()
{
	local i=0 ns pid

	while [ ! -e "$LOAD_DIR/stop" ]; do
		i=$((i + 1))
		ip netns exec "$CL" "$FUZZ" close-mid-dump 8 >/dev/null 2>&1
		ip netns exec "$CL" "$FUZZ" close-mid-txn 2 >/dev/null 2>&1
		ns=lc-commit-$(mktemp -u XXXXXX)
		ip netns add "$ns" || continue
		ip netns exec "$ns" "$FUZZ" bulk -t $((50 + RANDOM % 200)) 4 \
			>/dev/null 2>&1 &
		pid=$!
		# Gone while the transaction is open or committing: the
		# writer keeps the namespace alive until it is killed or
		# finishes.
		sleep "0.0$((RANDOM % 10))"
		ip netns del "$ns"
		[ $((i % 2)) = 0 ] && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "$i" >"$LOAD_DIR/abuse"
	done
}

start_load()
{
	LOAD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-load.XXXXXX")
	traffic_loop &
	LOAD_PIDS+=($!)
	long_connection &
	LOAD_PIDS+=($!)
	netlink_abuse &
	LOAD_PIDS+=($!)
}

stop_load()
{
	local pid

	[ -n "$LOAD_DIR" ] || return 0
	touch "$LOAD_DIR/stop"
	for pid in "${LOAD_PIDS[@]}"; do
		# The server runs until killed; the workers stop by themselves.
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LOAD_PIDS=()
	rm -rf "$LOAD_DIR"
	LOAD_DIR=
	for ns in $(ip netns list 2>/dev/null | awk '/^lc-commit-/ { print $1 }'); do
		ip netns del "$ns"
	done
}

count_ok()
{
	local lines=()

	[ -r "$LOAD_DIR/ok" ] && mapfile -t lines <"$LOAD_DIR/ok"
	echo "${#lines[@]}"
}

# Both protocols got replies since count $1.
traffic_flows()
{
	[ "$(count_ok)" -gt "$1" ] &&
		tail -n +"$(($1 + 1))" "$LOAD_DIR/ok" | grep -q tcp &&
		tail -n +"$(($1 + 1))" "$LOAD_DIR/ok" | grep -q udp
}

# Conntrack entries of connections kubenf translated to the backend.
ct_translated()
{
	local f=/proc/net/nf_conntrack

	[ -r "$f" ] || return 0
	ip netns exec "$CL" grep -q "dst=$VIP .*src=10.0.9.2" "$f"
}

abuse_rounds()
{
	cat "$LOAD_DIR/abuse" 2>/dev/null || echo 0
}

abuse_progressed()
{
	[ "$(abuse_rounds)" != "$1" ]
}

rmmod_eventually()
{
	rmmod kubenf 2>/dev/null
	kubenf_unloaded
}

unload_under_load()
{
	local lret=0 i n ko abuse

	FUZZ=$KSFT_BIN/kubenf_fuzz
	[ "$UNLOADS_UNDER_LOAD" -gt 0 ] || {
		SKIP_REASON="UNLOADS_UNDER_LOAD=0"
		return $ksft_skip
	}
	[ -x "$FUZZ" ] && [ -x "$KSFT_BIN/pol_traffic" ] &&
		command -v kubenfctl >/dev/null || {
		SKIP_REASON="kubenf_fuzz, pol_traffic or kubenfctl missing"
		return $ksft_skip
	}
	ko=$(kubenf_ko)
	modprobe -q nf_conntrack
	setup_traffic || return $ksft_fail
	start_load
	for i in $(seq "$UNLOADS_UNDER_LOAD"); do
		check "load #$i under load" insmod "$ko" || break
		check "service programmed after load #$i" program_service ||
			break
		n=$(count_ok)
		check "TCP and UDP through the Service after load #$i" \
			busywait $((BUSYWAIT_TIMEOUT * 2)) traffic_flows "$n"
		check "conntrack holds translated connections (#$i)" \
			ct_translated
		# At least one more round of the abuse with the module in.
		abuse=$(abuse_rounds)
		busywait $((BUSYWAIT_TIMEOUT * 2)) abuse_progressed "$abuse"
		check "unload #$i under load" \
			busywait "$BUSYWAIT_TIMEOUT" rmmod_eventually || break
	done
	echo "$(count_ok) replies through the Service;" \
		"$(abuse_rounds) rounds of" \
		"sockets closed mid-dump/transaction and namespaces deleted" \
		"while committing"
	echo "long TCP connections: $(grep -c '^be' "$LOAD_DIR/chat")" \
		"replies; $(grep -v '^be' "$LOAD_DIR/chat" | sort | uniq -c |
			tr -s ' \n' ' ')"
	stop_load
	kubenf_loaded && rmmod kubenf
	return $lret
}

kernel_log_clean()
{
	klog_check "$KLOG_MARK"
}

trap cleanup EXIT
require_root
checktool "ip netns list" "run without the ip tool"
checktool "unshare --net true" "create namespaces with unshare"
require_bin kubenf_cfg
[ -r "$(kubenf_ko)" ] || skip_all "$(kubenf_ko) not found"
# Unloading takes every namespace's rules away: only in the test VM, or when
# asked to.
[ -n "${KUBENF_VM:-}" ] || [ -n "${KUBENF_ALLOW_UNLOAD:-}" ] || ! kubenf_loaded ||
	skip_all "kubenf is loaded here; run in selftests/vm/run (or set KUBENF_ALLOW_UNLOAD=1)"
kubenf_loaded && ! unload_kubenf && skip_all "kubenf is loaded and busy"
load_kubenf || skip_all "kubenf.ko cannot be loaded"
unload_kubenf || skip_all "kubenf.ko cannot be unloaded"

# With kubenf unloaded, resolving the family makes the kernel run modprobe
# for "net-pf-16-proto-16-family-kubenf" (MODULE_ALIAS_GENL_FAMILY). That
# costs a process per attempt of the churn and, were kubenf installed
# (DKMS), would load that build under our feet. No autoloading here.
MODPROBE_SAVED=$(cat /proc/sys/kernel/modprobe)
echo /bin/true >/proc/sys/kernel/modprobe

KLOG_MARK=$(klog_mark)
CHURN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-churn.XXXXXX")
churn >"$CHURN_DIR/log" 2>&1 &
CHURN_PID=$!

# Start the loop once the churn runs, so that the two overlap. The first
# set of the churn needs the module, so count namespaces instead.
churn_started() { ls /run/netns 2>/dev/null | grep -q '^churn-'; }
busywait "$BUSYWAIT_TIMEOUT" churn_started

run_tests load_unload_loop state_fresh_after_reload \
	churn_configured_namespaces no_leftover_module reload_after_churn \
	unload_under_load kernel_log_clean
exit "$EXIT_STATUS"
