#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kubenf state is per network namespace: configuration and GENERATION of
# one namespace are invisible to, and independent of, every other one, and
# a namespace that goes away takes only its own state with it.
#
#   +---------------+   +---------------+   +---------------+
#   | init netns    |   | ns_a          |   | ns_b          |
#   |  kubenf state |   |  kubenf state |   |  kubenf state |
#   +---------------+   +---------------+   +---------------+
#        no links: each namespace talks to kubenf over its own genl socket
#
# Cases run for IPv4 and IPv6 addresses where addresses matter.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

ns_a=""
ns_b=""

cleanup()
{
	cleanup_all_ns
}

# The configuration of a namespace as "kubenf_cfg get" prints it, without
# the default flags: a namespace never configured answers with an empty
# CONFIG nest, one set to defaults with FLAGS 0.
cfg_of()
{
	local out

	out=$(kcfg "$@" get) || return 1
	out=${out#flags 0x0}
	echo "${out#$'\n'}"
}

# Addresses per family: node address, cluster CIDR.
addrs()
{
	case "$1" in
	4) echo "192.0.2.1 10.244.0.0/16" ;;
	6) echo "2001:db8::1 fd00:10:244::/56" ;;
	esac
}

# A fresh namespace holds no configuration and the same GENERATION as any
# other fresh namespace.
fresh_namespace_is_empty()
{
	local lret=0 gen_a gen_b

	setup_ns ns_a ns_b || return $ksft_fail
	check_eq "config of a fresh namespace" "" "$(cfg_of "$ns_a")"
	gen_a=$(kinfo "$ns_a" generation)
	gen_b=$(kinfo "$ns_b" generation)
	check_eq "generation of two fresh namespaces" "$gen_a" "$gen_b"
	check_eq "services of a fresh namespace" 0 "$(kinfo "$ns_a" services)"
	cleanup_ns "$ns_a" "$ns_b"
	return $lret
}

config_isolated()
{
	local fam=$1 lret=0 node cidr want before_init after_init

	read -r node cidr <<<"$(addrs "$fam")"
	setup_ns ns_a ns_b || return $ksft_fail
	before_init=$(cfg_of)
	check "set config in A" kcfg "$ns_a" set flags 0x5 node "$node" \
		cidr "$cidr" name "node-a" || return $lret
	want=$(printf 'flags 0x5\nnode %s\ncidr %s\nname node-a' \
		"$node/$([ "$fam" = 4 ] && echo 32 || echo 128)" "$cidr")
	check_eq "config in A" "$want" "$(cfg_of "$ns_a")"
	check_eq "config in B" "" "$(cfg_of "$ns_b")"
	after_init=$(cfg_of)
	check_eq "config in the init namespace" "$before_init" "$after_init"
	cleanup_ns "$ns_a" "$ns_b"
	return $lret
}

config_isolated_v4() { config_isolated 4; }
config_isolated_v6() { config_isolated 6; }

generation_independent()
{
	local lret=0 a0 b0 i0 i

	setup_ns ns_a ns_b || return $ksft_fail
	a0=$(kinfo "$ns_a" generation)
	b0=$(kinfo "$ns_b" generation)
	i0=$(kinfo generation)
	for i in 1 2 3; do
		check "set config $i in A" kcfg "$ns_a" set flags $i ||
			return $lret
	done
	check_eq "generation of A after 3 sets" $((a0 + 3)) \
		"$(kinfo "$ns_a" generation)"
	check_eq "generation of B after 3 sets in A" "$b0" \
		"$(kinfo "$ns_b" generation)"
	check "set config in B" kcfg "$ns_b" set flags 2
	check_eq "generation of B after 1 set" $((b0 + 1)) \
		"$(kinfo "$ns_b" generation)"
	check_eq "generation of A after a set in B" $((a0 + 3)) \
		"$(kinfo "$ns_a" generation)"
	check_eq "generation of the init namespace" "$i0" "$(kinfo generation)"
	cleanup_ns "$ns_a" "$ns_b"
	return $lret
}

# Deleting a namespace that holds configuration frees only its own state.
delete_ns_keeps_other()
{
	local fam=$1 lret=0 node cidr b_cfg b_gen a_old

	read -r node cidr <<<"$(addrs "$fam")"
	setup_ns ns_a ns_b || return $ksft_fail
	check "set config in A" kcfg "$ns_a" set node "$node" cidr "$cidr" \
		name a || return $lret
	check "set config in B" kcfg "$ns_b" set flags 1 node "$node" \
		name b || return $lret
	b_cfg=$(cfg_of "$ns_b")
	b_gen=$(kinfo "$ns_b" generation)
	a_old=$ns_a
	cleanup_ns "$ns_a" || return $ksft_fail
	check_eq "config of B after deleting A" "$b_cfg" "$(cfg_of "$ns_b")"
	check_eq "generation of B after deleting A" "$b_gen" \
		"$(kinfo "$ns_b" generation)"
	# A new namespace, even under the old name, starts empty.
	ip netns add "$a_old" && NS_LIST+=("$a_old") || return $ksft_fail
	check_eq "config of a namespace re-created as $a_old" "" \
		"$(cfg_of "$a_old")"
	check "B still answers a set" kcfg "$ns_b" set flags 2
	check_eq "generation of B" $((b_gen + 1)) "$(kinfo "$ns_b" generation)"
	cleanup_ns "$a_old" "$ns_b"
	return $lret
}

delete_ns_keeps_other_v4() { delete_ns_keeps_other 4; }
delete_ns_keeps_other_v6() { delete_ns_keeps_other 6; }

# A request acts on the namespace of the socket, not on the namespace the
# sender moved to after opening it.
socket_namespace_decides()
{
	local lret=0

	setup_ns ns_a ns_b || return $ksft_fail
	check "set from a socket of A, sender in B" \
		kcfg "$ns_a" -N "/run/netns/$ns_b" set flags 4 name via-a ||
		return $lret
	check_eq "config of A" "$(printf 'flags 0x4\nname via-a')" \
		"$(cfg_of "$ns_a")"
	check_eq "config of B" "" "$(cfg_of "$ns_b")"
	cleanup_ns "$ns_a" "$ns_b"
	return $lret
}

# Many namespaces with state at once, deleted in one go.
many_namespaces()
{
	local lret=0 n=16 i ns list=()

	for i in $(seq $n); do
		ns=many-$(mktemp -u XXXXXX)
		ip netns add "$ns" || { lret=$ksft_fail; break; }
		NS_LIST+=("$ns")
		list+=("$ns")
		check "set config in $ns" kcfg "$ns" set flags 1 \
			node "192.0.2.$i" node "2001:db8::$(printf %x "$i")" \
			name "n$i"
	done
	for i in $(seq ${#list[@]}); do
		check_eq "node addresses in namespace $i" \
			"$(printf 'node 192.0.2.%s/32\nnode 2001:db8::%x/128' "$i" "$i")" \
			"$(cfg_of "${list[$((i - 1))]}" | grep '^node')"
	done
	cleanup_ns "${list[@]}" || lret=$ksft_fail
	return $lret
}

# No kernel warnings, bugs or leaks reported while the cases ran.
kernel_log_clean()
{
	klog_check "$KLOG_MARK"
}

TESTS="fresh_namespace_is_empty config_isolated_v4 config_isolated_v6
	generation_independent delete_ns_keeps_other_v4 delete_ns_keeps_other_v6
	socket_namespace_decides many_namespaces kernel_log_clean"

trap cleanup EXIT
require_root
checktool "ip netns list" "run without the ip tool"
require_bin kubenf_cfg
require_kubenf
KLOG_MARK=$(klog_mark)

run_tests $TESTS
exit "$EXIT_STATUS"
