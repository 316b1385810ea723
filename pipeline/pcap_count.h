// pcap_count: how many packets a pcap file holds, read once with libpcap before
// capture starts. The DPDK pcap vdev has no end-of-file signal in 22.11 (rx
// simply returns 0 forever), so a port is done when its ipackets reaches this.
#pragma once
#include <cstdint>
#include <string>

namespace cs {

struct PcapFileFacts {
    uint64_t packets = 0;
    uint64_t bytes = 0;        // captured bytes, for sizing an infinite_rx pool
    uint32_t max_caplen = 0;
    int linktype = 0;
};

// false and a one-line reason in *error when the file cannot be read.
bool pcap_file_facts(const std::string& path, PcapFileFacts* out, std::string* error);

}  // namespace cs
