#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM half of `make bench` (selftests/bench/bench.sh runs it under
# selftests/vm/run --icount). For each size, and for each mode in turn, it
# builds a fresh node, programs every Service the way that mode's control
# plane does, and measures. Results go to OUT/results.jsonl, one JSON object
# per sample; failures (a mode that cannot program its rules or carry a
# connection) are recorded there too and make the exit status 1.
#
#   client                    node (rules of the mode)            server pods
#   10.0.1.2 ---veth--- 10.0.1.1 | br0 10.0.2.1 ---+--- s1 10.0.2.2:8080
#                                                  +--- s2 10.0.2.3:8080
#                                                  +--- s3 10.0.2.4:8080
#
# The client and the servers are in their own namespaces, as pods are, so
# every connection is routed through the node's netfilter hooks: PREROUTING
# (DNAT), FORWARD, POSTROUTING (masquerade check), and back.
#
# Modes:
#   none      the client connects to a pod IP: no Service translation (the floor)
#   kubenf    kubenf.ko, programmed with kubenfctl apply --replace / svc set
#   iptables  kube-proxy's iptables-mode layout, iptables-nft-restore --noflush
#   nftables  kube-proxy's nftables-mode layout, nft -f
#   ipvs      kube-proxy's IPVS-mode objects: ipvsadm -R, ip -batch, ipset
#   iptables-legacy  (optional) the iptables layout through iptables-legacy
#
# Timings use the guest clock (bash's EPOCHREALTIME around the command, the
# C client's CLOCK_MONOTONIC): with --icount it counts instructions, so only
# ratios between modes of one run mean something.

ME=${0##*/}
BENCH_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd -P)
# shellcheck source=../lib.sh
source "$BENCH_DIR/../lib.sh"

opt_gen=
opt_out=
opt_sizes="100"
opt_modes="none kubenf iptables nftables ipvs"
opt_runs=5		# samples of rates, stream, add-one and change-one
opt_program_runs=3	# samples of programming everything from scratch
opt_conns=1000		# connections per rate sample
opt_warmup=20
opt_mb=64		# MiB per stream sample
opt_mem_size=	# size of the memory split run (6 backends per Service)
opt_bin=
opt_warm_size=100	# generated size used for the warm-up; "" for none
opt_policy=		# "PODS:POLICIES ..." of the NetworkPolicy part (kubenf only)
opt_sample_timeout=0	# guest seconds a timed command may take (0: no limit)
opt_max_repeat=600	# no more programming samples once one took longer
opt_long_cap=0		# second pass for capped programming (guest s; 0: none)
opt_long_modes=		# modes that get that second pass
LONG=			# set during the second pass

usage()
{
	cat >&2 <<EOF
usage: $ME --gen DIR --out DIR --bin DIR [--ko KO] [--sizes "N..."] [--modes "M..."]
          [--runs R] [--program-runs P] [--conns C] [--mb MB] [--mem-size N]
          [--warm-size N|""] [--sample-timeout S] [--max-repeat-s S]
          [--long-cap S --long-modes "M..."] [--policy "PODS:POLICIES ..."]
EOF
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--gen)		opt_gen=$2; shift 2 ;;
	--out)		opt_out=$2; shift 2 ;;
	--bin)		opt_bin=$2; shift 2 ;;
	--sizes)	opt_sizes=$2; shift 2 ;;
	--modes)	opt_modes=$2; shift 2 ;;
	--runs)		opt_runs=$2; shift 2 ;;
	--program-runs)	opt_program_runs=$2; shift 2 ;;
	--conns)	opt_conns=$2; shift 2 ;;
	--mb)		opt_mb=$2; shift 2 ;;
	--mem-size)	opt_mem_size=$2; shift 2 ;;
	--warm-size)	opt_warm_size=$2; shift 2 ;;
	--sample-timeout) opt_sample_timeout=$2; shift 2 ;;
	--max-repeat-s)	opt_max_repeat=$2; shift 2 ;;
	--long-cap)	opt_long_cap=$2; shift 2 ;;
	--long-modes)	opt_long_modes=$2; shift 2 ;;
	--policy)	opt_policy=$2; shift 2 ;;
	--ko)		export KUBENF_KO=$2; shift 2 ;;
	*)		usage ;;
	esac
done
[ -n "$opt_gen" ] && [ -n "$opt_out" ] && [ -n "$opt_bin" ] || usage

WORK=/tmp/bench
# The helpers (and kubenfctl when bench.sh took a snapshot of it) run from
# the VM's tmpfs: the --out share is 9p without caching, so every exec from
# it would read the file from the host again; the system's tools come from
# the cached host root.
mkdir -p "$WORK/bin" && cp "$opt_bin"/* "$WORK/bin/" || exit 1
opt_bin=$WORK/bin
[ -n "${KUBENF_KO:-}" ] && [ -r "$opt_bin/${KUBENF_KO##*/}" ] && KUBENF_KO=$opt_bin/${KUBENF_KO##*/}
[ -x "$opt_bin/kubenfctl" ] && PATH=$opt_bin:$PATH
RESULTS=$opt_out/results.jsonl
CONNBENCH=$opt_bin/connbench
NLBENCH=$opt_bin/nlbench
FAILED=0
SETTLE=1		# seconds for deferred frees (RCU, nft/netns work) to finish

log()
{
	local t=${EPOCHREALTIME%.*}

	echo "[$((t - T_START))s] $*"
}
T_START=${EPOCHREALTIME%.*}

# emit MODE SIZE METRIC RUN VALUE UNIT [EXTRA-JSON-MEMBERS]
emit()
{
	printf '{"mode": "%s", "size": %s, "metric": "%s", "run": %s, "value": %s, "unit": "%s"%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" "${7:+, $7}" >>"$RESULTS"
}

# fail MODE SIZE WHAT: record a failure; the run's exit status becomes 1.
fail()
{
	log "FAIL: $1 at $2 Services: $3"
	printf '{"mode": "%s", "size": %s, "metric": "failure", "what": "%s"}\n' \
		"$1" "$2" "${3//\"/\'}" >>"$RESULTS"
	FAILED=1
}

# Elapsed guest seconds between two EPOCHREALTIME values.
elapsed()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'
}

# timed_ns NS CGROUP CMD...: run CMD in network namespace NS (and memory
# cgroup CGROUP unless "-"), with stdin from $TIMED_STDIN (default
# /dev/null); sets T_ELAPSED (seconds) and returns CMD's status. Only CMD is
# timed: the namespace switch and the shell around it are not. With
# --sample-timeout S (T_LIMIT=S for one call; 0: none), CMD is killed once
# S seconds of guest time have elapsed since it started (elapsed, not CPU:
# much of a big load's time is kernel work that is not the tool's own CPU
# time, nftables transaction clean-up, RCU, netns work); then T_TIMEDOUT=1
# and the status is 124. The watchdog is a forked shell waiting in `read
# -t` on a FIFO nobody writes: it is started before the clock and takes no
# CPU until the limit (no `timeout` or `sleep` exec in the timed span).
TIMED_STDIN=/dev/null
T_TIMEDOUT=
timed_ns()
{
	local ns=$1 cg=$2 out rc

	shift 2
	T_TIMEDOUT=
	# Into the cgroup first: `ip netns exec` remounts /sys, which hides
	# the cgroup file system; membership is inherited.
	out=$(bash -c '
		cg=$1; shift
		[ "$cg" = - ] || echo $$ >"$cg/cgroup.procs" || exit 99
		exec ip netns exec "$@"' _ "$cg" "$ns" bash -c '
		to=$1 w=/tmp/bench/timed wd=; shift
		exec 3<&0
		rm -f "$w.capped" "$w.pid"
		if [ "$to" -gt 0 ]; then
			[ -p "$w.never" ] || mkfifo "$w.never" || exit 98
			( read -r -t "$to" _ <>"$w.never"
			  : >"$w.capped"
			  kill -KILL "$(<"$w.pid")" ) 2>/dev/null &
			wd=$!
		fi
		t0=$EPOCHREALTIME
		"$@" <&3 >"$w.out" 2>&1 &
		pid=$!
		[ -n "$wd" ] && echo "$pid" >"$w.pid"
		wait "$pid"
		rc=$?
		t1=$EPOCHREALTIME
		if [ -n "$wd" ]; then
			kill "$wd" 2>/dev/null
			wait "$wd" 2>/dev/null
		fi
		echo "$t0 $t1"
		[ -e "$w.capped" ] && exit 124
		exit $rc' _ "${T_LIMIT-$opt_sample_timeout}" "$@" <"$TIMED_STDIN")
	rc=$?
	T_ELAPSED=$(elapsed ${out% *} ${out#* })
	if [ "$rc" = 124 ] && [ -e /tmp/bench/timed.capped ]; then
		T_TIMEDOUT=1
		return 124
	fi
	if [ "$rc" != 0 ]; then
		sed 's/^/    | /' /tmp/bench/timed.out | head -n 5
	fi
	return $rc
}

# capped MODE SIZE METRIC: a timed command hit --sample-timeout: recorded
# as such (never as a figure); the mode's later figures at this size are
# not measured.
capped()
{
	log "CAPPED: $1 at $2 Services: $3 did not finish in ${opt_sample_timeout} guest seconds"
	printf '{"mode": "%s", "size": %s, "metric": "capped", "what": "%s", "limit": %s}\n' \
		"$1" "$2" "$3" "$opt_sample_timeout" >>"$RESULTS"
}

# Kernel memory in bytes that rules can occupy: unreclaimable slab, vmalloc
# and per-CPU allocations (/proc/meminfo, kB).
kmem()
{
	awk '/^(SUnreclaim|VmallocUsed|Percpu):/ { s += $2 } END { print s * 1024 }' /proc/meminfo
}

# The same, charged to one memory cgroup (memory.stat, bytes).
cgmem()
{
	awk '$1 ~ /^(slab_unreclaimable|percpu|vmalloc)$/ { s += $2 } END { print s + 0 }' \
		"$1/memory.stat" 2>/dev/null || echo 0
}

# settle: let deferred work finish (RCU callbacks, nftables transaction
# clean-up, freeing of flushed rules): 1 s, plus 1 s per 10000 Services.
settle()
{
	sleep $((SETTLE + ${SIZE:-0} / 10000))
}

CG_ROOT=/sys/fs/cgroup
CG_N=0
# new_cgroup: a fresh memory cgroup for one programming step, in CG ("-"
# when cgroups are not available).
new_cgroup()
{
	CG_N=$((CG_N + 1))
	CG=$CG_ROOT/bench-$CG_N
	mkdir -p "$CG" 2>/dev/null || CG=-
}

##############################################################################
# Topology

# setup_node: namespaces NODE, CLIENT, S1..S3 as in the header; servers up.
setup_node()
{
	local i

	setup_ns NODE CLIENT S1 S2 S3 || return 1
	ip -n "$NODE" link add vc type veth peer name eth0 netns "$CLIENT" &&
	ip -n "$NODE" link add br0 type bridge &&
	ip -n "$NODE" addr add 10.0.1.1/24 dev vc &&
	ip -n "$NODE" addr add 10.0.2.1/24 dev br0 &&
	ip -n "$NODE" link set vc up &&
	ip -n "$NODE" link set br0 up || return 1
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$CLIENT" addr add 10.0.1.2/24 dev eth0
	ip -n "$CLIENT" link set eth0 up
	ip -n "$CLIENT" route add default via 10.0.1.1
	ip netns exec "$CLIENT" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	for i in 1 2 3; do
		local ns=S$i
		ns=${!ns}
		ip -n "$NODE" link add "vs$i" master br0 type veth peer name eth0 netns "$ns" &&
		ip -n "$NODE" link set "vs$i" up &&
		ip -n "$ns" addr add "10.0.2.$((i + 1))/24" dev eth0 &&
		ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via 10.0.2.1 || return 1
		ip netns exec "$ns" "$CONNBENCH" serve "10.0.2.$((i + 1))" 8080 \
			</dev/null >/dev/null 2>&1 &
	done
	for i in 2 3 4; do
		local ns=S$((i - 1))
		busywait 10000 listening "${!ns}" "10.0.2.$i:8080" >/dev/null ||
			return 1
	done
}

listening()
{
	ip netns exec "$1" ss -Hltn | grep -q " $2 "
}

# teardown_node: flush the mode's rules from userspace first, so that the
# kernel's namespace clean-up (asynchronous) has little left to do while the
# next measurement runs.
teardown_node()
{
	if [ -n "$NODE" ] && [ -n "${MODE:-}" ] && [ "$MODE" != none ]; then
		mode_fn flush >/dev/null 2>&1
	fi
	cleanup_ns "$NODE" "$CLIENT" "$S1" "$S2" "$S3" >/dev/null
	NODE= CLIENT= S1= S2= S3=
	settle
}

##############################################################################
# Modes. Each has: setup (once per fresh node, not timed), program FILE-BASE
# (timed: everything from scratch), add K, chg K (timed), flush (back to the
# state after setup), version (the tool's exec floor).

# --- kubenf
kubenf_setup()	{ ip netns exec "$NODE" kubenfctl config set cluster-cidr 10.0.0.0/8 >/dev/null; }
kubenf_program()
{
	timed_ns "$NODE" "$1" kubenfctl apply --replace "$D/kubenf/$2.json"
}
kubenf_add()	{ timed_ns "$NODE" - kubenfctl $(cat "$D/kubenf/add-$1.args"); }
kubenf_chg()	{ timed_ns "$NODE" - kubenfctl $(cat "$D/kubenf/chg-$1.args"); }
kubenf_flush()	{ echo '{"services": []}' >"$WORK/empty.json"; ip netns exec "$NODE" kubenfctl apply --replace "$WORK/empty.json" >/dev/null; }
kubenf_version() { timed_ns "$NODE" - kubenfctl --version; }

# --- kube-proxy iptables mode (iptables-nft, Debian's and the kube-proxy
# image's default backend); iptables-legacy the same through the legacy one.
ipt_tool()	{ [ "$MODE" = iptables-legacy ] && echo iptables-legacy || echo iptables-nft; }
iptables_setup()
{
	TIMED_STDIN=$D/ipt/setup.rules T_LIMIT=0 timed_ns "$NODE" - "$(ipt_tool)-restore" --noflush
}
iptables_program()
{
	TIMED_STDIN=$D/ipt/$2.rules timed_ns "$NODE" "$1" "$(ipt_tool)-restore" --noflush --counters
}
iptables_add()	{ TIMED_STDIN=$D/ipt/add-$1.rules timed_ns "$NODE" - "$(ipt_tool)-restore" --noflush --counters; }
iptables_chg()	{ TIMED_STDIN=$D/ipt/chg-$1.rules timed_ns "$NODE" - "$(ipt_tool)-restore" --noflush --counters; }
# flush: every table at once for the nft backend (iptables -F/-X walks
# tens of thousands of chains one command at a time, and must also clear
# what a load killed at --sample-timeout left behind).
iptables_flush()
{
	local t

	if [ "$MODE" = iptables-legacy ]; then
		for t in nat filter; do
			ip netns exec "$NODE" iptables-legacy -t $t -F
			ip netns exec "$NODE" iptables-legacy -t $t -X
		done
	else
		ip netns exec "$NODE" nft flush ruleset
	fi
	iptables_setup >/dev/null
}
iptables_version() { TIMED_STDIN=/dev/null timed_ns "$NODE" - "$(ipt_tool)-restore" --version; }

# --- kube-proxy nftables mode
nftables_setup()	{ :; }
nftables_program()	{ timed_ns "$NODE" "$1" nft -f "$D/nft/$2.nft"; }
nftables_add()		{ timed_ns "$NODE" - nft -f "$D/nft/add-$1.nft"; }
nftables_chg()		{ timed_ns "$NODE" - nft -f "$D/nft/chg-$1.nft"; }
nftables_flush()	{ ip netns exec "$NODE" nft flush ruleset; }
nftables_version()	{ timed_ns "$NODE" - nft --version; }

# --- kube-proxy IPVS mode: its kernel objects, per object as it programs
# them (the listing of every object that kube-proxy's IPVS sync loop does
# on each sync is not modelled: the figures are a floor for it).
ipvs_setup()
{
	ip netns exec "$NODE" sysctl -qw net.ipv4.vs.conntrack=1 \
		net.ipv4.vs.expire_nodest_conn=1 net.ipv4.vs.expire_quiescent_template=1 &&
	ip -n "$NODE" link add kube-ipvs0 type dummy &&
	ip netns exec "$NODE" ipset restore <"$D/ipvs/setup.ipset" &&
	ip netns exec "$NODE" iptables-nft-restore --noflush <"$D/ipvs/setup.rules"
}
# ipvs_apply BASE CGROUP: the three tools, one batch each.
ipvs_apply()
{
	local b=$1 cg=$2 t=0

	if [ -s "$D/ipvs/$b.ip" ]; then
		timed_ns "$NODE" "$cg" ip -batch "$D/ipvs/$b.ip" || return 1
		t=$T_ELAPSED
	fi
	TIMED_STDIN=$D/ipvs/$b.ipset timed_ns "$NODE" "$cg" ipset restore -exist || return 1
	t=$(awk -v a="$t" -v b="$T_ELAPSED" 'BEGIN { printf "%.6f", a + b }')
	TIMED_STDIN=$D/ipvs/$b.ipvs timed_ns "$NODE" "$cg" ipvsadm -R || return 1
	T_ELAPSED=$(awk -v a="$t" -v b="$T_ELAPSED" 'BEGIN { printf "%.6f", a + b }')
}
ipvs_program()	{ ipvs_apply "$2" "$1"; }
ipvs_add()	{ ipvs_apply "add-$1" -; }
ipvs_chg()	{ ipvs_apply "chg-$1" -; }
ipvs_flush()
{
	ip netns exec "$NODE" ipvsadm -C &&
	ip -n "$NODE" addr flush dev kube-ipvs0 &&
	ip netns exec "$NODE" ipset flush
}
ipvs_version()	{ timed_ns "$NODE" - ipvsadm --version; }

mode_fn()
{
	local fn=$1; shift

	case "$MODE" in
	iptables-legacy)	"iptables_$fn" "$@" ;;
	*)			"${MODE}_$fn" "$@" ;;
	esac
}

##############################################################################
# Measurements

# rate MODE SIZE METRIC RUN ADDR PORT COUNT WARMUP: one rate sample.
rate()
{
	local mode=$1 size=$2 metric=$3 run=$4 addr=$5 port=$6 out

	if ! out=$(ip netns exec "$CLIENT" "$CONNBENCH" rate "$addr" "$port" "$7" "$8"); then
		fail "$mode" "$size" "$metric: connections to $addr:$port failed: $out"
		return 1
	fi
	[ "$metric" = check ] && return 0
	emit "$mode" "$size" "$metric" "$run" \
		"$(sed 's/.*"rate": \([0-9.]*\).*/\1/' <<<"$out")" "conn/s" "\"detail\": $out"
}

stream()
{
	local mode=$1 size=$2 run=$3 addr=$4 port=$5 out

	if ! out=$(ip netns exec "$CLIENT" "$CONNBENCH" stream "$addr" "$port" "$opt_mb"); then
		fail "$mode" "$size" "stream to $addr:$port failed: $out"
		return 1
	fi
	emit "$mode" "$size" stream "$run" \
		"$(sed 's/.*"MBps": \([0-9.]*\).*/\1/' <<<"$out")" "MiB/s" "\"detail\": $out"
}

json_get()
{
	sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" "$1" | head -n1
}

# program MODE SIZE RUN BASE METRIC: program everything from scratch into
# the freshly set-up node; time and kernel memory.
program()
{
	local mode=$1 size=$2 run=$3 base=$4 metric=$5 cg m0 m1 c

	new_cgroup
	cg=$CG
	settle
	m0=$(kmem)
	if ! mode_fn program "$cg" "$base"; then
		if [ -n "$T_TIMEDOUT" ]; then
			capped "$mode" "$size" "$metric"
		else
			fail "$mode" "$size" "programming $size Services ($base) failed"
		fi
		return 1
	fi
	local t=$T_ELAPSED
	T_PROG=$t
	settle
	m1=$(kmem)
	c=$(cgmem "$cg")
	emit "$mode" "$size" "$metric" "$run" "$t" s "${LONG:+\"long\": $opt_sample_timeout}"
	emit "$mode" "$size" "${metric/program/mem}" "$run" $((m1 - m0)) B "\"memcg\": $c"
	log "  $mode: $base: ${t}s, kernel memory +$(((m1 - m0) / 1024)) kB (memcg $((c / 1024)) kB)"
}

bench_mode()
{
	local mode=$1 size=$2 r k mid last
	local plan=$opt_gen/$size/plan.json

	MODE=$mode
	SIZE=$size
	mid=$(json_get "$plan" vip_mid)
	last=$(json_get "$plan" vip_last)
	D=$WORK/$size
	log "== $mode, $size Services"
	if ! setup_node; then
		fail "$mode" "$size" "cannot set up the namespaces"
		teardown_node
		return
	fi

	if [ "$mode" = none ]; then
		for ((r = 0; r < opt_runs; r++)); do
			rate "$mode" "$size" rate_last "$r" 10.0.2.2 8080 "$opt_conns" "$opt_warmup" || break
			rate "$mode" "$size" rate_mid "$r" 10.0.2.3 8080 "$opt_conns" "$opt_warmup" || break
		done
		for ((r = 0; r < opt_runs; r++)); do
			stream "$mode" "$size" "$r" 10.0.2.2 8080 || break
		done
		teardown_node
		return
	fi

	if ! mode_fn setup >/dev/null; then
		fail "$mode" "$size" "setup failed"
		teardown_node
		return
	fi
	for ((r = 0; r < opt_runs && !${#LONG}; r++)); do
		mode_fn version >/dev/null && emit "$mode" "$size" exec_floor "$r" \
			"$(awk -v t="$T_ELAPSED" 'BEGIN { printf "%.3f", t * 1000 }')" ms
	done

	# Everything from scratch, several times (flushed in between); the
	# last one stays for the traffic measurements.
	for ((r = 0; r < opt_program_runs; r++)); do
		if [ "$r" -gt 0 ]; then
			mode_fn flush >/dev/null 2>&1
		fi
		if ! program "$mode" "$size" "$r" full program_all; then
			teardown_node
			return
		fi
		if awk -v t="$T_PROG" -v m="$opt_max_repeat" 'BEGIN { exit !(t > m) }'; then
			log "  $mode: one programming took more than ${opt_max_repeat}s: not repeated"
			break
		fi
	done

	# The first connections must work, to the last and the middle Service.
	if ! rate "$mode" "$size" check 0 "$last" 80 3 0 ||
	   ! rate "$mode" "$size" check 0 "$mid" 80 3 0; then
		teardown_node
		return
	fi
	for ((r = 0; r < opt_runs; r++)); do
		rate "$mode" "$size" rate_last "$r" "$last" 80 "$opt_conns" "$opt_warmup" || break
		rate "$mode" "$size" rate_mid "$r" "$mid" 80 "$opt_conns" "$opt_warmup" || break
	done
	for ((r = 0; r < opt_runs; r++)); do
		stream "$mode" "$size" "$r" "$mid" 80 || break
	done

	# One Service added with N present (each add also leaves it there).
	local vips
	vips=$(sed -n '/"vip_add"/,/]/p' "$plan" | grep -o '[0-9.]*\.[0-9]*' )
	for ((k = 0; k < opt_runs; k++)); do
		if ! mode_fn add "$k"; then
			if [ -n "$T_TIMEDOUT" ]; then
				capped "$mode" "$size" add_one
			else
				fail "$mode" "$size" "adding one Service failed"
			fi
			break
		fi
		emit "$mode" "$size" add_one "$k" \
			"$(awk -v t="$T_ELAPSED" 'BEGIN { printf "%.3f", t * 1000 }')" ms
	done
	# ... and it carries connections.
	rate "$mode" "$size" check 0 "$(tail -n1 <<<"$vips")" 80 3 0

	# One endpoint of one Service replaced by another.
	local chg
	chg=$(json_get "$plan" vip_chg)
	for ((k = 0; k < opt_runs; k++)); do
		if ! mode_fn chg "$k"; then
			if [ -n "$T_TIMEDOUT" ]; then
				capped "$mode" "$size" change_ep
			else
				fail "$mode" "$size" "changing one endpoint failed"
			fi
			break
		fi
		emit "$mode" "$size" change_ep "$k" \
			"$(awk -v t="$T_ELAPSED" 'BEGIN { printf "%.3f", t * 1000 }')" ms
	done
	rate "$mode" "$size" check 0 "$chg" 80 3 0

	# kubenf only: the same add through a resident netlink socket.
	if [ "$mode" = kubenf ]; then
		for ((k = 0; k < opt_runs; k++)); do
			local out
			if ! out=$(ip netns exec "$NODE" "$NLBENCH" $((60000 + k)) \
					"10.97.0.$((k + 1)):80" 10.0.2.2:8080 10.0.2.3:8080); then
				fail "$mode" "$size" "nlbench SVC_SET failed"
				break
			fi
			emit "$mode" "$size" add_one_nl "$k" \
				"$(awk -v ns="${out//[^0-9]/}" 'BEGIN { printf "%.4f", ns / 1e6 }')" ms
		done
	fi
	teardown_node
}

# long_pass SIZE: the modes of --long-modes whose programming at SIZE hit
# --sample-timeout are programmed once more, after every other mode of the
# size was measured, with the larger limit --long-cap: when that load
# finishes, it is a programming sample like any other (one, marked "long")
# and the mode's traffic and change figures are measured on it; when it
# does not, the mode is capped at the larger limit.
long_pass()
{
	local size=$1 mode s=$opt_sample_timeout p=$opt_program_runs

	[ "$opt_long_cap" -gt 0 ] || return 0
	for mode in $opt_long_modes; do
		grep -q "\"mode\": \"$mode\", \"size\": $size, \"metric\": \"capped\", \"what\": \"program_all\"" \
			"$RESULTS" || continue
		log "long pass: $mode, $size Services, limit ${opt_long_cap}s"
		LONG=1 opt_sample_timeout=$opt_long_cap opt_program_runs=1
		bench_mode "$mode" "$size"
		LONG= opt_sample_timeout=$s opt_program_runs=$p
	done
}

# The memory split: the same Services with 6 backends each, from scratch
# in a fresh node (compared with the 2-backend run of the same size).
bench_mem6()
{
	local mode=$1 size=$2

	MODE=$mode
	SIZE=$size
	D=$WORK/$size
	log "== $mode, $size Services x 6 backends (memory)"
	setup_node && mode_fn setup >/dev/null &&
		program "$mode" "$size" 0 mem6 program_mem6 ||
		fail "$mode" "$size" "memory run failed"
	teardown_node
}

# warm_up SIZE: every mode programs SIZE Services once in a throw-away node,
# not measured: the first use of a tool loads kernel modules and reads its
# binary and libraries over 9p, which no later sample pays.
warm_up()
{
	local size=$1 mode

	D=$WORK/warm-$size
	rm -rf "$D"
	cp -r "$opt_gen/$size" "$D" || { fail all "$size" "no rule files for the warm-up"; return; }
	SIZE=$size
	for mode in $opt_modes; do
		[ "$mode" = none ] && continue
		MODE=$mode
		log "warm-up: $mode"
		# Not capped: the first use pays for what the warm-up is for.
		if setup_node && mode_fn setup >/dev/null && mode_fn version >/dev/null &&
		   T_LIMIT=0 mode_fn program - full >/dev/null; then
			T_LIMIT=0 mode_fn add 0 >/dev/null
			T_LIMIT=0 mode_fn chg 0 >/dev/null
			mode_fn flush >/dev/null 2>&1
			rate "$mode" "$size" check 0 10.0.2.2 8080 3 0
		else
			fail "$mode" "$size" "warm-up: programming failed"
		fi
		teardown_node
	done
	rm -rf "$D"
}

##############################################################################
# NetworkPolicy, kubenf only (no kube-proxy mode enforces NetworkPolicy, so
# there is no honest counterpart): the same pods and Service with and
# without Q policies, programmed by the real agent (kubenf-agent
# --from-file --once: parse, compile, diff, one transaction, read back).

# serve_8081: a second server on server pod 1, port 8081, which no policy
# admits.
serve_8081()
{
	ip netns exec "$S1" "$CONNBENCH" serve 10.0.2.2 8081 </dev/null >/dev/null 2>&1 &
	busywait 10000 listening "$S1" 10.0.2.2:8081
}

# agent_once DIR CGROUP: one timed agent run.
agent_once()
{
	timed_ns "$NODE" "$2" kubenf-agent --node-name node-1 --cluster-cidr 10.0.0.0/8 \
		--from-file "$1" --once --timeout 36000 -q
}

# pol_program P Q WHAT DIR METRIC: program a fresh node from DIR; time and
# kernel memory.
pol_program()
{
	local p=$1 q=$2 what=$3 dir=$4 metric=$5 m0 m1

	new_cgroup
	settle
	m0=$(kmem)
	if ! agent_once "$dir" "$CG"; then
		if [ -n "$T_TIMEDOUT" ]; then
			capped "$what" "$p" "$metric"
		else
			fail "$what" "$p" "kubenf-agent --once with $q policies failed"
		fi
		return 1
	fi
	local t=$T_ELAPSED
	settle
	m1=$(kmem)
	emit "$what" "$p" "$metric" 0 "$t" s "\"policies\": $q$POL_SEL"
	emit "$what" "$p" "${metric/program/mem}" 0 $((m1 - m0)) B \
		"\"policies\": $q$POL_SEL, \"memcg\": $(cgmem "$CG")"
	log "  $what: ${t}s, kernel memory +$(((m1 - m0) / 1024)) kB"
}

# pol_rates WHAT P Q: rates through the Service and straight to a pod.
pol_rates()
{
	local what=$1 p=$2 q=$3 r out

	for ((r = 0; r < opt_runs; r++)); do
		for t in "pol_rate_svc $POL_VIP 80" "pol_rate_pod 10.0.2.2 8080"; do
			set -- $t
			if ! out=$(ip netns exec "$CLIENT" "$CONNBENCH" rate "$2" "$3" \
					"$opt_conns" "$opt_warmup"); then
				fail "$what" "$p" "$1 with $q policies: connections failed: $out"
				return 1
			fi
			emit "$what" "$p" "$1" "$r" \
				"$(sed 's/.*"rate": \([0-9.]*\).*/\1/' <<<"$out")" conn/s \
				"\"policies\": $q$POL_SEL, \"detail\": $out"
		done
	done
}

# bench_policy P Q [S]: P pods, Q policies, S of which select the server
# pods (default: all Q).
POL_SEL=
bench_policy()
{
	local p=$1 q=$2 sel=${3:-} d=$WORK/pol-$1-$2${3:+-s$3} k n

	MODE=kubenf
	SIZE=$p
	rm -rf "$d"
	cp -r "$opt_gen/${d##*/}" "$d" || { fail kubenf-pol "$p" "no policy files for $p:$q${sel:+:$sel}"; return; }
	# Recorded with every sample with policies: "selecting": S.
	POL_SEL=", \"selecting\": ${sel:-$q}"
	POL_VIP=$(json_get "$d/plan.json" vip)

	# The same objects without NetworkPolicies: the baseline.
	log "== kubenf, $p pods, no policies"
	if setup_node && serve_8081 && pol_program "$p" 0 kubenf-nopol "$d/nopol" pol_program; then
		# Port 8081 of a server pod: open without policies ...
		rate kubenf-nopol "$p" check 0 10.0.2.2 8081 3 0 &&
			pol_rates kubenf-nopol "$p" 0
	fi
	teardown_node

	log "== kubenf, $p pods, $q policies"
	if ! setup_node || ! serve_8081 ||
	   ! pol_program "$p" "$q" kubenf-pol "$d/pol" pol_program; then
		teardown_node
		return
	fi
	# What the module holds (how many kernel objects Q NetworkPolicies
	# compile to is the compiler's business: recorded).
	local counts
	counts=$(ip netns exec "$NODE" kubenfctl -o json info | jq -c .counts)
	log "  module objects: $counts"
	# ... and closed with them (no policy admits it).
	if ip netns exec "$CLIENT" "$CONNBENCH" rate 10.0.2.2 8081 1 0 >/dev/null 2>&1; then
		fail kubenf-pol "$p" "port 8081 is open although no policy admits it (module objects: ${counts//\"/})"
		teardown_node
		return
	fi
	emit kubenf-pol "$p" pol_objects 0 "$(jq .policies <<<"$counts")" objects \
		"\"policies\": $q$POL_SEL, \"counts\": $counts"
	if [ "$(jq .policies <<<"$counts")" = 0 ] || [ "$(jq .pods <<<"$counts")" = 0 ]; then
		fail kubenf-pol "$p" "the module holds no policies or no pods: $counts"
		teardown_node
		return
	fi
	pol_rates kubenf-pol "$p" "$q"
	# One NetworkPolicy added with Q present, by the agent run once more
	# (it reads and compiles everything, sends the difference).
	for ((k = 0; k < opt_runs; k++)); do
		cp "$d/add-$k.json" "$d/pol/zz-add-$k.json"
		if ! agent_once "$d/pol" -; then
			if [ -n "$T_TIMEDOUT" ]; then
				capped kubenf-pol "$p" pol_add
			else
				fail kubenf-pol "$p" "adding one policy failed"
			fi
			break
		fi
		emit kubenf-pol "$p" pol_add "$k" \
			"$(awk -v t="$T_ELAPSED" 'BEGIN { printf "%.3f", t * 1000 }')" ms "\"policies\": $q$POL_SEL"
	done
	teardown_node
	rm -rf "$d"
}

##############################################################################

main()
{
	local size mode

	require_kubenf
	modprobe -q nf_conntrack
	modprobe -q ip_vs && modprobe -q ip_vs_rr
	modprobe -q dummy
	sysctl -qw net.netfilter.nf_conntrack_max=1048576
	echo +memory >"$CG_ROOT/cgroup.subtree_control" 2>/dev/null
	mkdir -p "$WORK" "$opt_out"
	: >>"$RESULTS"
	{
		echo "{\"kernel\": \"$(uname -r)\", \"nproc\": $(nproc),"
		echo " \"mem_kb\": $(awk '/MemTotal/ { print $2 }' /proc/meminfo),"
		echo " \"kubenfctl\": \"$(kubenfctl --version 2>&1 | head -n1)\","
		echo " \"iptables\": \"$(iptables-nft --version 2>&1)\","
		echo " \"nft\": \"$(nft --version 2>&1)\","
		echo " \"ipvsadm\": \"$(ipvsadm --version 2>&1 | head -n1)\"}"
	} >"$opt_out/vm-info.json"

	[ -n "$opt_warm_size" ] && warm_up "$opt_warm_size"
	for size in $opt_sizes; do
		log "copying the rule files for $size Services"
		rm -rf "${WORK:?}/$size"
		cp -r "$opt_gen/$size" "$WORK/$size" || { fail all "$size" "no rule files"; continue; }
		for mode in $opt_modes; do
			bench_mode "$mode" "$size"
		done
		long_pass "$size"
		if [ "$size" = "$opt_mem_size" ]; then
			for mode in $opt_modes; do
				[ "$mode" = none ] || bench_mem6 "$mode" "$size"
			done
		fi
		rm -rf "${WORK:?}/$size"
	done
	local pq
	if [ -n "$opt_policy" ] && [ -n "$opt_warm_size" ]; then
		# Warm-up, not measured: the agent's first run in this VM
		# (smallest pair, no policies) pays for cold caches; the
		# smoke run (no --warm-size) accepts cold first samples.
		pq=$(tr ' ' '\n' <<<"$opt_policy" | sort -t: -n | head -n1)
		log "warm-up: kubenf-agent, $pq"
		MODE=kubenf SIZE=${pq%%:*}
		setup_node && agent_once "$opt_gen/pol-$(tr : - <<<"$pq" | sed 's/^\([0-9]*-[0-9]*\)-\([0-9]*\)$/\1-s\2/')/pol" - >/dev/null ||
			fail kubenf-pol "${pq%%:*}" "warm-up: kubenf-agent failed"
		teardown_node
	fi
	for pq in $opt_policy; do
		bench_policy $(tr : ' ' <<<"$pq")
	done
	log "done; failures: $FAILED"
	return $FAILED
}

main
