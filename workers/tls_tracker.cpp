#include "workers/tls_tracker.h"

#include <fmt/format.h>

#include "workers/flow_table.h"
#include "workers/tcp_diagnosis.h"

namespace cs {

namespace {
// Parse buffer per direction: a handshake message larger than this (a chain
// of many big certificates) is reported and skipped. The guide's largest
// flight, the 4-certificate vcse chain, is about 5 KB.
constexpr uint32_t kTlsBufferBytes = 16 * 1024;
constexpr uint32_t kAnalyzersPerWorker = 1024;

TlsDir dir_of(bool from_client) { return from_client ? TlsDir::kClient : TlsDir::kServer; }
}  // namespace

TlsTracker::TlsTracker(const Config& cfg, const TlsShared* shared, TlsIncidentSink& sink, ReassemblyPool& pool)
    : cfg_(cfg), shared_(shared), sink_(sink), pool_(pool), analyzers_(kAnalyzersPerWorker, kTlsBufferBytes) {
    if (shared_ && shared_->trust) chains_ = std::make_unique<ChainChecker>(shared_->trust);
    if (shared_ && shared_->rules) scratch_ = shared_->rules->make_scratch();
    ctx_.chains = chains_.get();
    ctx_.rules = shared_ ? shared_->rules.get() : nullptr;
    ctx_.scratch = scratch_ ? &scratch_ : nullptr;
}

TlsTracker::~TlsTracker() = default;

// Webex Calling phones register over TLS to the SBCs' port 8934 (seed 004): a
// failed handshake there is the phone's registration failing, whatever the
// TLS class; the class stays in the reason and the TLS evidence.
void registration_verdict(uint16_t server_port, TlsVerdict& v) {
    if (server_port != kWxcRegistrationPort || v.code == FailureCode::kTlsOk) return;
    v.detail = fmt::format("Webex Calling registration to port {} failed in the TLS handshake ({}): {}", server_port,
                           catalog_entry(v.code).name, v.detail);
    v.code = FailureCode::kWxcRegistrationFailed;
}

void TlsTracker::take_rules(const TlsShared* shared) {
    shared_ = shared;
    ctx_.rules = shared_ ? shared_->rules.get() : nullptr;
    if (!ctx_.rules) return;
    if (!scratch_) scratch_ = shared_->rules->make_scratch();
    else scratch_.fit(*shared_->rules);
    ctx_.scratch = scratch_ ? &scratch_ : nullptr;
}

void TlsTracker::on_packet(Flow& f, const PacketView& v, bool from_client) {
    StreamState& t = f.app;
    if (t.state != StreamState::kUnknown && t.state != StreamState::kTls) return;
    const TlsDir d = dir_of(from_client);
    StreamReassembler& mine = t.rs[size_t(d)];
    const uint8_t flags = v.tcp_flags;

    // Streams start at the handshake when it is seen, else mid-stream at the first payload.
    if (flags & kSyn) {
        if (!mine.started()) mine.start(v.seq + 1, false);
        return;
    }
    if (t.slot == StreamState::kNoSlot) {
        if (v.payload_len == 0) return;
        uint32_t a = analyzers_.alloc();
        if (a == TlsAnalyzerPool::kNone) {
            ++n_.analyzers_exhausted;
            t.state = StreamState::kNotAnalysed;
            return;
        }
        t.slot = a;
        t.state = StreamState::kTls;
        ++n_.connections;
        const Direction dir = direction_of(cfg_, endpoints_of(f).client_ip, endpoints_of(f).server_ip);
        // Inbound: the cloud is the TLS client; otherwise assume it is the server
        // until certificates say otherwise.
        analyzers_.at(a).begin(&ctx_, dir == Direction::kInbound ? TlsDir::kClient : TlsDir::kServer,
                               f.tcp.midstream || !mine.started());
    }
    TlsAnalyzer& a = analyzers_.at(t.slot);
    a.at_packet(v.frame, v.ts_ns);
    if (v.payload_len) mine.segment(pool_, v.seq, v.payload, v.payload_len, a.sink(d));
    const TlsDir peer = d == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient;
    if ((flags & kAck) && t.rs[size_t(peer)].started()) t.rs[size_t(peer)].ack_seen(pool_, v.ack, a.sink(peer));
    if (flags & kFin) mine.fin(pool_, v.seq + v.payload_wire_len, a.sink(d));

    if (a.content() == TlsAnalyzer::Content::kNotTls) {
        ++n_.not_tls;
        release(f);
        t.state = StreamState::kNotAnalysed;
        return;
    }
    if (flags & (kRst | kFin)) {
        decide(f, TlsMoment::kClosed, v.ts_ns);
        return;
    }
    const TlsFacts& facts = a.facts();
    const bool data_both = (facts.side[0].app_records && facts.side[1].app_records) ||
                           (facts.session->tls13 && facts.tls13_server_answered && facts.side[0].encrypted_records >= 2);
    if (data_both) decide(f, TlsMoment::kAppData, v.ts_ns);
}

uint64_t TlsTracker::on_check(Flow& f, uint64_t now_ns) {
    StreamState& t = f.app;
    if (t.state != StreamState::kTls || t.slot == StreamState::kNoSlot) return 0;
    const TlsFacts& facts = analyzers_.at(t.slot).facts();
    if (facts.handshake_complete() || facts.last_progress_ns == 0) return 0;
    const uint64_t due = facts.last_progress_ns + uint64_t(cfg_.tls.handshake_timeout_s * 1e9);
    if (now_ns < due) return due;
    decide(f, TlsMoment::kStalled, due);
    return 0;
}

void TlsTracker::finish(Flow& f, bool end_of_capture) {
    if (f.app.state == StreamState::kTls && f.app.slot != StreamState::kNoSlot)
        decide(f, end_of_capture ? TlsMoment::kEndOfCapture : TlsMoment::kClosed, f.last_ns);
    release(f);
}

TlsDir TlsTracker::onprem_side(const Flow& f, const TlsAnalyzer& a) const {
    const Endpoints e = endpoints_of(f);
    switch (direction_of(cfg_, e.client_ip, e.server_ip)) {
        case Direction::kInbound: return TlsDir::kServer;
        case Direction::kOutbound: return TlsDir::kClient;
        default: break;
    }
    // No local network says which side is on-prem: the side whose certificate
    // or SNI names the Webex cloud is the cloud; failing that, a server whose
    // certificate does not is the Expressway-E.
    const TlsFacts& x = a.facts();
    const TlsLabels none;
    const TlsLabels& l = shared_ ? shared_->labels : none;
    const RuleSet* rules = shared_ ? shared_->rules.get() : nullptr;
    auto cloud = [&](const MatchSet& m) { return rules && l.cloud_identity && rules->has_label(m, *l.cloud_identity); };
    const TlsSideFacts &cl = x.side[0], &sv = x.side[1];
    if (cloud(sv.leaf_tags)) return TlsDir::kClient;
    if (cloud(cl.leaf_tags)) return TlsDir::kServer;
    if (cloud(x.sni_tags)) return TlsDir::kClient;
    if (sv.chain_checked && !sv.chain.certs.empty()) return TlsDir::kServer;
    return TlsDir::kClient;
}

void TlsTracker::decide(Flow& f, TlsMoment moment, uint64_t decided_ns) {
    StreamState& t = f.app;
    TlsAnalyzer& a = analyzers_.at(t.slot);
    if (moment == TlsMoment::kClosed || moment == TlsMoment::kEndOfCapture) {
        // Everything held out of order is delivered (gaps told) before judging.
        for (int d = 0; d < 2; ++d) {
            t.rs[d].flush(pool_, a.sink(TlsDir(d)));
            a.end(TlsDir(d));
        }
    }
    TlsDiagnosisInput in;
    in.facts = &a.facts();
    in.tcp = &f.tcp;
    in.settings = &cfg_.tls;
    in.rules = shared_ ? shared_->rules.get() : nullptr;
    if (shared_) in.labels = shared_->labels;
    in.onprem = onprem_side(f, a);
    in.moment = moment;
    std::optional<TlsVerdict> v = diagnose_tls(in);
    if (!v) {
        if (moment == TlsMoment::kClosed || moment == TlsMoment::kEndOfCapture) {
            release(f);
            t.state = StreamState::kDone;
        }
        return;
    }
    ++n_.verdicts;
    registration_verdict(endpoints_of(f).server_port, *v);
    auto* inc = new TlsIncident;
    inc->verdict = std::move(*v);
    inc->facts = a.facts();
    inc->session = a.session();
    inc->facts.session = &inc->session;
    inc->tcp = f.tcp;
    stamp_endpoints(cfg_, f, *inc);
    inc->decided_ns = decided_ns;
    if (!sink_.push_incident(inc)) {
        ++n_.incidents_dropped;
        delete inc;
    }
    release(f);
    t.state = StreamState::kDone;
}

void TlsTracker::release(Flow& f) {
    StreamState& t = f.app;
    for (auto& r : t.rs) r.release(pool_);
    if (t.slot != StreamState::kNoSlot && t.state == StreamState::kTls) {  // a SIP flow's slot is SIP's
        analyzers_.free(t.slot);
        t.slot = StreamState::kNoSlot;
    }
}

}  // namespace cs
