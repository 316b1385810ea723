// dns_tracker: DNS on a worker's flows (UDP and TCP port 53). A flow on port
// 53 whose first payload reads as a DNS header becomes DNS's: each UDP
// datagram is one message, a TCP byte stream is cut into messages by their
// 2-byte length prefixes (a DnsStreamPool buffer per flow). Every message is
// parsed and counted (rcodes, truncation, malformations by reason); its
// question name is scanned once by the DNS signatures, and a message about a
// watched name is summarised into a DnsFact for the publisher, which pairs
// queries with responses and decides.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/packet_view.h"
#include "pipeline/tcp_reassembly.h"
#include "signatures/engine.h"
#include "workers/dns_facts.h"
#include "workers/stream_pool.h"

namespace cs {

struct Flow;

// The DNS signatures, built once (and again on reload), shared read-only.
struct DnsShared {
    std::shared_ptr<const RuleSet> rules;  // may be null: nothing is watched
    std::vector<uint32_t> rule_tag;        // per rule index: the DnsTag bit its tag sets (0: none)
};

// The rules file: `configured` (config key dns.rules), or the one shipped in signatures/ when empty.
std::string dns_rules_path(const std::string& configured);
// Loads and compiles `path`, mapping each rule's tag to its DnsTag bit. False
// and a one-line error naming the file when the rules cannot be loaded.
bool load_dns_shared(const std::string& path, const BuildOptions& opts, DnsShared* out, std::string* error);

class DnsFactSink {
public:
    virtual ~DnsFactSink() = default;
    virtual bool push_dns(const DnsFact& fact) = 0;  // false: full, the fact is dropped
};

struct DnsCounters {
    uint64_t flows_udp = 0, flows_tcp = 0;
    uint64_t messages = 0, queries = 0, responses = 0;
    uint64_t rcode_noerror = 0, rcode_nxdomain = 0, rcode_servfail = 0, rcode_refused = 0, rcode_other = 0;
    uint64_t truncated = 0;            // responses with TC=1
    uint64_t not_query = 0;            // NOTIFY, UPDATE and other opcodes: counted, not followed
    uint64_t no_question = 0;          // qdcount 0: nothing to follow
    uint64_t malformed = 0;
    uint64_t malformed_by[size_t(DnsAnomalyKind::kCount)] = {};
    uint64_t snapped = 0;              // UDP payload not all captured (parsed as far as it goes)
    uint64_t watched = 0;              // messages about a watched name (facts made)
    uint64_t facts_dropped = 0;        // the ring was full
    // TCP
    uint64_t tcp_oversize = 0;         // messages larger than the stream buffer (header and question only)
    uint64_t tcp_gaps = 0;             // holes in a stream: framing lost, rest of that direction ignored
    uint64_t tcp_bytes_ignored = 0;
    uint64_t tcp_pool_exhausted = 0;   // a DNS TCP flow found no free stream buffer (counted, not analysed)
};

// One direction of DNS over TCP: bytes into a fixed buffer, one message out
// per length prefix (RFC 1035 §4.2.2, RFC 7766). A message larger than the
// buffer is handed on from its first buffer-full (header and question) and
// the rest skipped. A prefix below 12 or a hole in the stream loses the
// framing (DNS has no marker to find it again): the direction is then ignored.
class DnsStreamDir : public StreamSink {
public:
    class Visitor {
    public:
        virtual ~Visitor() = default;
        // `bytes`: the message (whole), or its first part (whole = false).
        virtual void on_stream_message(std::span<const uint8_t> bytes, bool whole, uint32_t first_frame) = 0;
    };
    void begin(uint8_t* buf, uint32_t capacity, Visitor* visitor, DnsCounters* n);
    void at_frame(uint32_t frame) { frame_ = frame; }

    void on_data(const uint8_t* data, uint32_t len) override;
    void on_gap(uint32_t missing_bytes) override;
    void on_anomaly(ReassemblyAnomaly) override {}

private:
    void drain();
    void lose_framing(uint32_t ignored);

    uint8_t* buf_ = nullptr;
    uint32_t cap_ = 0, used_ = 0;
    uint32_t skip_ = 0;          // bytes of an oversize message still to drop
    uint32_t frame_ = 0, first_frame_ = 0;
    bool lost_ = false;
    Visitor* visitor_ = nullptr;
    DnsCounters* n_ = nullptr;
};

// A worker's DNS stream buffers (a DNS TCP flow holds one slot while it lives).
using DnsStreamPool = StreamPool<DnsStreamDir>;

class DnsTracker : private DnsStreamDir::Visitor {
public:
    DnsTracker(const Config& cfg, const DnsShared* shared, DnsFactSink& sink, ReassemblyPool& pool);

    // The flow's first payload: a flow on port 53 whose payload reads as a DNS
    // message (TCP: after its length prefix) is DNS's from now on: true, and
    // the caller marks the flow (StreamState::kDns) and sends it the flow's
    // packets. A TCP flow takes a stream buffer (none free: counted, and its
    // packets are ignored). False: not DNS, the flow is left alone.
    bool claim(Flow& f, const PacketView& v);
    void on_datagram(Flow& f, const PacketView& v);
    void on_tcp_packet(Flow& f, const PacketView& v, bool from_client);
    // The flow ends (expiry, new connection, end of capture): buffers back.
    void finish(Flow& f);
    // Rules reloaded: use these from now on (allocates the scratch; reload only).
    void take_rules(const DnsShared* shared);

    const DnsCounters& counters() const { return n_; }

private:
    void on_stream_message(std::span<const uint8_t> bytes, bool whole, uint32_t first_frame) override;
    void on_message(std::span<const uint8_t> bytes, bool whole, uint32_t first_frame);
    // The tags and rule ids the question name matched, with their conditions holding.
    struct Match {
        uint32_t tags = 0;
        uint32_t rules[DnsFact::kMaxRules] = {};
        uint8_t count = 0, total = 0;
    };
    Match scan(std::string_view qname, Direction direction, uint16_t vantage) const;

    const Config& cfg_;
    const DnsShared* shared_;
    DnsFactSink& sink_;
    ReassemblyPool& rpool_;
    DnsStreamPool streams_;
    mutable Scratch scratch_;
    std::vector<std::string> vantages_;  // labels by PacketView::vantage, for rule conditions
    std::unique_ptr<DnsMessage> msg_;    // ~40 KiB, reused for every message
    std::unique_ptr<DnsFact> fact_;      // ~3 KiB, reused likewise
    // The packet being processed, for the stream visitor.
    Flow* cur_flow_ = nullptr;
    const PacketView* cur_ = nullptr;
    DnsCounters n_;
};

}  // namespace cs
