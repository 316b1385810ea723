#!/usr/bin/env bash
# End-to-end throughput: callsentry against its ceiling, dpdk-testpmd in rxonly
# mode, on the same pcap vdev with infinite_rx=1 (the file is replayed from
# memory, so both measure packet processing, not disk).
#
#   perf/throughput.sh [PACKETS_IN_FILE] [PACKETS_TO_PROCESS] [WORKERS]
#
# Builds a mixed pcap with callsentry-gen (perf-mix: ~90% unmonitored web/UDP,
# ~10% monitored 5061/5062 connections, VLAN, QinQ, IPv6), runs testpmd and
# callsentry alternately, ROUNDS times each (default 5: on a shared VM one run
# of the same binary moves by +-10%), and prints packets/s of each round, the
# best of each and their ratio, and the median of the rounds' own ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
file_packets=${1:-200000}
count=${2:-20000000}
workers=${3:-1}
build=${BUILD:-build}
pcap=${PCAP:-/tmp/callsentry-perf-mix-$file_packets.pcap}
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 1; }
[ -f "$pcap" ] || "$build/callsentry-gen" --scenario perf-mix --packets "$file_packets" --out "$pcap" >/dev/null
mbufs=$((file_packets + file_packets / 2 + 16384))
mem=$((mbufs * 3072 / 1048576 + 1024))

testpmd_pps() {  # median of testpmd's per-second Rx-pps, after it warmed up
  local seconds=$(( count / 3000000 + 6 ))
  # With --stats-period testpmd runs until a signal.
  { timeout -s INT "$seconds" dpdk-testpmd --no-huge --no-shconf -m "$mem" -l 0-1 --no-pci --no-telemetry \
      --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" -- --forward-mode=rxonly \
      --total-num-mbufs="$mbufs" --stats-period 1 2>/dev/null || true; } |
    awk '/Rx-pps:/ && $2 > 0 {print $2}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
callsentry_pps() {
  "$build/callsentry" --pcap "$pcap" --pcap-loop --max-packets "$count" --no-zmq --workers "$workers" \
      --monitor-ports "tcp:53,5060-5062,5065,8934;udp:5060,53" 2>&1 >/dev/null |
    sed -n 's/.* in \([0-9.]*\) s (\([0-9]*\) packets\/s).*/\2/p'
}

echo "file: $pcap ($file_packets packets), $count packets per callsentry run, $workers worker(s)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
t=() c=()
for round in $(seq "${ROUNDS:-5}"); do
  t+=("$(testpmd_pps)")
  c+=("$(callsentry_pps)")
  echo "round $round: testpmd ${t[-1]} pps, callsentry ${c[-1]} pps"
done
best_t=$(printf '%s\n' "${t[@]}" | sort -n | tail -1)
best_c=$(printf '%s\n' "${c[@]}" | sort -n | tail -1)
awk -v t="$best_t" -v c="$best_c" 'BEGIN {printf "best: testpmd %.2f Mpps, callsentry %.2f Mpps, ratio %.1f%%\n", t/1e6, c/1e6, 100*c/t}'
for i in "${!t[@]}"; do awk -v t="${t[$i]}" -v c="${c[$i]}" 'BEGIN {printf "%.4f\n", c/t}'; done |
  sort -n | awk '{v[NR]=$1} END {printf "median of the rounds'"'"' ratios: %.1f%% (%.1f%% to %.1f%%)\n", 100*v[int((NR+1)/2)], 100*v[1], 100*v[NR]}'
