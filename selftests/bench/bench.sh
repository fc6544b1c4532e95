#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` and `make bench-smoke`: kubenf against kube-proxy's iptables,
# nftables and IPVS modes and against no Service translation, side by side
# in one VM per size, on one kernel (see README.md in this directory).
#
# usage: selftests/bench/bench.sh [--smoke] [--out DIR] [--kernel K]
#            [--sizes "N..."] [--modes "M..."] [--runs R] [--program-runs P]
#            [--conns C] [--mb MB] [--mem-size N|""] [--vm-mem MB]
#            [--timeout SEC] [--sample-timeout SEC] [--max-repeat-s SEC]
#            [--long-cap SEC] [--long-modes "M..."]
#            [--policy "PODS:POLICIES..."] [--tap] [--keep-gen]
#
#   --smoke         100 Services, one sample of everything, every mode, no
#                   memory split: a few minutes; fails (exit 1) when a mode
#                   cannot program its rules or carry a connection
#   --out DIR       results (default build/bench/<timestamp>, smoke:
#                   build/bench/smoke-<timestamp>); an earlier run's
#                   results there are removed first
#   --kernel K      the VM's kernel (default 6.12)
#   --sizes         Service counts (default "100 1000 10000 30000")
#   --modes         default "none kubenf iptables nftables ipvs"; also
#                   iptables-legacy
#   --runs R        samples of rates, stream, add-one, change-one (5)
#   --program-runs  samples of programming everything from scratch (3)
#   --conns C       connections per rate sample (1000)
#   --mb MB         MiB per stream sample (64)
#   --mem-size N    size at which memory is split per Service / per backend
#                   with a second, 6-backend programming (10000; "" for none)
#   --vm-mem MB     guest memory (4096)
#   --timeout SEC   per VM (one VM per size; default 36000)
#   --sample-timeout SEC  guest seconds (elapsed, guest clock) one timed
#                   command (programming, add, change) may take; one that
#                   takes longer is killed and recorded as capped ("did not
#                   finish in SEC guest seconds": a lower bound, never a
#                   figure), its rules are flushed, and the mode's other
#                   figures at that size are not measured (default 0: no
#                   limit)
#   --long-cap SEC  after every mode of a size was measured, each mode of
#                   --long-modes whose programming was capped is programmed
#                   once more with this larger limit; if that load finishes
#                   it is one programming sample (marked "long") and the
#                   mode's other figures are measured on it (default 0: no
#                   second pass)
#   --long-modes    the modes that get that second pass (default
#                   "ipvs nftables iptables")
#   --max-repeat-s SEC  programming from scratch is not sampled again once
#                   one sample took longer than this (guest s; default 600)
#   --policy        the NetworkPolicy part (kubenf only, in a VM of its
#                   own after the sizes): PODS:POLICIES[:S], pod and policy
#                   counts, S of the policies selecting the server pods
#                   (default: all of them; the others select other pods)
#                   (default "100:10 1000:100 10000:1000:100 10000:1000";
#                   smoke: "100:10"; "" for none)
#   --tap           print TAP: one test per mode (and one for the policy
#                   part) that programmed and carried connections
#   --keep-gen      keep the generated rule files (OUT/gen)
#
# Writes OUT/results.{jsonl,json,md} and OUT/<figure>.png. Exit status: 0,
# or 1 if any mode failed to program or to carry a connection, or a VM
# failed.
set -uo pipefail

ME=${0##*/}
BENCH_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd -P)
REPO=$(cd "$BENCH_DIR/../.." && pwd -P)
PY=/usr/bin/python3	# Debian's, with python3-matplotlib

smoke=
out=
kernel=6.12
sizes="100 1000 10000 30000"
modes="none kubenf iptables nftables ipvs"
runs=5
program_runs=3
conns=1000
mb=64
mem_size=10000
vm_mem=4096
timeout=36000
sample_timeout=0
max_repeat=600
long_cap=0
long_modes="ipvs nftables iptables"
keep_gen=
warm=100
policy="100:10 1000:100 10000:1000:100 10000:1000"
tap=

usage()
{
	sed -n 's/^# \{0,1\}//; /^usage:/,/^$/p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke)	smoke=1; shift ;;
	*)		shift ;;
	esac
done
if [ -n "$smoke" ]; then
	sizes=100 runs=1 program_runs=1 conns=100 mb=8 mem_size= warm=
	policy=100:10
	timeout=1800
fi
set -- "${args[@]}"
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke)	shift ;;
	--out)		out=$2; shift 2 ;;
	--kernel)	kernel=$2; shift 2 ;;
	--sizes)	sizes=$2; shift 2 ;;
	--modes)	modes=$2; shift 2 ;;
	--runs)		runs=$2; shift 2 ;;
	--program-runs)	program_runs=$2; shift 2 ;;
	--conns)	conns=$2; shift 2 ;;
	--mb)		mb=$2; shift 2 ;;
	--mem-size)	mem_size=$2; shift 2 ;;
	--vm-mem)	vm_mem=$2; shift 2 ;;
	--timeout)	timeout=$2; shift 2 ;;
	--sample-timeout) sample_timeout=$2; shift 2 ;;
	--max-repeat-s)	max_repeat=$2; shift 2 ;;
	--long-cap)	long_cap=$2; shift 2 ;;
	--long-modes)	long_modes=$2; shift 2 ;;
	--policy)	policy=$2; shift 2 ;;
	--tap)		tap=1; shift ;;
	--keep-gen)	keep_gen=1; shift ;;
	-h|--help)	usage ;;
	*)		echo "$ME: unknown argument $1" >&2; usage ;;
	esac
done

if [ -z "$out" ]; then
	out=$REPO/build/bench/${smoke:+smoke-}$(date +%Y%m%d-%H%M%S)
fi
mkdir -p "$out" && out=$(cd "$out" && pwd -P) || exit 1
# A run's results never mix with an earlier run's in the same folder.
rm -rf "$out"/results.jsonl "$out"/results.json "$out"/results.md "$out"/*.png \
	"$out"/host-info.json "$out"/vm-info.json "$out"/harness "$out"/gen "$out"/vm-logs
bin=$REPO/build/bench/bin
for b in connbench nlbench; do
	[ -x "$bin/$b" ] || { echo "$ME: $bin/$b missing: make bench builds it" >&2; exit 1; }
done
$PY -c 'import matplotlib' 2>/dev/null ||
	{ echo "$ME: $PY cannot import matplotlib: install python3-matplotlib (make deps)" >&2; exit 1; }

# Snapshot the module and kubenfctl: the whole run uses the same build even
# if build/ changes meanwhile (one VM per size).
case "$kernel" in
*-*)	kver=$kernel ;;
*)	kver=$(ls /lib/modules | grep -E "^${kernel//./\\.}[.-][0-9].*-amd64\$" | sort -V | tail -n1) ;;
esac
ko=$REPO/build/$kver/kubenf.ko
[ -r "$ko" ] || { echo "$ME: $ko missing: make bench builds it" >&2; exit 1; }
mkdir -p "$out/bin"
cp "$ko" "$REPO/build/userspace/kubenfctl" "$REPO/build/userspace/kubenf-agent" "$bin/connbench" "$bin/nlbench" "$out/bin/" || exit 1
bin=$out/bin
# The harness too: the VM of every size runs the same inner.sh even if the
# source tree changes during a run of several hours.
mkdir -p "$out/harness/bench" &&
cp "$REPO/selftests/lib.sh" "$out/harness/" &&
cp "$BENCH_DIR/inner.sh" "$out/harness/bench/" || exit 1

t0=$(date +%s)
echo "$ME: results in $out"
gen_sizes=$(echo $sizes $warm | tr ' ' '\n' | sort -un | paste -sd,)
echo "$ME: generating rule files for $gen_sizes Services${policy:+ and policy sets $policy}"
$PY "$BENCH_DIR/gen.py" --out "$out/gen" --sizes "$gen_sizes" --repeats "$runs" \
	--mem-size "${mem_size:-0}" --policy "$(echo $policy | tr ' ' ,)" || exit 1

host_info()
{
	local dur=${1:-}
	cat >"$out/host-info.json" <<EOF
{"cpu": "$(lscpu | sed -n 's/^Model name: *//p' | head -n1) x $(nproc)",
 "started": "$(date -d "@$t0" -u +%Y-%m-%dT%H:%M:%SZ)",
 "load_at_start": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "duration": "$dur", "kernel_line": "$kernel", "smoke": ${smoke:-0},
 "sizes": "$sizes", "modes": "$modes", "policy": "$policy", "runs": $runs, "program_runs": $program_runs,
 "conns": $conns, "mb": $mb, "mem_size": "$mem_size",
 "sample_timeout": $sample_timeout, "max_repeat_s": $max_repeat,
 "long_cap": $long_cap, "long_modes": "$long_modes",
 "git": "$(git -C "$REPO" describe --always --dirty 2>/dev/null)"}
EOF
}
host_info

# One VM per size: a size's results survive a later size's failure, and
# each VM starts from the same clean kernel state. Modes of one size always
# share a VM.
rc=0
selftests_run=("$REPO/selftests/vm/run" --icount --kernel "$kver" --mem "$vm_mem"
	--timeout "$timeout" --out "$out")
for n in $sizes; do
	echo "$ME: === $n Services (VM started $(date +%H:%M:%S))"
	w=$warm
	# Every VM warms up once (module loading, cold caches); the smoke run
	# measures everything once and accepts cold first samples.
	[ -n "$smoke" ] && w=
	# The smoke run saves a boot: its policy part shares the VM.
	"${selftests_run[@]}" -- "$out/harness/bench/inner.sh" --gen "$out/gen" --out "$out" \
		--bin "$bin" --ko "$bin/kubenf.ko" --sizes "$n" --modes "$modes" --runs "$runs" \
		--program-runs "$program_runs" --conns "$conns" --mb "$mb" \
		--mem-size "$mem_size" --warm-size "$w" ${smoke:+--policy "$policy"} \
		--sample-timeout "$sample_timeout" --max-repeat-s "$max_repeat" \
		--long-cap "$long_cap" --long-modes "$long_modes" || rc=1
done
if [ -n "$policy" ] && [ -z "$smoke" ]; then
	echo "$ME: === NetworkPolicy, pods:policies $policy (VM started $(date +%H:%M:%S))"
	"${selftests_run[@]}" -- "$out/harness/bench/inner.sh" --gen "$out/gen" --out "$out" \
		--bin "$bin" --ko "$bin/kubenf.ko" --sizes "" --modes "" --runs "$runs" \
		--conns "$conns" --warm-size "$warm" --policy "$policy" \
		--sample-timeout "$sample_timeout" || rc=1
fi
t1=$(date +%s)
dur=$(( (t1 - t0) / 60 ))
host_info "$((dur / 60)) h $((dur % 60)) min"
[ -n "$keep_gen" ] || rm -rf "$out/gen"

if [ -n "$tap" ]; then
	$PY "$BENCH_DIR/report.py" --tap "$out" || rc=1
else
	$PY "$BENCH_DIR/report.py" "$out" >/dev/null || rc=1
fi
echo "$ME: $(grep -c . "$out/results.jsonl") samples; table: $out/results.md"
awk '/^### Targets/ { p = 1; print; next } /^### / { p = 0 } p' "$out/results.md"
if [ "$rc" != 0 ]; then
	echo "$ME: FAILED (see $out/results.md and $out/vm-logs/)" >&2
fi
exit $rc
