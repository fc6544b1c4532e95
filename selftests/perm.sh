#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every kubenf command needs CAP_NET_ADMIN in the initial user namespace
# (GENL_ADMIN_PERM, see <linux/kubenf.h>). Callers and what they must get:
#
#   caller                                      GET_INFO GET_CONFIG SET_CONFIG
#   root                                        ok       ok         ok
#   uid 65534, no capabilities                  EPERM    EPERM      EPERM
#   root without CAP_NET_ADMIN                  EPERM    EPERM      EPERM
#   root of a user namespace (unshare -Ur)      EPERM    EPERM      EPERM
#   same, in a netns it owns (unshare -Ur --net) EPERM   EPERM      EPERM
#   uid 65534 with CAP_NET_ADMIN (ambient)      ok       ok         ok
#
# Denied requests must change nothing. Dump requests (NLM_F_DUMP) are
# checked on GET_INFO, which has no dump (the answer is recorded), and on
# every GET command that has one.
#
# Everything runs in a namespace of its own (perm-XXXXXX, created by root,
# so owned by the initial user namespace): the init namespace is not
# touched. unshare --net callers get a namespace of their own inside it.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
NO_CAP=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin)
USERNS=(unshare --user --map-root-user)
USERNS_NET=(unshare --user --map-root-user --net)
NOBODY_CAP=(setpriv --reuid=65534 --regid=65534 --clear-groups
	    --inh-caps=+net_admin --ambient-caps=+net_admin)

# Names of the callers above, for the arrays by indirection.
DENIED="NOBODY NO_CAP USERNS USERNS_NET"

PERM=""

# The answer of the kernel to kubenf_cfg ARGS run by CALLER (an array name,
# or "ROOT") in $PERM: "0" or an errno name.
answer()
{
	local caller=$1; shift

	if [ "$caller" = ROOT ]; then
		kcfg "$PERM" -e "$@"
	else
		local -n prefix=$caller
		ip netns exec "$PERM" "${prefix[@]}" -- "$KUBENF_CFG" -e "$@"
	fi
}

# The state of $PERM as root sees it.
state()
{
	kinfo "$PERM" generation && kcfg "$PERM" get
}

# The tool can set up CALLER at all (else the case is skipped).
caller_works()
{
	local -n prefix=$1

	ip netns exec "$PERM" "${prefix[@]}" -- true 2>/dev/null
}

root_allowed()
{
	local lret=0 gen

	gen=$(kinfo "$PERM" generation)
	check_eq "GET_INFO" 0 "$(answer ROOT info)"
	check_eq "GET_CONFIG" 0 "$(answer ROOT get)"
	check_eq "SET_CONFIG" 0 "$(answer ROOT set flags 1 node 192.0.2.1 \
		name perm-root)"
	check_eq "generation after SET_CONFIG" $((gen + 1)) \
		"$(kinfo "$PERM" generation)"
	return $lret
}

# denied CALLER: EPERM for every command, and nothing changes.
denied()
{
	local caller=$1 lret=0 before after

	if ! caller_works "$caller"; then
		SKIP_REASON="cannot run as $caller"
		return $ksft_skip
	fi
	before=$(state)
	check_eq "GET_INFO" EPERM "$(answer "$caller" info)"
	check_eq "GET_CONFIG" EPERM "$(answer "$caller" get)"
	check_eq "SET_CONFIG" EPERM "$(answer "$caller" set flags 4 \
		node 203.0.113.1 cidr 10.0.0.0/8 name "$caller")"
	check_eq "SET_CONFIG (empty config)" EPERM "$(answer "$caller" set)"
	after=$(state)
	check_eq "state of the namespace" "$before" "$after"
	return $lret
}

unprivileged_user_denied()	{ denied NOBODY; }
root_without_cap_net_admin_denied() { denied NO_CAP; }
userns_root_denied()		{ denied USERNS; }
userns_root_own_netns_denied()	{ denied USERNS_NET; }

# The check is on the capability, not on the uid.
uid_with_cap_net_admin_allowed()
{
	local lret=0 gen

	if ! caller_works NOBODY_CAP; then
		SKIP_REASON="setpriv cannot grant ambient CAP_NET_ADMIN"
		return $ksft_skip
	fi
	gen=$(kinfo "$PERM" generation)
	check_eq "GET_INFO" 0 "$(answer NOBODY_CAP info)"
	check_eq "GET_CONFIG" 0 "$(answer NOBODY_CAP get)"
	check_eq "SET_CONFIG" 0 "$(answer NOBODY_CAP set name perm-cap)"
	check_eq "generation after SET_CONFIG" $((gen + 1)) \
		"$(kinfo "$PERM" generation)"
	return $lret
}

# GET_INFO has no dumpit: root gets -EOPNOTSUPP from the genl core. For
# the others the core looks the operation up before it checks permissions
# (since 6.2; 6.1 checked first): either answer is a refusal, and what the
# kernel said is recorded. Should GET_INFO ever gain a dump, it must be
# EPERM for them.
dump_get_info()
{
	local lret=0 root ans caller

	root=$(answer ROOT -d info)
	echo "root: NLM_F_DUMP on GET_INFO -> $root"
	for caller in $DENIED; do
		caller_works "$caller" || continue
		ans=$(answer "$caller" -d info)
		echo "$caller: NLM_F_DUMP on GET_INFO -> $ans"
		if [ "$root" = 0 ]; then
			check_eq "$caller dump" EPERM "$ans"
		else
			check "$caller dump refused (EPERM or EOPNOTSUPP)" \
				eval "[ '$ans' = EPERM ] || [ '$ans' = EOPNOTSUPP ]"
		fi
	done
	return $lret
}

# Every GET command that has a dump refuses the denied callers with EPERM.
dump_commands_denied()
{
	local lret=0 cmd caller ans n=0

	for cmd in svc_get peerset_get policy_get pod_get; do
		ans=$(answer ROOT -d raw "$cmd")
		echo "root: NLM_F_DUMP on $cmd -> $ans"
		[ "$ans" = 0 ] || continue
		n=$((n + 1))
		for caller in $DENIED; do
			caller_works "$caller" || continue
			check_eq "$caller dump of $cmd" EPERM \
				"$(answer "$caller" -d raw "$cmd")"
		done
	done
	if [ $n = 0 ] && [ $lret = 0 ]; then
		SKIP_REASON="no dump command implemented yet"
		return $ksft_skip
	fi
	return $lret
}

kernel_log_clean()
{
	klog_check "$KLOG_MARK"
}

trap cleanup_all_ns EXIT
require_root
checktool "setpriv --version" "run without setpriv"
checktool "unshare --user --map-root-user true" "create a user namespace"
checktool "ip netns list" "run without the ip tool"
require_bin kubenf_cfg
require_kubenf
setup_ns PERM || skip_all "cannot create a network namespace"
KLOG_MARK=$(klog_mark)

run_tests root_allowed unprivileged_user_denied \
	root_without_cap_net_admin_denied userns_root_denied \
	userns_root_own_netns_denied uid_with_cap_net_admin_allowed \
	dump_get_info dump_commands_denied kernel_log_clean
exit "$EXIT_STATUS"
