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

source "$(dirname "$(readlink -f "$0")")/lib.sh"

: "${ITERATIONS:=50}"

CHURN_PID=
CHURN_DIR=
MODPROBE_SAVED=

cleanup()
{
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
	kernel_log_clean
exit "$EXIT_STATUS"
