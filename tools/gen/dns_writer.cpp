#include "tools/gen/dns_writer.h"

#include <stdexcept>

#include "tools/gen/byte_writer.h"

namespace cs::gen {

// The four counts start at zero and rise as records are added.
DnsWriter::DnsWriter(uint16_t id, uint16_t flags) : b_(12, 0) {
    b_[0] = uint8_t(id >> 8);
    b_[1] = uint8_t(id);
    b_[2] = uint8_t(flags >> 8);
    b_[3] = uint8_t(flags);
}

void DnsWriter::question(std::string_view qname, uint16_t qtype) {
    enter(kQuestion);
    name(qname, true);
    put16(b_, qtype);
    put16(b_, kClassIn);
}

// RFC 2782: the SRV target is never compressed (it may be pointed to).
void DnsWriter::srv(Section s, std::string_view owner, uint32_t ttl, uint16_t prio, uint16_t weight, uint16_t port,
                    std::string_view target) {
    size_t rdata = record(s, owner, kTypeSrv, kClassIn, ttl);
    put16(b_, prio);
    put16(b_, weight);
    put16(b_, port);
    name(target, false);
    end_rdata(rdata);
}

void DnsWriter::address(Section s, std::string_view owner, uint32_t ttl, const IpAddr& addr) {
    const bool v4 = addr.is_v4();
    size_t rdata = record(s, owner, v4 ? kTypeA : kTypeAaaa, kClassIn, ttl);
    b_.insert(b_.end(), addr.b + (v4 ? 12 : 0), addr.b + 16);
    end_rdata(rdata);
}

// RFC 1035 §4.1.4 allows compression in the SOA's two names; servers use it.
void DnsWriter::soa(Section s, std::string_view owner, uint32_t ttl, const Soa& soa) {
    size_t rdata = record(s, owner, kTypeSoa, kClassIn, ttl);
    name(soa.mname, true);
    name(soa.rname, true);
    for (uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) put32(b_, v);
    end_rdata(rdata);
}

// RFC 6891 §6.1.2-3: root owner, CLASS = UDP payload size, TTL = extended
// rcode 0, version 0, flags (DO is the top bit).
void DnsWriter::opt(uint16_t udp_size, bool dnssec_ok) {
    size_t rdata = record(kAdditional, "", kTypeOpt, udp_size, dnssec_ok ? 0x8000u : 0u);
    end_rdata(rdata);
}

// Sections must come in wire order; each record raises its section's count.
void DnsWriter::enter(Section s) {
    if (s < section_) throw std::logic_error("DnsWriter: sections out of order");
    section_ = s;
    size_t at = 4 + 2 * size_t(s);
    uint16_t n = uint16_t((b_[at] << 8 | b_[at + 1]) + 1);
    b_[at] = uint8_t(n >> 8);
    b_[at + 1] = uint8_t(n);
}

size_t DnsWriter::record(Section s, std::string_view owner, uint16_t type, uint16_t rclass, uint32_t ttl) {
    enter(s);
    name(owner, true);
    put16(b_, type);
    put16(b_, rclass);
    put32(b_, ttl);
    put16(b_, 0);  // RDLENGTH, patched by end_rdata
    return b_.size();
}

void DnsWriter::end_rdata(size_t start) {
    uint16_t len = uint16_t(b_.size() - start);
    b_[start - 2] = uint8_t(len >> 8);
    b_[start - 1] = uint8_t(len);
}

// Writes `dotted` label by label; with `compress`, the longest suffix
// already in the message becomes a pointer. Every suffix written is
// remembered as a pointer target either way. "" is the root.
void DnsWriter::name(std::string_view dotted, bool compress) {
    while (!dotted.empty()) {
        if (compress) {
            auto it = suffixes_.find(std::string(dotted));
            if (it != suffixes_.end()) {
                put16(b_, uint16_t(0xc000 | it->second));
                return;
            }
        }
        if (b_.size() < 0x4000) suffixes_.emplace(std::string(dotted), uint16_t(b_.size()));
        size_t dot = dotted.find('.');
        std::string_view label = dotted.substr(0, dot);
        b_.push_back(uint8_t(label.size()));
        b_.insert(b_.end(), label.begin(), label.end());
        dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    b_.push_back(0);
}

}  // namespace cs::gen
