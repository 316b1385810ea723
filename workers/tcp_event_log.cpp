#include "workers/tcp_event_log.h"

#include "workers/event_head.h"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/ecs_json.h"
#include "workers/catalog_json.h"

namespace cs {

namespace {

std::string endpoint_text(const IpAddr& ip, uint16_t port) {
    return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port) : fmt::format("[{}]:{}", ip.to_string(), port);
}

std::string offset_text(int64_t ns) {
    if (ns < 1000000) return fmt::format("+{} us", ns / 1000);
    if (ns < 1000000000) return fmt::format("+{:.3f} ms", ns / 1e6);
    return fmt::format("+{:.3f} s", ns / 1e9);
}

const char* side_name(Direction d, bool client) {
    switch (d) {
        case Direction::kInbound: return client ? "cloud" : "on-prem";
        case Direction::kOutbound: return client ? "on-prem" : "cloud";
        default: return client ? "client" : "server";
    }
}

int recorded_syns(const ConnFact& c) { return std::min<int>(c.syn_count, TcpConnection::kMaxSynRecorded); }

// The evidence lines of one failed connection, relative to the attempt start.
void connection_evidence(const ConnFact& c, const ConnFact* prev, uint64_t t0, std::vector<std::string>& out) {
    const int n = recorded_syns(c);
    std::string syn = fmt::format("frame {}: SYN {} -> {} (TTL {}, win {}", c.syn_frame[0],
                                  endpoint_text(c.client_ip, c.client_port), endpoint_text(c.server_ip, c.server_port),
                                  c.syn_ttl, c.syn_window);
    if (c.syn_mss) syn += fmt::format(", MSS {}", c.syn_mss);
    syn += ")";
    if (prev) {
        syn += fmt::format(" at {}", offset_text(int64_t(c.start_ns - t0)));
        if (prev->server_ip != c.server_ip) syn += ": failover to the next target";
        else if (prev->client_port != c.client_port) syn += ": retry from a new source port";
    }
    out.push_back(std::move(syn));
    if (c.code == FailureCode::kTcpSynUnanswered) {
        if (n > 1) {
            std::string frames, offsets;
            for (int i = 1; i < n; ++i) {
                frames += fmt::format("{}{}", i > 1 ? "," : "", c.syn_frame[i]);
                offsets += fmt::format("{}{}", i > 1 ? ", " : "", offset_text(int64_t(c.syn_ns[i] - c.syn_ns[0])));
            }
            out.push_back(fmt::format("frames {}: SYN retransmitted at {} (same ISN); no SYN-ACK, no RST", frames,
                                      offsets));
        } else {
            out.push_back("no SYN-ACK, no RST, no retransmission seen");
        }
    } else if (c.code == FailureCode::kTcpPortRejected && c.rst_seen) {
        const TcpResetFacts& r = c.rst;
        out.push_back(fmt::format("frame {}: RST{} from {} {} after the SYN (ack {}, window {}, {}, TTL {})", r.frame,
                                  r.has_ack ? "/ACK" : "", endpoint_text(c.server_ip, c.server_port),
                                  offset_text(int64_t(r.ns - c.syn_ns[n - 1])),
                                  r.ack_is_isn_plus_1 ? "= ISN+1" : "not ISN+1", r.window,
                                  r.option_count ? "with TCP options" : "no options", r.ttl));
    }
}

void write_connection(JsonWriter& w, const ConnFact& c, uint64_t t0) {
    w.StartObject();
    write_endpoint(w, "source", c.client_ip, c.client_port);
    write_endpoint(w, "destination", c.server_ip, c.server_port);
    w.Key("community_id");
    w.String(community_id_v1(c.client_ip, c.server_ip, c.client_port, c.server_port, 6).c_str());
    w.Key("start");
    w.String(iso8601_us(c.start_ns).c_str());
    w.Key("offset_s");
    write_seconds(w, int64_t(c.start_ns - t0));
    w.Key("first_frame");
    w.Uint(c.first_frame);
    w.Key("outcome");
    w.String(c.code == FailureCode::kTcpPortRejected ? "rejected" : "unanswered");
    w.Key("syn_count");
    w.Uint(c.syn_count);
    w.Key("syn_offsets_s");
    w.StartArray();
    for (int i = 0; i < recorded_syns(c); ++i) write_seconds(w, int64_t(c.syn_ns[i] - c.syn_ns[0]));
    w.EndArray();
    w.Key("syn");
    w.StartObject();
    w.Key("ttl"); w.Uint(c.syn_ttl);
    w.Key("window"); w.Uint(c.syn_window);
    w.Key("mss"); w.Uint(c.syn_mss);
    w.Key("wscale"); w.Uint(c.syn_wscale);
    w.EndObject();
    if (c.rst_seen) {
        const TcpResetFacts& r = c.rst;
        w.Key("rst");
        w.StartObject();
        w.Key("frame"); w.Uint(r.frame);
        w.Key("from"); w.String(r.from == TcpConnection::kServer ? "server" : "client");
        w.Key("latency_us"); w.Uint64((r.ns - c.syn_ns[recorded_syns(c) - 1]) / 1000);
        w.Key("ttl"); w.Uint(r.ttl);
        w.Key("ip_id"); w.Uint(r.ip_id);
        w.Key("window"); w.Uint(r.window);
        w.Key("ack_is_isn_plus_1"); w.Bool(r.ack_is_isn_plus_1);
        w.Key("has_tcp_options"); w.Bool(r.option_count != 0);
        w.EndObject();
    }
    w.EndObject();
}

std::string reason_of(const AttemptKey& k, const std::vector<ConnFact>& conns, uint32_t total) {
    const ConnFact& c = conns.front();
    std::vector<std::string> targets;
    for (const ConnFact& x : conns) {
        std::string t = x.server_ip.to_string();
        if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    const std::string who = side_name(k.direction, true), whom = side_name(k.direction, false);
    if (k.code == FailureCode::kTcpPortRejected)
        return fmt::format("{} {} refused TCP {} from {} {} with RST ({} connection{})", whom,
                           c.server_ip.to_string(), c.server_port, who, c.client_ip.to_string(), total,
                           total == 1 ? "" : "s");
    if (targets.size() > 1)
        return fmt::format("{} {} got no answer to TCP {} from {} targets ({}): SYN unanswered, {} connections", who,
                           c.client_ip.to_string(), c.server_port, targets.size(), fmt::join(targets, ", "), total);
    return fmt::format("TCP {} {} -> {} {}:{} got no answer: SYN unanswered ({} connection{})", who,
                       c.client_ip.to_string(), whom, c.server_ip.to_string(), c.server_port, total,
                       total == 1 ? "" : "s");
}

void write_header(JsonWriter& w, const AttemptKey& k, const ConnFact& first, uint64_t ts, const char* action,
                  const std::string& reason, uint64_t start_ns, uint64_t end_ns, const EventContext& ctx) {
    EventHead h;
    h.code = k.code;
    h.action = action;
    h.reason = reason;
    h.ts_ns = ts;
    h.start_ns = start_ns;
    h.end_ns = end_ns;
    write_event_head(w, h);
    open_observer(w, k.vantage, ctx);
    w.EndObject();
    write_flow(w, FlowEnds{first.client_ip, first.server_ip, first.client_port, first.server_port, 6}, nullptr, k.direction);
}


void write_connections(JsonWriter& w, const std::vector<ConnFact>& conns, uint32_t total, uint64_t t0) {
    w.Key("connections");
    w.StartArray();
    for (const ConnFact& c : conns) write_connection(w, c, t0);
    w.EndArray();
    w.Key("connections_total"); w.Uint(total);
}

uint64_t last_packet_ns(const std::vector<ConnFact>& conns) {
    uint64_t end = 0;
    for (const ConnFact& c : conns) {
        end = std::max(end, c.syn_ns[recorded_syns(c) - 1]);
        if (c.rst_seen) end = std::max(end, c.rst.ns);
    }
    return end;
}

std::string topic_of(const AttemptKey& k) {
    return fmt::format("callsentry.failure.{}", catalog_entry(k.code).name);
}

}  // namespace

RenderedEvent render_attempt(const FailedAttempt& a, const EventContext& ctx) {
    const ConnFact& first = a.connections.front();
    std::vector<std::string> evidence;
    for (size_t i = 0; i < a.connections.size(); ++i)
        connection_evidence(a.connections[i], i ? &a.connections[i - 1] : nullptr, a.first_ns, evidence);
    if (a.connections_total > a.connections.size())
        evidence.push_back(fmt::format("{} more connections not listed", a.connections_total - a.connections.size()));

    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    const uint64_t end = last_packet_ns(a.connections);
    write_header(w, a.key, first, a.first_ns, "attempt", reason_of(a.key, a.connections, a.connections_total),
                 a.first_ns, end, ctx);
    w.Key("callsentry");
    w.StartObject();
    write_guidance(w, a.key.code, a.key.direction == Direction::kInbound, evidence);
    w.Key("attempt");
    w.StartObject();
    write_connections(w, a.connections, a.connections_total, a.first_ns);
    bool failover = false;
    for (const ConnFact& c : a.connections) failover |= c.server_ip != first.server_ip;
    w.Key("failover"); w.Bool(failover);
    w.Key("duration_s"); write_seconds(w, int64_t(end - a.first_ns));
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return {topic_of(a.key), buf.GetString()};
}

RenderedEvent render_fold(const FoldSummary& s, const EventContext& ctx) {
    const ConnFact& first = s.connections.front();
    std::vector<std::string> evidence;
    evidence.push_back(fmt::format("{} more attempt{} with the same failure between {} and {} (fold window {} s)",
                                   s.attempts, s.attempts == 1 ? "" : "s", iso8601_ms(s.first_ns),
                                   iso8601_ms(s.last_ns), (s.window_end_ns - s.window_start_ns) / 1000000000));
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    std::string reason = fmt::format("repeated {} times more: {}", s.attempts,
                                     reason_of(s.key, s.connections, s.connections_total));
    write_header(w, s.key, first, s.window_end_ns, "folded", reason, s.first_ns, last_packet_ns(s.connections), ctx);
    w.Key("callsentry");
    w.StartObject();
    write_guidance(w, s.key.code, s.key.direction == Direction::kInbound, evidence);
    w.Key("fold");
    w.StartObject();
    w.Key("attempts"); w.Uint(s.attempts);
    w.Key("first"); w.String(iso8601_ms(s.first_ns).c_str());
    w.Key("last"); w.String(iso8601_ms(s.last_ns).c_str());
    w.Key("window_start"); w.String(iso8601_ms(s.window_start_ns).c_str());
    w.Key("window_end"); w.String(iso8601_ms(s.window_end_ns).c_str());
    write_connections(w, s.connections, s.connections_total, s.first_ns);
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return {topic_of(s.key), buf.GetString()};
}

}  // namespace cs
