#include "workers/flow_engine.h"

#include "workers/tcp_diagnosis.h"

namespace cs {

namespace {
constexpr size_t kReassemblyBudget = size_t(16) << 20;
}

FlowEngine::FlowEngine(const Config& cfg, FactSink& sink, const TlsShared* tls, const SipShared* sip,
                       const DnsShared* dns)
    : cfg_(cfg),
      sink_(sink),
      table_(cfg.limits.flows_per_worker),
      pool_(kReassemblyBudget),
      tls_(cfg, tls, sink, pool_),
      sip_(cfg, sip, sink, pool_),
      dns_(cfg, dns, sink, pool_) {}

// A TCP connection's first packet, for joining DNS answers with connects.
void FlowEngine::emit_started(const Flow& f, uint64_t ts_ns) {
    ConnFact s;
    s.kind = ConnFact::kStarted;
    stamp_endpoints(cfg_, f, s);
    s.start_ns = s.decided_ns = ts_ns;
    s.first_frame = f.tcp.first_frame;
    emit(s);
}

// One vantage's view of a TCP connection at its end: for vantage pairing, and
// for the publisher's ledger of which connections are live.
void FlowEngine::emit_view(const Flow& f, uint64_t decided_ns, bool at_capture_end) {
    if (f.key.proto != 6) return;
    const TcpConnection& c = f.tcp;
    ConnFact v;
    v.kind = ConnFact::kSeen;
    stamp_endpoints(cfg_, f, v);
    v.start_ns = c.first_ns;
    v.decided_ns = decided_ns;
    v.at_capture_end = at_capture_end;
    v.first_frame = c.first_frame;
    v.rst_seen = c.rst_seen;
    v.rst = c.rst;
    v.last_ns = c.last_ns;
    v.server_last_ns = c.side[TcpConnection::kServer].ip_id_last_ns;
    v.packets = c.side[0].packets + c.side[1].packets;
    emit(v);
}

// The earlier of the TCP story's next check and a TLS handshake's stall deadline.
uint64_t FlowEngine::next_check(Flow& f, uint64_t tls_due) const {
    const uint64_t tcp = tcp_next_check(cfg_, f);
    return tls_due && tls_due < tcp ? tls_due : tcp;
}

// The flow's first payload decides its analyzer: DNS on port 53 when it
// reads as DNS, SIP when it starts like a SIP message, else TLS (which gives
// up on content that is not TLS).
void FlowEngine::claim(Flow& f, const PacketView& v) {
    if (dns_.claim(f, v)) f.app.state = StreamState::kDns;
    else sip_.claim(f, v);
}

void FlowEngine::app_packet(Flow& f, const PacketView& v, bool from_client) {
    if (f.app.state == StreamState::kUnknown && v.payload_len) claim(f, v);
    if (f.app.state == StreamState::kSip) sip_.on_tcp_packet(f, v, from_client);
    else if (f.app.state == StreamState::kDns) dns_.on_tcp_packet(f, v, from_client);
    else tls_.on_packet(f, v, from_client);
}

void FlowEngine::finish_app(Flow& f, bool end_of_capture) {
    if (f.app.state == StreamState::kSip) sip_.finish(f);
    else if (f.app.state == StreamState::kDns) dns_.finish(f);
    else tls_.finish(f, end_of_capture);
}

void FlowEngine::forget(uint32_t idx) {
    Flow& f = table_.at(idx);
    finish_app(f, false);
    // Dated by the expiry it is due to, not by when the wheel came round to it.
    if (f.key.proto == 6) emit_view(f, tcp_next_check(cfg_, f), false);
    ++n_.flows_expired;
    table_.remove(idx);
}

void FlowEngine::emit(const ConnFact& fact) {
    if (fact.kind == ConnFact::kFailure) ++n_.facts;  // "failed connections" in the stats
    if (!sink_.push(fact)) ++n_.facts_dropped;
}

void FlowEngine::process(const PacketView& v) {
    // Timeouts due before this packet fire first, so a packet after a long
    // silence cannot overtake the verdict the silence already settled.
    advance(v.ts_ns);
    ++n_.packets;
    n_.bytes += v.wire_len;
    if (!v.fragment) {
        process_whole(v);
        return;
    }
    // A UDP datagram in fragments goes on once whole, judged by its ports then
    // (later fragments passed the rx filter without any).
    PacketView whole;
    switch (frags_.feed(v, whole)) {
        case IpReassembler::Result::kComplete:
            if (cfg_.monitor_ports.monitored(whole.l4_proto, whole.sport, whole.dport)) process_whole(whole);
            return;
        case IpReassembler::Result::kNotFragment:
            process_whole(v);
            return;
        case IpReassembler::Result::kOtherProtocol:
            if (v.l4_proto) process_whole(v);  // a first fragment of TCP: its header is all the tracker reads
            return;
        default:
            return;
    }
}

void FlowEngine::process_whole(const PacketView& v) {
    bool from_lo = false;
    const FlowKey key = flow_key_of(v, &from_lo);
    const uint32_t hash = flow_hash(key);
    bool created = false;
    Flow* f = table_.find_or_create(key, hash, &created);
    if (!f) {
        ++n_.flow_table_full;
        return;
    }
    const uint32_t idx = table_.index_of(f);
    if (created) {
        ++n_.flows_created;
        f->vantage = v.vantage;
        if (v.is_tcp()) {
            const bool from_client = tcp_first_packet_from_client(v);
            f->client_is_lo = from_client == from_lo;
            tcp_start(f->tcp, v);
            ++n_.tcp_connections;
            emit_started(*f, v.ts_ns);
        } else {
            f->client_is_lo = from_lo;  // UDP: the first sender is the client
        }
    }
    f->last_ns = v.ts_ns;
    if (v.is_tcp()) {
        const bool from_client = from_lo == f->client_is_lo;
        TcpChange change = tcp_update(f->tcp, v, from_client);
        if (change == TcpChange::kNewConnection) {
            // The old connection's story ends here; a new one starts with this SYN.
            on_check(idx, v.ts_ns, /*end_of_capture=*/true);
            finish_app(*f, false);
            emit_view(*f, v.ts_ns, false);
            f->app = StreamState{};
            f->decided = false;
            f->client_is_lo = from_lo;
            tcp_start(f->tcp, v);
            ++n_.tcp_connections;
            change = tcp_update(f->tcp, v, true);
            emit_started(*f, v.ts_ns);
        }
        if (change == TcpChange::kEstablished) ++n_.tcp_established;
        ConnFact fact;
        if (tcp_verdict_on_change(cfg_, *f, change, &fact)) {
            f->decided = true;
            emit(fact);
        }
        app_packet(*f, v, from_client);
        // While a handshake is under way its stall deadline moves with every message.
        const uint64_t tls_due = tls_.on_check(*f, v.ts_ns);
        if (created || change != TcpChange::kNone || tls_due) table_.timers().schedule(idx, next_check(*f, tls_due));
    } else {
        const bool from_client = from_lo == f->client_is_lo;
        if (f->app.state == StreamState::kUnknown && v.payload_len) claim(*f, v);
        if (f->app.state == StreamState::kDns) dns_.on_datagram(*f, v);
        else sip_.on_datagram(*f, v, from_client);
        if (created) table_.timers().schedule(idx, v.ts_ns + uint64_t(cfg_.timeouts.udp_idle_s * 1e9));
    }
}

// A flow's check time came: give its verdict, then forget it or look again later.
void FlowEngine::on_check(uint32_t idx, uint64_t now_ns, bool end_of_capture) {
    Flow& f = table_.at(idx);
    if (f.key.proto == 6) {
        ConnFact fact;
        if (tcp_verdict_on_check(cfg_, f, now_ns, end_of_capture, &fact)) {
            f.decided = true;
            emit(fact);
        } else if (end_of_capture && !f.decided && f.tcp.state == TcpState::kSynSent) {
            ++n_.syn_pending_at_end;
        }
        if (end_of_capture) return;
        const uint64_t tls_due = tls_.on_check(f, now_ns);
        if (!tcp_flow_expired(cfg_, f, now_ns) || tls_due) {
            table_.timers().schedule(idx, next_check(f, tls_due));
            return;
        }
    } else if (!end_of_capture && now_ns < f.last_ns + uint64_t(cfg_.timeouts.udp_idle_s * 1e9)) {
        table_.timers().schedule(idx, f.last_ns + uint64_t(cfg_.timeouts.udp_idle_s * 1e9));
        return;
    }
    if (end_of_capture) return;
    forget(idx);
}

void FlowEngine::advance(uint64_t now_ns) {
    table_.timers().advance(now_ns, [&](uint32_t idx) { on_check(idx, now_ns, false); });
    // Stale fragments: looked for once a second of packet time, while any are held.
    if (frags_.slots_in_use() && now_ns >= next_frag_expiry_) {
        frags_.expire(now_ns);
        next_frag_expiry_ = now_ns + 1'000'000'000ull;
    }
}

void FlowEngine::flush() {
    frags_.expire(UINT64_MAX);
    for (uint32_t idx = 0; idx < table_.capacity(); ++idx) {
        Flow& f = table_.at(idx);
        if (table_.find(f.key, f.hash) != &f) continue;
        on_check(idx, f.last_ns, true);
        finish_app(f, true);
        emit_view(f, f.last_ns, true);
    }
}

}  // namespace cs
