#include "workers/sip_event_log.h"

#include "workers/event_head.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

#include "pipeline/ecs_json.h"
#include "workers/catalog_json.h"
#include "workers/tls_event_log.h"

namespace cs {

namespace {

std::string vantage_name(const EventContext& ctx, uint16_t v) {
    return v < ctx.vantages.size() ? ctx.vantages[v] : fmt::format("vantage {}", v);
}

std::string endpoint(const IpAddr& ip, uint16_t port) {
    return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port) : fmt::format("[{}]:{}", ip.to_string(), port);
}

const char* transport_name(uint8_t t) { return t == 17 ? "udp" : "tcp"; }

// Wire text as valid UTF-8: a byte that does not start or continue a
// well-formed sequence (hostile input, or a value cut inside a character)
// becomes '?', so every event parses as JSON whatever the message carried.
std::string utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const size_t n = in.size();
    for (size_t i = 0; i < n;) {
        const unsigned char b = p[i];
        size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len != 0 && i + len <= n && b != 0;  // NUL too: write_guidance takes C strings
        for (size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            // No overlong forms, no UTF-16 surrogates, nothing above U+10FFFF (RFC 3629).
            uint32_t cp = b & (0x7f >> len);
            for (size_t k = 1; k < len; ++k) cp = cp << 6 | (p[i + k] & 0x3f);
            static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= kMin[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        }
        if (!ok) {
            out += '?';
            ++i;
            continue;
        }
        out.append(in.data() + i, len);
        i += len;
    }
    return out;
}

void str(JsonWriter& w, std::string_view v) {
    const std::string clean = utf8(v);
    w.String(clean.data(), rapidjson::SizeType(clean.size()));
}

template <size_t N>
void text(JsonWriter& w, const char* key, const SipText<N>& t) {
    if (t.empty()) return;
    w.Key(key);
    str(w, t.view());
}

void codecs(JsonWriter& w, const char* key, const SdpAudioSummary* a) {
    w.Key(key);
    w.StartArray();
    if (a && a->present)
        for (int i = 0; i < std::min<int>(a->codec_count, SdpAudioSummary::kMaxCodecs); ++i) str(w, a->codecs[i].view());
    w.EndArray();
}

// The story in order, one step per message: "+0.006s L0 <- 404 Not Found";
// "->" client to server on that leg, "<-" server to client, "xN" a
// retransmitted message; with `frames`, each step's frame: "+0.006s #13 L0 ...".
std::string ladder(const std::vector<SipStep>& steps, uint32_t steps_total, bool frames) {
    std::string out;
    if (steps.empty()) return out;
    const uint64_t t0 = steps.front().ns;
    for (const SipStep& s : steps) {
        if (!out.empty()) out += " | ";
        const double off = s.ns >= t0 ? double(s.ns - t0) / 1e9 : -double(t0 - s.ns) / 1e9;
        const std::string at = frames ? fmt::format("{:+.3f}s #{}", off, s.frame) : fmt::format("{:+.3f}s", off);
        const std::string leg = s.leg >= 0 ? fmt::format("L{}", s.leg) : "L?";
        if (s.from_client) fmt::format_to(std::back_inserter(out), "{} {} {} ->", at, leg, s.text.view());
        else fmt::format_to(std::back_inserter(out), "{} {} <- {}", at, leg, s.text.view());
        if (s.repeats) fmt::format_to(std::back_inserter(out), " x{}", s.repeats + 1);
    }
    if (steps_total > steps.size()) fmt::format_to(std::back_inserter(out), " | ... {} more", steps_total - steps.size());
    return out;
}

const SipLeg* leg_at(const std::vector<SipLeg>& legs, int i) {
    return i >= 0 && size_t(i) < legs.size() ? &legs[size_t(i)] : nullptr;
}

void write_leg(JsonWriter& w, const SipLeg& l, size_t i, const EventContext& ctx) {
    w.StartObject();
    w.Key("id"); w.String(fmt::format("L{}", i).c_str());
    w.Key("vantage"); w.String(vantage_name(ctx, l.vantage).c_str());
    w.Key("transport"); w.String(transport_name(l.transport));
    w.Key("direction"); w.String(direction_name(l.direction));
    w.Key("client"); w.String(endpoint(l.client_ip, l.client_port).c_str());
    w.Key("server"); w.String(endpoint(l.server_ip, l.server_port).c_str());
    w.Key("first_frame"); w.Uint(l.first_frame);
    w.Key("messages"); w.Uint(l.messages);
    w.Key("retransmissions"); w.Uint(l.retransmissions);
    w.Key("max_message_bytes"); w.Uint(l.max_msg_bytes);
    if (l.invite) {
        const SipFact& inv = *l.invite;
        w.Key("invite_frame"); w.Uint(inv.frame);
        text(w, "contact", inv.contact);
        w.Key("call_type_squared"); w.Bool(inv.call_type_squared);
        text(w, "egress_zone", inv.egress_zone);
        text(w, "route", inv.route);
    }
    w.EndObject();
}

// Names (and remediation) of every signature that matched a kept message, by rule id.
void write_rules(JsonWriter& w, std::initializer_list<const std::optional<SipFact>*> kept, const std::vector<SipLeg>& legs,
                 const RuleSet* rules) {
    std::vector<uint32_t> ids;
    auto add = [&](const SipFact& f) {
        ids.insert(ids.end(), f.matched_rules, f.matched_rules + std::min<int>(f.matched_count, SipFact::kMaxRules));
    };
    for (const SipLeg& l : legs)
        if (l.invite) add(*l.invite);
    for (const auto* f : kept)
        if (*f) add(**f);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    write_matched_rules(w, ids, rules);
}

// Which kept values were cut to fit the fact (the event says so).
std::vector<const char*> truncated_fields(const SipFact* inv, const SipFact* resp) {
    std::vector<const char*> out;
    if (inv) {
        if (inv->request_uri.truncated) out.push_back("request_uri");
        if (inv->from_uri.truncated) out.push_back("from");
        if (inv->to_uri.truncated) out.push_back("to");
        if (inv->route.truncated) out.push_back("route");
        if (inv->contact.truncated) out.push_back("contact");
        if (inv->call_id.truncated) out.push_back("call_id");
    }
    if (resp) {
        if (resp->warning.truncated) out.push_back("warning");
        if (resp->reason.truncated) out.push_back("reason");
    }
    return out;
}

const char* ecs_outcome(SipOutcome o) {
    switch (o) {
        case SipOutcome::kAnswered: case SipOutcome::kCancelled: case SipOutcome::kRedirected: return "success";
        case SipOutcome::kFailed: case SipOutcome::kUnanswered: return "failure";
        default: return "unknown";
    }
}

std::string topic_of(FailureCode code) {
    return code == FailureCode::kCallOk ? fmt::format("callsentry.ok.{}", catalog_entry(code).name) : topic_for(code);
}

// The end of sip.*: retransmissions, the ladder, every leg, and which kept
// values of the request and the response were cut.
void write_story(JsonWriter& w, uint32_t retransmissions, const std::vector<SipStep>& steps, uint32_t steps_total,
                 bool frames, const std::vector<SipLeg>& legs, const SipFact* request, const SipFact* response,
                 const EventContext& ctx) {
    w.Key("retransmissions"); w.Uint(retransmissions);
    w.Key("ladder"); str(w, ladder(steps, steps_total, frames));
    w.Key("legs"); w.StartArray();
    for (size_t i = 0; i < legs.size(); ++i) write_leg(w, legs[i], i, ctx);
    w.EndArray();
    const std::vector<const char*> cut = truncated_fields(request, response);
    if (!cut.empty()) {
        w.Key("truncated"); w.StartArray();
        for (const char* f : cut) w.String(f);
        w.EndArray();
    }
}

// A final response's status, phrase, Warning and who sent it.
void write_response(JsonWriter& w, const SipFact& resp) {
    w.Key("status_code"); w.Uint(resp.status);
    text(w, "reason_phrase", resp.reason_phrase);
    text(w, "warning", resp.warning);
    if (!resp.server.empty()) text(w, "server", resp.server);
    else text(w, "server", resp.user_agent);
}

// Every vantage the legs were seen on, in first-seen order, into the open observer object.
void write_vantages(JsonWriter& w, const std::vector<SipLeg>& legs, const EventContext& ctx) {
    std::vector<uint16_t> seen_on;
    for (const SipLeg& l : legs)
        if (std::find(seen_on.begin(), seen_on.end(), l.vantage) == seen_on.end()) seen_on.push_back(l.vantage);
    w.Key("vantages"); w.StartArray();
    for (uint16_t x : seen_on) w.String(vantage_name(ctx, x).c_str());
    w.EndArray();
}

// source, destination and network of the deciding leg; `flip`: the source
// is the leg's server (the sender of the message the event is about).
void write_sip_flow(JsonWriter& w, const SipLeg* leg, bool flip, Direction dir) {
    if (leg) {
        const FlowEnds ends = flip ? FlowEnds{leg->server_ip, leg->client_ip, leg->server_port, leg->client_port, leg->transport}
                                   : FlowEnds{leg->client_ip, leg->server_ip, leg->client_port, leg->server_port, leg->transport};
        write_flow(w, ends, "sip", dir);
        return;
    }
    w.Key("network"); w.StartObject();
    w.Key("protocol"); w.String("sip");
    w.Key("direction"); w.String(direction_name(dir));
    w.EndObject();
}

// "frame 13 (inside): ..." for each evidence line, named by its leg's vantage.
std::vector<std::string> evidence_lines(const std::vector<SipEvidence>& evidence, const std::vector<SipLeg>& legs,
                                        const EventContext& ctx) {
    std::vector<std::string> out;
    for (const SipEvidence& x : evidence) {
        const SipLeg* l = leg_at(legs, x.leg);
        out.push_back(utf8(l ? fmt::format("frame {} ({}): {}", x.frame, vantage_name(ctx, l->vantage), x.text)
                             : fmt::format("frame {}: {}", x.frame, x.text)));
    }
    return out;
}

// A connection's direction turned round: seen from its server's end (a
// registration whose phone was the server of its connection).
Direction reversed(Direction d) {
    return d == Direction::kInbound ? Direction::kOutbound : d == Direction::kOutbound ? Direction::kInbound : d;
}

}  // namespace

RenderedEvent render_sip_call(const SipCallEvent& e, const EventContext& ctx, const RuleSet* rules) {
    const SipCallRecord& c = e.call;
    const SipVerdict& v = e.verdict;
    const SipLeg* leg = c.leg(v.leg);
    const SipFact* inv = c.invite_for(v.leg);
    const SipFact* resp = deciding_response(c, v);
    const uint64_t start = inv ? std::min(inv->ts_ns, c.first_ns) : c.first_ns;

    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    const std::string detail = utf8(v.detail);
    EventHead h;
    h.code = v.code;
    h.action = c.cleartext ? "sip_connection" : "sip_call";
    h.reason = detail;
    h.ts_ns = h.start_ns = start;
    h.end_ns = e.decided_ns;
    h.alert = v.code != FailureCode::kCallOk;
    h.outcome = ecs_outcome(v.outcome);
    h.type = "protocol";
    write_event_head(w, h);
    open_observer(w, leg ? leg->vantage : UINT16_MAX, ctx);
    write_vantages(w, c.legs, ctx);
    w.EndObject();

    const Direction dir = c.cleartext && leg ? leg->direction : v.inbound ? Direction::kInbound : Direction::kOutbound;
    write_sip_flow(w, leg, false, dir);

    w.Key("sip"); w.StartObject();
    w.Key("call_id"); str(w, c.call_id);
    if (c.cleartext && !c.ladder.empty()) {
        w.Key("message"); str(w, c.ladder.front().text.view());
    }
    if (inv) {
        text(w, "method", inv->method_text);
        text(w, "request_uri", inv->request_uri);
        text(w, "from", inv->from_uri);
        text(w, "to", inv->to_uri);
        text(w, "user_agent", inv->user_agent);
        text(w, "route", inv->route);
        text(w, "contact", inv->contact);
    }
    if (resp) write_response(w, *resp);
    const SipText<128>* reason = resp && !resp->reason.empty() ? &resp->reason : c.bye ? &c.bye->reason : nullptr;
    if (reason) text(w, "reason", *reason);
    if (!c.cleartext) {
        const bool early = inv && inv->has_sdp;
        const SdpAudioSummary* offered = early ? &inv->audio : c.answer && c.answer->has_sdp ? &c.answer->audio : nullptr;
        const SdpAudioSummary* answered = early && c.answer && c.answer->has_sdp ? &c.answer->audio : nullptr;
        if (inv) { w.Key("offer"); w.String(early ? "early" : "delayed"); }
        codecs(w, "codecs_offered", offered);
        codecs(w, "codecs_answered", answered);
        if (answered && answered->present) { w.Key("audio_port_answered"); w.Uint(answered->port); }
    }
    if (v.setup_ns >= 0) { w.Key("setup_ms"); w.Double(double(v.setup_ns) / 1e6); }
    if (v.latency_ns >= 0) { w.Key("latency_ms"); w.Double(double(v.latency_ns) / 1e6); }
    uint32_t max_bytes = 0;
    for (const SipLeg& l : c.legs) max_bytes = std::max(max_bytes, l.max_msg_bytes);
    w.Key("max_message_bytes"); w.Uint(max_bytes);
    if (c.large) {
        w.Key("large_message"); w.StartObject();
        const SipFact& m = *c.large;
        const std::string line = m.is_request ? fmt::format("{} {}", m.method_text.view(), m.request_uri.view())
                                              : fmt::format("{} {}", m.status, m.reason_phrase.view());
        w.Key("start_line"); str(w, line);
        w.Key("bytes"); w.Uint(m.msg_bytes);
        w.Key("header_bytes"); w.Uint(m.header_bytes);
        w.Key("content_length"); w.Uint(m.content_length);
        w.Key("limit"); w.Uint(c.size_limit);
        w.Key("frame"); w.Uint(m.frame);
        if (c.large_end.seen) {
            w.Key("closed_with"); w.String(c.large_end_rst ? "rst" : "fin");
            w.Key("close_frame"); w.Uint(c.large_end.frame);
        }
        w.EndObject();
    }
    write_story(w, c.retransmissions, c.ladder, c.steps_total, false, c.legs, inv, resp, ctx);
    w.EndObject();

    w.Key("callsentry"); w.StartObject();
    write_guidance(w, v.code, v.inbound, evidence_lines(v.evidence, c.legs, ctx));
    w.Key("call"); w.StartObject();
    w.Key("outcome"); w.String(sip_outcome_name(v.outcome));
    w.Key("closed_by"); w.String(sip_close_name(c.closed));
    w.Key("legs"); w.Uint(uint32_t(c.legs.size()));
    if (c.unlisted_leg_facts) { w.Key("unlisted_leg_messages"); w.Uint(c.unlisted_leg_facts); }
    w.Key("steps"); w.Uint(c.steps_total);
    if (c.retried_after) { w.Key("retried_after"); w.Uint(c.retried_after); }
    if (!v.stripping_hop.empty()) { w.Key("stripping_hop"); str(w, v.stripping_hop); }
    w.EndObject();
    write_rules(w, {&c.answer, &c.failure, &c.bye, &c.large}, c.legs, rules);
    w.EndObject();
    w.EndObject();
    return {topic_of(v.code), buf.GetString()};
}

RenderedEvent render_sip_registration(const SipRegistrationEvent& e, const EventContext& ctx, const RuleSet* rules) {
    const SipRegistrationRecord& g = e.reg;
    const SipLeg* leg = g.leg(e.leg);
    const SipFact* req = g.request ? &*g.request : nullptr;
    const SipFact* resp = g.response ? &*g.response : nullptr;
    // The phone sent the REGISTER: it is the source, the registrar the destination.
    const bool phone_is_server = req && !req->from_client;

    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    const std::string detail = utf8(e.detail);
    write_event_head(w, EventHead{.code = e.code, .action = "sip_register", .reason = detail, .ts_ns = g.first_ns,
                                  .start_ns = g.first_ns, .end_ns = e.decided_ns, .alert = true, .outcome = "failure",
                                  .type = "protocol"});
    open_observer(w, leg ? leg->vantage : UINT16_MAX, ctx);
    write_vantages(w, g.legs, ctx);
    w.EndObject();
    const Direction dir = leg ? (phone_is_server ? reversed(leg->direction) : leg->direction) : Direction::kUnknown;
    write_sip_flow(w, leg, phone_is_server, dir);

    w.Key("sip"); w.StartObject();
    w.Key("call_id"); str(w, g.call_id);
    w.Key("method"); w.String("REGISTER");
    if (req) {
        text(w, "request_uri", req->request_uri);
        text(w, "from", req->from_uri);
        text(w, "to", req->to_uri);
        text(w, "aor", req->to_uri);  // the address-of-record a REGISTER binds (RFC 3261 §10.2)
        text(w, "contact", req->contact);
        if (req->expires >= 0) { w.Key("expires"); w.Int64(req->expires); }
        text(w, "user_agent", req->user_agent);
        w.Key("cseq"); w.Uint(req->cseq);
        w.Key("credentials"); w.Bool(req->credentials);
        text(w, "auth_user", req->auth_user);
        const std::string client = endpoint(req->client_ip, req->client_port);
        const std::string server = endpoint(req->server_ip, req->server_port);
        w.Key("phone"); str(w, phone_is_server ? server : client);
        w.Key("registrar"); str(w, phone_is_server ? client : server);
    }
    if (g.challenge) {
        const SipFact& c = *g.challenge;
        w.Key("challenge"); w.StartObject();
        w.Key("status_code"); w.Uint(c.status);
        w.Key("header"); w.String(c.auth_proxy ? "Proxy-Authenticate" : "WWW-Authenticate");
        text(w, "realm", c.auth_realm);
        w.Key("frame"); w.Uint(c.frame);
        w.EndObject();
    }
    if (resp) {
        write_response(w, *resp);
        text(w, "reason", resp->reason);
        if (req) { w.Key("latency_ms"); w.Double(double(resp->ts_ns - req->ts_ns) / 1e6); }
    }
    w.Key("transactions"); w.Uint(g.transactions);
    write_story(w, g.retransmissions, g.ladder, g.steps_total, true, g.legs, req, resp, ctx);
    w.EndObject();

    w.Key("callsentry"); w.StartObject();
    write_guidance(w, e.code, false, evidence_lines(e.evidence, g.legs, ctx));
    w.Key("registration"); w.StartObject();
    w.Key("failure"); w.String(sip_reg_failure_name(e.failure));
    w.Key("closed_by"); w.String(g.end_of_capture ? "end_of_capture" : "settled");
    w.Key("steps"); w.Uint(g.steps_total);
    if (g.superseded) { w.Key("retried_after"); w.Uint(g.superseded); }
    w.EndObject();
    write_rules(w, {&g.first, &g.challenge, &g.request, &g.response}, g.legs, rules);
    w.EndObject();
    w.EndObject();
    return {topic_for(e.code), buf.GetString()};
}

}  // namespace cs
