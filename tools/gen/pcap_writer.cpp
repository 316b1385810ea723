#include "tools/gen/pcap_writer.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace cs::gen {

namespace {
// Large enough for any frame the scenarios build (jumbo frames included).
constexpr int kSnapLen = 65535;
}  // namespace

PcapWriter::PcapWriter(const std::string& path) : path_(path) {
    pcap_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, kSnapLen, PCAP_TSTAMP_PRECISION_MICRO);
    if (!pcap_) throw std::runtime_error("cannot create a pcap handle for " + path);
    errno = 0;
    dumper_ = pcap_dump_open(pcap_, path.c_str());
    if (!dumper_) {
        // libpcap's message repeats the path; the errno of its fopen() is the reason.
        std::string why = errno ? std::strerror(errno) : pcap_geterr(pcap_);
        pcap_close(pcap_);
        pcap_ = nullptr;
        throw std::runtime_error("cannot write " + path + ": " + why);
    }
}

PcapWriter::~PcapWriter() {
    try {
        close();
    } catch (const std::exception&) {
        // A destructor must not throw; callers who care call close() themselves.
    }
}

void PcapWriter::write(uint64_t ts_ns, std::span<const uint8_t> frame) {
    if (!dumper_) throw std::logic_error("PcapWriter::write after close");
    pcap_pkthdr h{};
    h.ts.tv_sec = time_t(ts_ns / 1'000'000'000);
    h.ts.tv_usec = suseconds_t(ts_ns / 1000 % 1'000'000);
    h.caplen = h.len = uint32_t(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, frame.data());
}

void PcapWriter::close() {
    if (!dumper_) return;
    // pcap_dump() cannot report errors; the stream's error flag and the final
    // flush are where a full disk shows up.
    FILE* f = pcap_dump_file(dumper_);
    bool failed = pcap_dump_flush(dumper_) != 0 || std::ferror(f) != 0;
    int err = errno;
    pcap_dump_close(dumper_);
    pcap_close(pcap_);
    dumper_ = nullptr;
    pcap_ = nullptr;
    if (failed) throw std::runtime_error("writing " + path_ + " failed: " + std::strerror(err));
}

}  // namespace cs::gen
