// DnsFact: one DNS message about a watched name as a worker saw it (a query or
// a response, its question, rcode, flags and the records the diagnosis reads),
// for the publisher's DNS transaction tracker. Plain and fixed-size: it
// travels through a bounded DPDK ring by value, no pointers, no heap. Names
// other than the question are bounded copies, cut and marked when longer.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "pipeline/ip_addr.h"
#include "workers/conn_fact.h"
#include "workers/dns_parser.h"

namespace cs {

// Facts the DNS signatures (signatures/dns.rules.yaml) attach to a question
// name: one bit per tag the diagnosis reads. A rule's tag maps to a bit at
// load time (dns_tag_from_name); a name with any bit is watched.
enum DnsTag : uint32_t {
    kDnsTagWebexServiceSrv = 1u << 0,      // "webex_service_srv": _sips._tcp.callservice.ciscospark.com
    kDnsTagWebexServiceHost = 1u << 1,     // "webex_service_host": callservice.*, l2sip-*.wbx2.com
    kDnsTagWebexSubdomainSrv = 1u << 2,    // "webex_subdomain_srv": _sips._tcp.<label>.call.ciscospark.com
    kDnsTagWebexCallNaptrName = 1u << 3,   // "webex_call_naptr_name": <label>.call.ciscospark.com
    kDnsTagSipDestinationSrv = 1u << 4,    // "sip_destination_srv": _sips._tcp.mtls.<domain>
    kDnsTagWxcActivation = 1u << 5,        // "wxc_activation": activate.cisco.com
    kDnsTagWxcProvisioning = 1u << 6,      // "wxc_provisioning": *.sipflash.com
    kDnsTagWxcRegistrationSrv = 1u << 7,   // "wxc_registration_srv": _sips._tcp.*.bcld.webex.com
    kDnsTagWxcRegistrationHost = 1u << 8,  // "wxc_registration_host": hosted*.bcld.webex.com
    kDnsTagCount = 9,
};
std::string_view dns_tag_name(DnsTag t);            // "webex_service_srv", ...
uint32_t dns_tag_from_name(std::string_view name);  // the bit, 0 if the diagnosis does not read that tag

// A name other than the question, bounded: the guide's SRV and CNAME targets
// are under 50 characters; a longer one is cut and marked.
struct DnsFactName {
    static constexpr size_t kCapacity = 126;
    char s[kCapacity];
    uint8_t len = 0;
    bool truncated = false;
    void set(std::string_view v) {
        len = uint8_t(std::min(v.size(), kCapacity));
        truncated = v.size() > kCapacity;
        if (len) std::memcpy(s, v.data(), len);
    }
    std::string_view view() const { return {s, len}; }
    // Whether this is `name` (a cut copy is never equal to anything).
    bool is(std::string_view name) const { return !truncated && view() == name; }
};

struct DnsFactSrv {
    uint16_t priority = 0, weight = 0, port = 0;
    uint32_t ttl = 0;
    DnsFactName target;
};

// An A or AAAA record of the answer, or of the additional section when its
// owner is an SRV target of the answer (the glue BIND adds, RFC 2782).
struct DnsFactAddress {
    static constexpr uint8_t kNoSrv = 0xff;
    IpAddr ip;
    uint32_t ttl = 0;
    uint8_t srv = kNoSrv;   // index into DnsFact::srv of the target it belongs to
    bool v6 = false;
};

struct DnsFactNaptr {
    uint16_t order = 0, preference = 0;
    char flags[8];          // character-strings as sent, bytes outside printable ASCII as '?'
    uint8_t flags_len = 0;
    char services[32];
    uint8_t services_len = 0;
    DnsFactName replacement;
};

struct alignas(8) DnsFact {
    // Where: the querier is the client whatever the flow's orientation (a
    // query's sender, a response's receiver).
    uint8_t transport = 17;           // 17 UDP, 6 TCP
    Direction direction = Direction::kUnknown;  // of the lookup: outbound when the querier is on-prem
    uint16_t vantage = 0;
    IpAddr client_ip, server_ip;
    uint16_t client_port = 0, server_port = 0;
    uint64_t conn_id = 0;             // same for every message of one flow on one vantage
    uint64_t ts_ns = 0;               // packet time of the packet that completed the message
    uint32_t frame = 0;               // that packet's frame number (on its vantage)
    uint32_t first_frame = 0;         // frame of the message's first byte (TCP)
    uint32_t seq_in_conn = 0;         // message number within the flow (ordering ties)

    // Header.
    uint16_t id = 0;
    bool is_response = false;
    uint8_t opcode = 0;
    bool aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
    uint16_t rcode = 0;               // 12 bits with EDNS
    uint16_t ancount = 0, nscount = 0, arcount = 0;  // as the header says

    // The first question.
    DnsName qname;
    uint16_t qtype = 0, qclass = 0;

    // The parse: a message the parser refused still names its question when
    // it got that far; its records are then not read (answers_unread).
    bool malformed = false;
    DnsAnomalyKind anomaly = DnsAnomalyKind::kNone;
    bool answers_unread = false;      // malformed, or larger than the TCP stream buffer
    bool cut_short = false;           // TC=1 and the records stopped before the counts

    // The answer, as the diagnosis reads it.
    uint16_t answers_of_qtype = 0;    // answer records of the asked type (any owner: the CNAME chain)
    bool soa_in_authority = false;    // a negative answer's SOA (RFC 2308)
    static constexpr int kMaxSrv = 8, kMaxAddresses = 8, kMaxCnames = 4, kMaxNaptr = 4;
    uint8_t srv_count = 0, address_count = 0, cname_count = 0, naptr_count = 0;  // kept
    uint16_t records_not_kept = 0;    // SRV/A/AAAA/CNAME/NAPTR beyond the arrays, and records the parser dropped
    DnsFactSrv srv[kMaxSrv];
    DnsFactAddress address[kMaxAddresses];
    DnsFactName cname[kMaxCnames];    // CNAME targets in answer order (the chain)
    DnsFactNaptr naptr[kMaxNaptr];

    // Signatures: DnsTag bits and the ids of the rules that matched the question name.
    uint32_t tags = 0;
    static constexpr int kMaxRules = 4;
    uint32_t matched_rules[kMaxRules] = {};
    uint8_t matched_count = 0, matched_total = 0;
};
static_assert(sizeof(DnsFact) % 4 == 0, "rte_ring element sizes are multiples of 4");

}  // namespace cs
