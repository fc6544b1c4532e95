#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet path against odd and hostile packets: IPv4 options, IPv6
# extension headers, GSO/non-linear skbs, fragments (in order, reversed,
# overlapping) through a Service both ways, ICMP errors that must reach the
# client with the Service address inside, forged ICMP errors, truncated and
# malformed headers, and a full conntrack table. Real packets between
# namespaces; odd packets are built byte by byte by pktcraft.py.
#
#   client               node (kubenf)                      pods
#   10.0.1.2  --veth--  10.0.1.1 | br0 10.0.2.1  --+-- b1 10.0.2.2 (servers)
#   fd00:1::2           fd00:1::1 |    fd00:2::1    +-- b2 10.0.2.3 (isolated)
#
# Services (VIP 10.96.0.10 and fd00:96::10, all backed by b1):
#   TCP 80 -> 8080 "b1"      TCP 81 -> 8081 4 MB download
#   TCP 82 -> 8082 upload, answers the byte count
#   UDP 53 -> 8053 echo      UDP 99 -> 9999 nothing listens
# b2 is an isolated pod that admits nothing: whatever reaches it was let
# through wrongly (an nftables counter in b2's namespace sees every packet).
# Each case checks the kernel log it produced.

source "$(dirname "$(readlink -f "$0")")/lib.sh"

TESTS=${KUBENF_TESTS:-"ipv4_options ipv6_ext_headers gso_bulk
	udp_fragments frag_needed udp_port_unreachable icmp_orphan_dropped
	malformed_headers conntrack_full"}

VIP4=10.96.0.10
VIP6=fd00:96::10
B1=10.0.2.2 B16=fd00:2::2
B2=10.0.2.3 B26=fd00:2::3
CL=10.0.1.2 CL6=fd00:1::2
CRAFT=$KSFT_DIR/pktcraft.py
BULK=4000000

kctl()
{
	ip netns exec "$NODE" kubenfctl "$@"
}

kpol()
{
	"$KPOL" -n "/run/netns/$NODE" "$@"
}

# craft NS ARGS...: pktcraft.py in a namespace
craft()
{
	local ns=$1

	shift
	ip netns exec "$ns" python3 "$CRAFT" "$@"
}

drops()
{
	kctl -o json stats | jq ".drops.\"$1\" // 0"
}

# b2_seen: packets from the client that reached b2
b2_seen()
{
	ip netns exec "$POD2" nft -j list counter inet watch seen |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

find_helpers()
{
	KPOL=$KSFT_BIN/kubenf_pol
	if [ ! -x "$KPOL" ] || [ "$KSFT_DIR/kubenf_pol.c" -nt "$KPOL" ]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kubenf-pkt.XXXXXX")
		make -s -C "$KSFT_DIR" BUILD="$SCRATCH" "$SCRATCH/kubenf_pol" \
			>/dev/null 2>&1 || skip_all "cannot build kubenf_pol"
		KPOL=$SCRATCH/kubenf_pol
	fi
}

setup()
{
	local p

	setup_ns CLIENT NODE POD1 POD2 || return 1
	ip -n "$NODE" link add vc type veth peer name eth0 netns "$CLIENT"
	ip -n "$NODE" link add br0 type bridge
	ip -n "$NODE" link add vb1 master br0 type veth peer name eth0 netns "$POD1"
	ip -n "$NODE" link add vb2 master br0 type veth peer name eth0 netns "$POD2"
	ip -n "$NODE" addr add 10.0.1.1/24 dev vc
	ip -n "$NODE" addr add fd00:1::1/64 dev vc nodad
	ip -n "$NODE" addr add 10.0.2.1/24 dev br0
	ip -n "$NODE" addr add fd00:2::1/64 dev br0 nodad
	for p in vc br0 vb1 vb2; do
		ip -n "$NODE" link set "$p" up
	done
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NODE" sysctl -qw net.ipv6.conf.all.forwarding=1
	pod_setup "$CLIENT" $CL $CL6 10.0.1.1 fd00:1::1
	pod_setup "$POD1" $B1 $B16 10.0.2.1 fd00:2::1
	pod_setup "$POD2" $B2 $B26 10.0.2.1 fd00:2::1

	ip netns exec "$POD1" socat TCP6-LISTEN:8080,fork,reuseaddr \
		SYSTEM:"echo b1" </dev/null >/dev/null 2>&1 &
	ip netns exec "$POD1" socat TCP6-LISTEN:8081,fork,reuseaddr \
		SYSTEM:"head -c $BULK /dev/zero" </dev/null >/dev/null 2>&1 &
	ip netns exec "$POD1" socat TCP6-LISTEN:8082,fork,reuseaddr \
		EXEC:"wc -c" </dev/null >/dev/null 2>&1 &
	ip netns exec "$POD1" python3 "$CRAFT" udp-echo :: 8053 \
		</dev/null >/dev/null 2>&1 &
	ip netns exec "$POD2" nft -f - <<-EOF || return 1
	table inet watch {
		counter seen { }
		chain in {
			type filter hook prerouting priority -400;
			ip saddr $CL counter name seen
			ip6 saddr $CL6 counter name seen
		}
	}
	EOF
	busywait "$BUSYWAIT_TIMEOUT" listening 8053 || return 1
	busywait "$BUSYWAIT_TIMEOUT" listening 8082 || return 1

	kctl config set cluster-cidr 10.0.2.0/24 cluster-cidr fd00:2::/64 \
		flags masq-external || return 1
	svc 1 tcp 80 8080 && svc 2 tcp 81 8081 && svc 3 tcp 82 8082 &&
		svc 4 udp 53 8053 && svc 5 udp 99 9999 || return 1
	# b2 is isolated for ingress with no policy: it admits nothing.
	kpol pod 2 name t/b2 addr $B2 addr $B26 isolate ingress ingress -
}

listening()
{
	ip netns exec "$POD1" ss -Hln "sport = :$1" | grep -q .
}

# svc ID PROTO PORT TARGET: VIP4 and VIP6 on PORT to b1's TARGET
svc()
{
	kctl svc set "$1" name "default/s$1" fe cluster-ip "$2" "$VIP4:$3" \
		fe cluster-ip "$2" "[$VIP6]:$3" be "$B1:$4" be "[$B16]:$4"
}

# An IPv4 option header on the SYN and every segment: translated and
# answered like any other connection, and judged by policy the same way.
ipv4_options()
{
	local out

	out=$(craft "$CLIENT" tcp-ipopts $VIP4 80 2>&1)
	echo "# via the Service: $out"
	[ "$out" = b1 ] || return $ksft_fail
	out=$(craft "$CLIENT" tcp-ipopts $B2 8080 2>&1)
	echo "# to the isolated pod: $out"
	[ "$out" != b1 ] && [ "$(b2_seen)" -eq 0 ]
}

# IPv6 hop-by-hop and destination options in front of UDP: conntrack and
# kubenf find the ports behind them; an isolated pod's policy still holds.
ipv6_ext_headers()
{
	local out ret=$ksft_pass

	out=$(craft "$CLIENT" udp $VIP6 53 100 --hopopts --dstopts)
	echo "# via the Service: $out"
	[ "$out" = "reply 100 from $VIP6:53" ] || return $ksft_fail
	# b1 isolated, admitting TCP only: the datagram, options or not, is
	# denied.
	kpol -t policy 10 ingress rule ports tcp -- \
		pod 1 name t/b1 addr $B1 addr $B16 isolate ingress ingress 10 ||
		return $ksft_fail
	out=$(craft "$CLIENT" udp $VIP6 53 100 --hopopts --dstopts --timeout 2)
	echo "# b1 isolated, TCP only: $out"
	[ "$out" = timeout ] || ret=$ksft_fail
	out=$(craft "$CLIENT" udp $B16 8053 100 --dstopts --timeout 2)
	echo "# b1 directly: $out"
	[ "$out" = timeout ] || ret=$ksft_fail
	kpol -t del pod 1 -- del policy 10 || ret=$ksft_fail
	return $ret
}

# Bulk TCP both ways through the Service: GSO super-packets and
# non-linear skbs from the sender's stack cross the node's hooks.
gso_bulk()
{
	local got

	got=$(ip netns exec "$CLIENT" socat -T20 -u TCP:$VIP4:81 - | wc -c)
	echo "# download v4: $got"
	[ "$got" -eq $BULK ] || return $ksft_fail
	got=$(ip netns exec "$CLIENT" socat -T20 -u "TCP:[$VIP6]:81" - | wc -c)
	echo "# download v6: $got"
	[ "$got" -eq $BULK ] || return $ksft_fail
	got=$(head -c $BULK /dev/zero |
		ip netns exec "$CLIENT" socat -t20 -T20 - TCP:$VIP4:82)
	echo "# upload v4: $got"
	[ "$got" -eq $BULK ]
}

# Datagrams larger than the MTU: fragments to the Service and back,
# reassembled by conntrack, translated whole. Fragments sent in reverse
# order work too; overlapping ones are dropped (RFC 5722, and Linux for
# IPv4), without a report.
udp_fragments()
{
	local out ret=$ksft_pass v

	for v in $VIP4 $VIP6; do
		out=$(craft "$CLIENT" udp $v 53 8000)
		echo "# $v 8000 bytes: $out"
		[ "$out" = "reply 8000 from $v:53" ] || ret=$ksft_fail
	done
	out=$(craft "$CLIENT" frag $CL $VIP4 53 6000 reverse)
	echo "# v4 fragments reversed: $out"
	[ "$out" = "reply 6000 from $VIP4:53" ] || ret=$ksft_fail
	out=$(craft "$CLIENT" frag $CL6 $VIP6 53 6000 reverse)
	echo "# v6 fragments reversed: $out"
	[ "$out" = "reply 6000 from $VIP6:53" ] || ret=$ksft_fail
	for v in "$CL $VIP4" "$CL6 $VIP6"; do
		# shellcheck disable=SC2086
		out=$(craft "$CLIENT" frag $v 53 6000 overlap)
		echo "# overlapping fragments ($v): $out"
		[ "$out" = timeout ] || ret=$ksft_fail
	done
	return $ret
}

mtu_restore()
{
	ip -n "$NODE" link set vb1 mtu 1500
	ip -n "$CLIENT" route flush cache
	ip -n "$CLIENT" -6 route flush cache
}

# Path MTU discovery through a Service: the link to b1 is narrower than
# the client's. The node's "fragmentation needed" / "packet too big" must
# carry the Service address in its embedded header (the NAT core reverses
# it), or the client would not lower the path MTU of the address it
# dialled and the upload would stall.
frag_needed()
{
	local got ret=$ksft_pass v

	ip -n "$NODE" link set vb1 mtu 1280
	for v in $VIP4 "[$VIP6]"; do
		got=$(head -c 1000000 /dev/zero |
			ip netns exec "$CLIENT" socat -t20 -T20 - TCP:$v:82)
		echo "# upload to $v over a 1280 byte hop: ${got:-nothing}"
		[ "$got" = 1000000 ] || ret=$ksft_fail
	done
	ip -n "$CLIENT" route get $VIP4 | grep -q "mtu 1280" || {
		echo "# no PMTU recorded for $VIP4"
		ret=$ksft_fail
	}
	ip -n "$CLIENT" -6 route get $VIP6 | grep -q "mtu 1280" || {
		echo "# no PMTU recorded for $VIP6"
		ret=$ksft_fail
	}
	mtu_restore
	return $ret
}

# b1 answers a datagram to a closed port with ICMP port unreachable: the
# client's socket, connected to the Service address, gets ECONNREFUSED.
udp_port_unreachable()
{
	local out v ret=$ksft_pass

	for v in $VIP4 $VIP6; do
		out=$(craft "$CLIENT" udp $v 99 10)
		echo "# $v: $out"
		[ "$out" = refused ] || ret=$ksft_fail
	done
	return $ret
}

# ICMP errors about connections that never existed (one claims b2 sent a
# datagram to the Service) do not reach b2, and are counted.
icmp_orphan_dropped()
{
	local before after seen

	before=$(drops icmp-no-connection)
	seen=$(b2_seen)
	craft "$CLIENT" icmp-orphan $CL $B2 $VIP4 >/dev/null || return $ksft_fail
	craft "$CLIENT" icmp-orphan $CL6 $B26 $VIP6 >/dev/null ||
		return $ksft_fail
	after=$(drops icmp-no-connection)
	echo "# dropped $((after - before)), reached b2 $(($(b2_seen) - seen))"
	[ "$((after - before))" -eq 6 ] && [ "$(b2_seen)" -eq "$seen" ]
}

# Truncated and malformed headers of every protocol and family, to the
# Service, to a pod that is not isolated and to one that admits nothing:
# nothing reaches the isolated pod, nothing is reported, and the Service
# still works afterwards.
malformed_headers()
{
	local n sent seen dst

	seen=$(b2_seen)
	n=0
	for dst in "$CL $B2" "$CL6 $B26" "$CL $VIP4" "$CL6 $VIP6" \
		   "$CL $B1" "$CL6 $B16"; do
		# shellcheck disable=SC2086
		sent=$(craft "$CLIENT" malformed $dst 8080)
		[[ $sent =~ ^[0-9]+$ ]] || return $ksft_fail
		n=$((n + sent))
	done
	echo "# sent $n malformed packets; reached b2: $(($(b2_seen) - seen))"
	[ "$n" -gt 100 ] && [ "$(b2_seen)" -eq "$seen" ] || return $ksft_fail
	[ "$(craft "$CLIENT" tcp-ipopts $VIP4 80)" = b1 ]
}

ct_count()
{
	ip netns exec "$NODE" conntrack -C 2>/dev/null
}

# A full conntrack table: kubenf's control path keeps working (netlink
# does not depend on conntrack) and traffic works again once entries go.
# Whether a new connection gets through while it is full is conntrack's
# business (it may evict an entry that is not assured): only shown.
conntrack_full()
{
	local max ret=$ksft_pass out

	max=$(sysctl -n net.netfilter.nf_conntrack_max)
	ip netns exec "$NODE" conntrack -F >/dev/null 2>&1
	sysctl -qw net.netfilter.nf_conntrack_max=40
	# One flow per source port, sent at once (unanswered entries expire
	# after 30 s, a loop of processes could be slower than that).
	ip netns exec "$CLIENT" python3 -c '
import socket, sys
for i in range(60):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 41000 + i))
    s.sendto(b"x", (sys.argv[1], 53))
' $VIP4
	echo "# entries: $(ct_count)"
	[ "$(ct_count)" -ge 40 ] || ret=$ksft_fail
	out=$(ip netns exec "$CLIENT" socat -T3 -u \
		TCP:$VIP4:80,connect-timeout=3 - 2>&1)
	echo "# connect while full: $out"
	kctl info >/dev/null || ret=$ksft_fail
	svc 6 tcp 83 8080 || ret=$ksft_fail
	kctl svc del 6 || ret=$ksft_fail
	ip netns exec "$NODE" conntrack -F >/dev/null 2>&1
	sysctl -qw net.netfilter.nf_conntrack_max="$max"
	out=$(craft "$CLIENT" tcp-ipopts $VIP4 80 2>&1)
	echo "# after the flush: $out"
	[ "$out" = b1 ] || ret=$ksft_fail
	return $ret
}

# run_checked CASE: the case, failing also on a kernel report it caused.
run_checked()
{
	local mark ret

	mark=$(klog_mark)
	"$1"
	ret=$?
	klog_check "$mark" || ret=$ksft_fail
	return $ret
}

# Like run_tests, each case through run_checked.
run_checked_tests()
{
	local t

	tap_plan $#
	for t in "$@"; do
		run_test "$t" run_checked "$t"
	done
}

cleanup()
{
	[ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
	cleanup_all_ns
}

require_root
checktool "socat -V" "run socat"
checktool "nft --version" "run nft"
checktool "conntrack --version" "run conntrack"
checktool "jq --version" "run jq"
checktool "python3 --version" "run python3"
require_kubenf
find_helpers
trap cleanup EXIT
setup || skip_all "could not set up the namespaces"
# shellcheck disable=SC2086
run_checked_tests $TESTS
exit "$EXIT_STATUS"
