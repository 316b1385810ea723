#include "workers/sip_tracker.h"

#include <algorithm>

#include "workers/flow_table.h"
#include "workers/sip_summary.h"
#include "workers/tcp_diagnosis.h"

namespace cs {

namespace {
// Stream buffer per direction: the guide's largest message (BI-2's 200 OK,
// about 8.8 KB) fits with room; larger ones are reported from their headers.
constexpr uint32_t kSipBufferBytes = 16 * 1024;
constexpr uint32_t kSipStreamsPerWorker = 512;
constexpr uint32_t kMaxSipBody = 1u << 20;

// The same for every fact of one connection on one vantage, whichever worker
// saw it: the flow's hash, its vantage and when the connection started.
uint64_t conn_id_of(const Flow& f) {
    uint64_t x = (uint64_t(f.hash) << 32) ^ (uint64_t(f.vantage) << 16) ^ f.tcp.first_ns;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

bool tls_port(uint16_t port) { return port == 5061 || port == 5062; }

// A rule's structured conditions against the message it matched.
bool conditions_hold(const Conditions& c, const SipFact& f, const std::vector<std::string>& vantages) {
    if (!c.methods.empty()) {
        if (!f.is_request) return false;
        const std::string_view m = f.method_text.view();
        if (std::find(c.methods.begin(), c.methods.end(), m) == c.methods.end()) return false;
    }
    if (c.status_min) {
        if (f.is_request || f.status < *c.status_min || f.status > *c.status_max) return false;
    }
    if (c.direction == Conditions::Direction::kInbound && f.direction != Direction::kInbound) return false;
    if (c.direction == Conditions::Direction::kOutbound && f.direction != Direction::kOutbound) return false;
    if (!c.vantages.empty()) {
        if (f.vantage >= vantages.size()) return false;
        if (std::find(c.vantages.begin(), c.vantages.end(), vantages[f.vantage]) == c.vantages.end()) return false;
    }
    return true;
}
}  // namespace

SipTracker::SipTracker(const Config& cfg, const SipShared* shared, SipFactSink& sink, ReassemblyPool& pool)
    : cfg_(cfg), shared_(nullptr), sink_(sink), rpool_(pool), streams_(kSipStreamsPerWorker, kSipBufferBytes) {
    for (const auto& in : cfg.inputs)
        if (std::find(vantages_.begin(), vantages_.end(), in.vantage) == vantages_.end()) vantages_.push_back(in.vantage);
    take_rules(shared);
}

void SipTracker::take_rules(const SipShared* shared) {
    shared_ = shared;
    if (!shared_ || !shared_->rules) return;
    if (!scratch_) scratch_ = shared_->rules->make_scratch();
    else scratch_.fit(*shared_->rules);
}

bool SipTracker::claim(Flow& f, const PacketView& v) {
    if (!looks_like_sip({v.payload, v.payload_len})) return false;
    StreamState& t = f.app;
    if (v.is_tcp()) {
        const uint32_t slot = streams_.alloc();
        if (slot == SipStreamPool::kNone) {
            ++n_.stream.pool_exhausted;
            t.state = StreamState::kNotAnalysed;
            return true;
        }
        t.slot = slot;
        for (int d = 0; d < 2; ++d)
            streams_.dir(slot, d).begin(streams_.buffer(slot, d), streams_.buffer_bytes(), kMaxSipBody, this, &n_.stream);
    }
    t.state = StreamState::kSip;
    ++n_.flows;
    return true;
}

void SipTracker::on_tcp_packet(Flow& f, const PacketView& v, bool from_client) {
    StreamState& t = f.app;
    if (t.state != StreamState::kSip) return;
    const int d = from_client ? 0 : 1;
    StreamReassembler& mine = t.rs[d];
    cur_flow_ = &f;
    cur_ = &v;
    cur_from_client = from_client;
    SipStreamDir& sink = streams_.dir(t.slot, d);
    sink.at_frame(v.frame);
    if (v.payload_len) mine.segment(rpool_, v.seq, v.payload, v.payload_len, sink);
    StreamReassembler& peer = t.rs[1 - d];
    if ((v.tcp_flags & kAck) && peer.started()) peer.ack_seen(rpool_, v.ack, streams_.dir(t.slot, 1 - d));
    if (v.tcp_flags & kFin) mine.fin(rpool_, v.seq + v.payload_wire_len, sink);
    if (v.tcp_flags & (kRst | kFin)) {
        SipFact end;
        end.kind = SipFact::kConnEnd;
        end.end_rst = v.tcp_flags & kRst;
        end.from_client = from_client;
        end.ts_ns = v.ts_ns;
        end.frame = v.frame;
        end.first_frame = v.frame;
        end.seq_in_conn = ++t.messages;
        stamp(end);
        if (!sink_.push_sip(end)) ++n_.facts_dropped;
    }
    cur_ = nullptr;
}

void SipTracker::on_datagram(Flow& f, const PacketView& v, bool from_client) {
    if (f.app.state != StreamState::kSip || !v.payload_len) return;
    ++n_.datagrams;
    cur_flow_ = &f;
    cur_ = &v;
    cur_from_client = from_client;
    on_message({v.payload, v.payload_len}, v.payload_len, v.payload_len == v.payload_wire_len, v.frame);
    cur_ = nullptr;
}

void SipTracker::finish(Flow& f) {
    StreamState& t = f.app;
    if (t.state != StreamState::kSip) return;
    for (auto& r : t.rs) r.release(rpool_);
    if (t.slot != StreamState::kNoSlot) {
        streams_.free(t.slot);
        t.slot = StreamState::kNoSlot;
    }
    t.state = StreamState::kDone;
}

void SipTracker::on_message(std::span<const uint8_t> bytes, uint32_t declared_bytes, bool body_complete,
                            uint32_t first_frame) {
    if (!cur_) return;
    SipMessage m;
    const SipParseStatus st = body_complete ? parse_sip_message(bytes, m) : parse_sip_message_head(bytes, m);
    if (st != SipParseStatus::kOk) {
        ++n_.unparsed;
        return;
    }
    emit(m, bytes, declared_bytes, first_frame);
}

void SipTracker::stamp(SipFact& fact) const {
    const Flow& f = *cur_flow_;
    stamp_endpoints(cfg_, f, fact);
    fact.transport = f.key.proto;
    fact.conn_id = conn_id_of(f);
}

void SipTracker::scan(std::span<const uint8_t> bytes, SipFact& fact) const {
    if (!shared_ || !shared_->rules || !scratch_) return;
    const RuleSet& rules = *shared_->rules;
    MatchSet hits;
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!rules.scan(scratch_, Field::kMessage, text, hits)) return;
    hits.for_each([&](size_t i) {
        const Rule& r = rules.rule(i);
        if (!conditions_hold(r.conditions, fact, vantages_)) return;
        if (i < shared_->rule_tag.size()) fact.tags |= shared_->rule_tag[i];
        ++fact.matched_total;
        if (fact.matched_count < SipFact::kMaxRules) fact.matched_rules[fact.matched_count++] = r.id;
    });
}

void SipTracker::emit(const SipMessage& m, std::span<const uint8_t> bytes, uint32_t declared_bytes, uint32_t first_frame) {
    const PacketView& v = *cur_;
    SipFact fact;
    fact.kind = SipFact::kMessage;
    fact.from_client = cur_from_client;
    fact.ts_ns = v.ts_ns;
    fact.frame = v.frame;
    fact.first_frame = first_frame;
    fact.seq_in_conn = ++cur_flow_->app.messages;
    stamp(fact);
    summarise_sip_message(m, v.dst, fact);
    fact.msg_bytes = std::max(fact.msg_bytes, declared_bytes);
    fact.on_tls_port = tls_port(fact.server_port);
    scan(bytes, fact);
    ++n_.messages;
    if (!sink_.push_sip(fact)) ++n_.facts_dropped;
}

}  // namespace cs
