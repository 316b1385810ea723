// dns_writer: DNS messages (RFC 1035) built as resolvers and servers put them
// on the wire: the header's counts raised record by record, owner names
// compressed to the longest suffix already written, SRV targets written out
// (RFC 2782), and the EDNS OPT pseudo-record (RFC 6891). Generator-only.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/ip_addr.h"

namespace cs::gen {

// Header flags (RFC 1035 4.1.1) of the messages the scenarios send.
inline constexpr uint16_t kDnsRecursionDesired = 0x0100;  // a stub's query
inline constexpr uint16_t kDnsIterative = 0x0000;         // a resolver's query to an authoritative server
// A recursive resolver's answer: QR, RD, RA and the response code.
constexpr uint16_t dns_recursive_answer(uint16_t rcode) { return uint16_t(0x8180 | (rcode & 0x0f)); }

class DnsWriter {
public:
    enum Section { kQuestion, kAnswer, kAuthority, kAdditional };
    static constexpr uint16_t kTypeA = 1, kTypeSoa = 6, kTypeAaaa = 28, kTypeSrv = 33, kTypeNaptr = 35,
                              kTypeOpt = 41, kClassIn = 1;
    static constexpr uint16_t kNoError = 0;

    DnsWriter(uint16_t id, uint16_t flags);

    void question(std::string_view qname, uint16_t qtype);
    void srv(Section s, std::string_view owner, uint32_t ttl, uint16_t prio, uint16_t weight, uint16_t port,
             std::string_view target);
    // A (IPv4 `addr`) or AAAA (IPv6 `addr`).
    void address(Section s, std::string_view owner, uint32_t ttl, const IpAddr& addr);
    // The zone's SOA, as negative answers carry it (RFC 2308 §3).
    struct Soa {
        std::string_view mname, rname;
        uint32_t serial, refresh, retry, expire, minimum;
    };
    void soa(Section s, std::string_view owner, uint32_t ttl, const Soa& soa);
    // EDNS: the requestor's UDP payload size and the DO bit; no options.
    void opt(uint16_t udp_size, bool dnssec_ok);

    const std::vector<uint8_t>& bytes() const { return b_; }

private:
    void enter(Section s);
    size_t record(Section s, std::string_view owner, uint16_t type, uint16_t rclass, uint32_t ttl);
    void end_rdata(size_t start);
    void name(std::string_view dotted, bool compress);

    std::vector<uint8_t> b_;
    Section section_ = kQuestion;
    std::map<std::string, uint16_t> suffixes_;  // name written -> its offset (a pointer target)
};

}  // namespace cs::gen
