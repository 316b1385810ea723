#include "pipeline/tcp_tracker.h"

namespace cs {

const char* tcp_state_name(TcpState s) {
    switch (s) {
        case TcpState::kSynSent: return "syn_sent";
        case TcpState::kSynAckSeen: return "syn_ack_seen";
        case TcpState::kEstablished: return "established";
        case TcpState::kRejected: return "rejected";
        case TcpState::kReset: return "reset";
        case TcpState::kFinished: return "finished";
    }
    return "?";
}

bool tcp_first_packet_from_client(const PacketView& v) {
    const bool syn = v.tcp_flags & kSyn, ack = v.tcp_flags & kAck;
    if (syn) return !ack;
    // Picked up mid-connection: services listen on the lower port.
    return v.sport > v.dport;
}

void tcp_start(TcpConnection& c, const PacketView& v) {
    c = TcpConnection{};
    c.first_ns = c.last_ns = v.ts_ns;
    c.first_frame = c.last_frame = v.frame;
    const bool syn_only = (v.tcp_flags & (kSyn | kAck)) == kSyn;
    if (!syn_only) {
        c.midstream = true;
        c.state = TcpState::kEstablished;
    }
}

namespace {

void note_side(TcpSideFacts& s, const PacketView& v) {
    if (s.packets == 0) s.ttl_first = v.ttl;
    ++s.packets;
    s.payload_bytes += v.payload_wire_len;
    if (v.ttl < s.ttl_min) s.ttl_min = v.ttl;
    if (v.ttl > s.ttl_max) s.ttl_max = v.ttl;
    s.ip_id_last = v.ip_id;
    s.ip_id_last_ns = v.ts_ns;
    if (v.tcp_opts.present & TcpOptions::kHasTs) {
        if (!s.ts_seen) {
            s.ts_seen = true;
            s.tsval_first = v.tcp_opts.tsval;
            s.tsval_first_ns = v.ts_ns;
        }
        s.tsval_last = v.tcp_opts.tsval;
        s.tsval_last_ns = v.ts_ns;
    }
}

void note_syn_options(TcpSideFacts& s, const PacketView& v) {
    s.mss = (v.tcp_opts.present & TcpOptions::kHasMss) ? v.tcp_opts.mss : 0;
    s.wscale = (v.tcp_opts.present & TcpOptions::kHasWs) ? v.tcp_opts.wscale : 0;
    s.sack_perm = v.tcp_opts.present & TcpOptions::kHasSackPerm;
    s.syn_window = v.window;
}

TcpChange on_syn(TcpConnection& c, const PacketView& v) {
    TcpSideFacts& cl = c.side[TcpConnection::kClient];
    if (!cl.isn_seen) {
        cl.isn = v.seq;
        cl.isn_seen = true;
        c.syn_ttl = v.ttl;
        note_syn_options(cl, v);
    } else if (v.seq != cl.isn) {
        return TcpChange::kNewConnection;  // port reuse: the caller starts over
    }
    if (c.syn_count < TcpConnection::kMaxSynRecorded) {
        c.syn_ns[c.syn_count] = v.ts_ns;
        c.syn_frame[c.syn_count] = v.frame;
    }
    if (c.syn_count < 255) ++c.syn_count;
    return c.syn_count > 1 ? TcpChange::kSynRetransmit : TcpChange::kNone;
}

TcpChange on_synack(TcpConnection& c, const PacketView& v) {
    TcpSideFacts& sv = c.side[TcpConnection::kServer];
    if (c.synack_count < 255) ++c.synack_count;
    if (c.synack_count > 1) return TcpChange::kNone;
    sv.isn = v.seq;
    sv.isn_seen = true;
    note_syn_options(sv, v);
    c.synack_ns = v.ts_ns;
    c.synack_frame = v.frame;
    if (c.syn_count > 0) {
        uint8_t last = c.syn_count <= TcpConnection::kMaxSynRecorded ? c.syn_count - 1
                                                                      : TcpConnection::kMaxSynRecorded - 1;
        c.rtt_server_ns = int64_t(v.ts_ns - c.syn_ns[last]);
    }
    if (c.state == TcpState::kSynSent) c.state = TcpState::kSynAckSeen;
    return TcpChange::kAnswered;
}

TcpChange on_rst(TcpConnection& c, const PacketView& v, bool from_client) {
    const TcpSideFacts& cl = c.side[TcpConnection::kClient];
    if (c.rst_count < 255) ++c.rst_count;
    if (c.rst_seen) return TcpChange::kNone;
    c.rst_seen = true;
    TcpResetFacts& r = c.rst;
    r.ns = v.ts_ns;
    r.frame = v.frame;
    r.from = from_client ? TcpConnection::kClient : TcpConnection::kServer;
    r.ttl = v.ttl;
    r.ip_id = v.ip_id;
    r.window = v.window;
    r.seq = v.seq;
    r.ack = v.ack;
    r.has_ack = v.tcp_flags & kAck;
    r.ack_is_isn_plus_1 = r.has_ack && cl.isn_seen && v.ack == cl.isn + 1;
    r.option_count = v.tcp_opts.count;
    r.has_ts = v.tcp_opts.present & TcpOptions::kHasTs;
    r.tsval = v.tcp_opts.tsval;
    if (c.state == TcpState::kSynSent && !from_client && c.syn_count > 0) {
        c.state = TcpState::kRejected;
        return TcpChange::kRejected;
    }
    c.state = TcpState::kReset;
    return TcpChange::kReset;
}

}  // namespace

TcpChange tcp_update(TcpConnection& c, const PacketView& v, bool from_client) {
    c.last_ns = v.ts_ns;
    c.last_frame = v.frame;
    TcpSideFacts& me = c.side[from_client ? TcpConnection::kClient : TcpConnection::kServer];
    const uint8_t f = v.tcp_flags;
    // A reset is judged against what its claimed sender showed before it, so
    // it does not join that side's TTL, IP-ID and timestamp facts.
    if (f & kRst) return on_rst(c, v, from_client);
    note_side(me, v);

    if ((f & (kSyn | kAck)) == kSyn && from_client) {
        if (c.state != TcpState::kSynSent && c.state != TcpState::kSynAckSeen) return TcpChange::kNewConnection;
        return on_syn(c, v);
    }
    if ((f & (kSyn | kAck)) == (kSyn | kAck) && !from_client) return on_synack(c, v);

    TcpChange change = TcpChange::kNone;
    if (c.state == TcpState::kSynAckSeen && from_client && (f & kAck)) {
        c.state = TcpState::kEstablished;
        c.handshake_done_ns = v.ts_ns;
        c.rtt_client_ns = int64_t(v.ts_ns - c.synack_ns);
        change = TcpChange::kEstablished;
    }
    if (f & kFin) {
        if (!me.fin_seen) {
            me.fin_seen = true;
            me.fin_ns = v.ts_ns;
            me.fin_frame = v.frame;
            if (c.fin_first_from == 0xff)
                c.fin_first_from = from_client ? TcpConnection::kClient : TcpConnection::kServer;
        }
        if (c.side[0].fin_seen && c.side[1].fin_seen && c.state != TcpState::kReset) c.state = TcpState::kFinished;
        if (change == TcpChange::kNone) change = TcpChange::kFin;
    }
    return change;
}

}  // namespace cs
