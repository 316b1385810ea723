#!/usr/bin/env bash
# The main job on the embedded default: generate the demo captures (the guide's
# IN-2, IN-3, OUT-2 and healthy connections amid background traffic; a
# mutual-TLS mix; the SIP calls of the guide on the inside trunk), run
# callsentry on them through the real DPDK pcap vdev, and print every event as
# it arrives over ZeroMQ. Events also land in out/events.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
build/callsentry-gen --scenario demo --out out/demo.pcap
build/callsentry-gen --scenario tls-mixed --out out/demo-tls.pcap
build/callsentry-gen --scenario sip-mixed --packets 400 --out out/demo-sip.pcap
rm -f out/events.jsonl
endpoint=tcp://127.0.0.1:5570
build/callsentry-sub --connect "$endpoint" --format pretty --timeout 3 &
sub=$!
build/callsentry --pcap outside=out/demo.pcap --pcap outside=out/demo-tls.pcap --pcap outside=out/demo-sip.pcap \
  --local-net 64.102.241.236/32 --local-net 172.16.2.0/24 \
  --events-out out/events.jsonl --zmq-pub "$endpoint" --zmq-wait-subscribers 1
wait "$sub"
echo "events: out/events.jsonl ($(wc -l < out/events.jsonl) lines)"
