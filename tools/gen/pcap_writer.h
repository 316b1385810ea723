// pcap_writer: writes Ethernet frames to a classic pcap file (DLT_EN10MB,
// microsecond timestamps) through libpcap, so every reader of the format
// (tshark, tcpdump, DPDK's pcap vdev) accepts the result.
#pragma once
#include <cstdint>
#include <span>
#include <string>

struct pcap;
struct pcap_dumper;

namespace cs::gen {

class PcapWriter {
public:
    // Opens (truncates) `path`; throws std::runtime_error naming the path and
    // the reason when it cannot be written.
    explicit PcapWriter(const std::string& path);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // `ts_ns` is truncated to microseconds, the file's precision.
    void write(uint64_t ts_ns, std::span<const uint8_t> frame);

    // Flushes and closes; throws std::runtime_error if any write failed
    // (disk full, I/O error). Called by the destructor too, which swallows errors.
    void close();

private:
    std::string path_;
    pcap* pcap_ = nullptr;
    pcap_dumper* dumper_ = nullptr;
};

}  // namespace cs::gen
