#include "workers/tcp_diagnosis.h"

#include <algorithm>

namespace cs {

namespace {
uint64_t secs(double s) { return uint64_t(s * 1e9); }

void fill_common(const Config& cfg, const Flow& f, FailureCode code, uint64_t decided_ns, ConnFact* out) {
    const TcpConnection& c = f.tcp;
    *out = ConnFact{};
    out->code = code;
    stamp_endpoints(cfg, f, *out);
    out->start_ns = c.first_ns;
    out->decided_ns = decided_ns;
    out->first_frame = c.first_frame;
    out->syn_count = c.syn_count;
    int n = std::min<int>(c.syn_count, TcpConnection::kMaxSynRecorded);
    for (int i = 0; i < n; ++i) {
        out->syn_ns[i] = c.syn_ns[i];
        out->syn_frame[i] = c.syn_frame[i];
    }
    const TcpSideFacts& cl = c.side[TcpConnection::kClient];
    out->syn_ttl = c.syn_ttl;
    out->syn_window = cl.syn_window;
    out->syn_mss = cl.mss;
    out->syn_wscale = cl.wscale;
    out->rst_seen = c.rst_seen;
    out->rst = c.rst;
}
}  // namespace

Direction direction_of(const Config& cfg, const IpAddr& client, const IpAddr& server) {
    const bool cl = cfg.is_local(client), sv = cfg.is_local(server);
    if (cl && !sv) return Direction::kOutbound;
    if (!cl && sv) return Direction::kInbound;
    if (cl && sv) return Direction::kInternal;
    return cfg.local_nets.empty() ? Direction::kUnknown : Direction::kExternal;
}

Endpoints endpoints_of(const Flow& f) {
    const FlowKey& k = f.key;
    if (f.client_is_lo) return {k.lo_ip, k.hi_ip, k.lo_port, k.hi_port};
    return {k.hi_ip, k.lo_ip, k.hi_port, k.lo_port};
}

bool tcp_verdict_on_change(const Config& cfg, const Flow& f, TcpChange change, ConnFact* out) {
    if (f.decided || change != TcpChange::kRejected) return false;
    fill_common(cfg, f, FailureCode::kTcpPortRejected, f.tcp.rst.ns, out);
    return true;
}

bool tcp_verdict_on_check(const Config& cfg, const Flow& f, uint64_t now_ns, bool end_of_capture, ConnFact* out) {
    const TcpConnection& c = f.tcp;
    if (f.decided || c.state != TcpState::kSynSent || c.syn_count == 0) return false;
    const uint64_t deadline = c.syn_ns[0] + secs(cfg.timeouts.syn_timeout_s);
    if (now_ns >= deadline) {
        fill_common(cfg, f, FailureCode::kTcpSynUnanswered, deadline, out);
        return true;
    }
    // The capture ended before the timeout: retransmissions already prove
    // the SYN went unanswered; a lone SYN proves nothing.
    if (end_of_capture && c.syn_count >= 2) {
        fill_common(cfg, f, FailureCode::kTcpSynUnanswered, c.last_ns, out);
        return true;
    }
    return false;
}

uint64_t tcp_next_check(const Config& cfg, const Flow& f) {
    const TcpConnection& c = f.tcp;
    const Timeouts& t = cfg.timeouts;
    if (!f.decided && c.state == TcpState::kSynSent && c.syn_count > 0)
        return c.syn_ns[0] + secs(t.syn_timeout_s);
    switch (c.state) {
        case TcpState::kRejected:
        case TcpState::kReset:
        case TcpState::kFinished: return c.last_ns + secs(t.tcp_closed_s);
        case TcpState::kSynSent: return c.last_ns + secs(t.syn_timeout_s);
        default: return c.last_ns + secs(t.tcp_idle_s);
    }
}

bool tcp_flow_expired(const Config& cfg, const Flow& f, uint64_t now_ns) {
    return now_ns >= tcp_next_check(cfg, f) && (f.decided || f.tcp.state != TcpState::kSynSent);
}

}  // namespace cs

namespace cs {
const char* direction_name(Direction d) {
    switch (d) {
        case Direction::kInbound: return "inbound";
        case Direction::kOutbound: return "outbound";
        case Direction::kInternal: return "internal";
        case Direction::kExternal: return "external";
        default: return "unknown";
    }
}
}  // namespace cs
