// sip_tracker: SIP in clear on a worker's flows. A flow whose first payload
// starts like a SIP message becomes SIP's: over TCP its byte streams are
// framed into messages (a SipStreamPool buffer per flow), over UDP each
// datagram (whole or reassembled from fragments) is one message. Each message
// is parsed, scanned once by the SIP signatures, summarised into a SipFact and
// handed to the publisher, which follows calls by Call-ID across flows,
// workers and vantages. The end of a TCP connection that carried SIP is a
// fact too (who reset or closed it), for SIP_MESSAGE_TOO_LARGE.
#pragma once
#include <memory>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/packet_view.h"
#include "pipeline/tcp_reassembly.h"
#include "signatures/engine.h"
#include "workers/sip_facts.h"
#include "workers/sip_stream.h"

namespace cs {

struct Flow;

// The SIP signatures, built once (and again on reload), shared read-only.
struct SipShared {
    std::shared_ptr<const RuleSet> rules;  // may be null: no SIP signatures
    std::vector<uint32_t> rule_tag;        // per rule index: the SipTag bit its tag sets (0: none)
};

class SipFactSink {
public:
    virtual ~SipFactSink() = default;
    virtual bool push_sip(const SipFact& fact) = 0;  // false: full, the fact is dropped
};

struct SipCounters {
    uint64_t flows = 0, messages = 0, unparsed = 0, facts_dropped = 0;
    uint64_t datagrams = 0;
    SipStreamCounters stream;
};

class SipTracker : private SipMessageVisitor {
public:
    SipTracker(const Config& cfg, const SipShared* shared, SipFactSink& sink, ReassemblyPool& pool);

    // The flow's first payload: SIP? Then the flow is SIP's from now on (a
    // TCP flow takes a stream buffer; none free: not analysed, counted).
    bool claim(Flow& f, const PacketView& v);
    void on_tcp_packet(Flow& f, const PacketView& v, bool from_client);
    void on_datagram(Flow& f, const PacketView& v, bool from_client);
    // The flow ends (expiry, new connection, end of capture): buffers back.
    void finish(Flow& f);
    // Rules reloaded: use these from now on (allocates the scratch; reload only).
    void take_rules(const SipShared* shared);

    const SipCounters& counters() const { return n_; }

private:
    void on_message(std::span<const uint8_t> bytes, uint32_t declared_bytes, bool body_complete,
                    uint32_t first_frame) override;
    void emit(const SipMessage& m, std::span<const uint8_t> bytes, uint32_t declared_bytes, uint32_t first_frame);
    void scan(std::span<const uint8_t> bytes, SipFact& fact) const;
    void stamp(SipFact& fact) const;

    const Config& cfg_;
    const SipShared* shared_;
    SipFactSink& sink_;
    ReassemblyPool& rpool_;
    SipStreamPool streams_;
    mutable Scratch scratch_;
    std::vector<std::string> vantages_;  // labels by PacketView::vantage, for rule conditions
    // The packet being processed, for the visitor's facts.
    Flow* cur_flow_ = nullptr;
    const PacketView* cur_ = nullptr;
    bool cur_from_client = false;
    SipCounters n_;
};

}  // namespace cs
