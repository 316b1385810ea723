#include "workers/attempt_story.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "pipeline/ecs_json.h"
#include "workers/dns_parser.h"

namespace cs {

namespace {

std::string failed_detail(FailureCode code, std::string_view detail) {
    const std::string_view name = catalog_entry(code).name;
    return detail.empty() ? std::string(name) : fmt::format("{}: {}", name, detail);
}

void close_with(AttemptStory& s, AttemptStep failed) {
    s.steps.push_back(std::move(failed));
    std::stable_sort(s.steps.begin(), s.steps.end(),
                     [](const AttemptStep& a, const AttemptStep& b) { return a.ns < b.ns; });
}

rapidjson::Value text(std::string_view v, rapidjson::Document::AllocatorType& al) {
    return rapidjson::Value(v.data(), rapidjson::SizeType(v.size()), al);
}

}  // namespace

AttemptStory story_of(const AttemptLedger& ledger, const FailedAttempt& a) {
    if (a.connections.empty()) return {};
    const ConnFact& first = a.connections.front();
    const char* from = a.key.direction == Direction::kOutbound  ? "on-prem"
                       : a.key.direction == Direction::kInbound ? "the cloud"
                                                                : "the client";
    // What was known when the last of its connections was certain to have failed.
    uint64_t as_of = 0;
    for (const ConnFact& c : a.connections) as_of = std::max(as_of, c.decided_ns);
    AttemptStory s = ledger.story(first.client_ip, first.server_ip, first.server_port, a.first_ns, as_of);
    // The attempt's own connects say how they failed (the ledger may not know their ends yet).
    for (AttemptStep& step : s.steps) {
        auto c = std::find_if(a.connections.begin(), a.connections.end(), [&](const ConnFact& f) {
            return step.step == "tcp_connect" && f.vantage == step.vantage && f.first_frame == step.frame;
        });
        if (c == a.connections.end()) continue;
        step.detail = fmt::format("{}:{} -> {}:{}: {}", c->client_ip.to_string(), c->client_port,
                                  c->server_ip.to_string(), c->server_port,
                                  c->code == FailureCode::kTcpPortRejected
                                      ? std::string("rejected with a reset")
                                      : fmt::format("unanswered after {} SYN{}", c->syn_count, c->syn_count == 1 ? "" : "s"));
    }
    const ConnFact& last = a.connections.back();
    close_with(s, {as_of, last.vantage, last.syn_count ? last.syn_frame[last.syn_count - 1] : last.first_frame,
                   "tcp", failed_detail(a.key.code, fmt::format("{} connection{} from {} failed", a.connections_total,
                                                                 a.connections_total == 1 ? "" : "s",
                                                                 from))});
    return s;
}

AttemptStory story_of(const AttemptLedger& ledger, const TlsIncident& i) {
    AttemptStory s = ledger.story(i.client_ip, i.server_ip, i.server_port, i.tcp.first_ns, i.decided_ns);
    const TlsAt at = i.facts.alert_seen ? i.facts.alert.at : TlsAt{0, i.decided_ns};
    close_with(s, {at.ns, i.vantage, at.frame, "tls", failed_detail(i.verdict.code, i.verdict.detail)});
    return s;
}

namespace {

// A SIP leg's story: the lookups and the connection it rode on (TCP), then its
// first request (`step`: "sip_invite", "sip_register") and the failure.
AttemptStory sip_story(const AttemptLedger& ledger, const SipLeg& leg, const SipFact* request, const char* step,
                       SipAt failed_at, uint64_t decided_ns, FailureCode code, std::string_view detail) {
    AttemptStory s = ledger.story(leg.client_ip, leg.server_ip, leg.server_port, leg.first_ns, decided_ns,
                                  leg.transport == 6 ? leg.client_port : 0);
    if (request) {
        s.steps.push_back({request->ts_ns, leg.vantage, request->first_frame ? request->first_frame : request->frame,
                           step,
                           fmt::format("{} {} from {}:{} to {}:{}", request->method_text.view(),
                                       request->request_uri.view(), leg.client_ip.to_string(), leg.client_port,
                                       leg.server_ip.to_string(), leg.server_port)});
    }
    const SipAt at = failed_at.seen ? failed_at : SipAt{decided_ns, 0, -1, true};
    close_with(s, {at.ns, leg.vantage, at.frame, "sip", failed_detail(code, detail)});
    return s;
}

}  // namespace

AttemptStory story_of(const AttemptLedger& ledger, const SipCallEvent& e) {
    const SipCallRecord& c = e.call;
    const SipLeg* leg = c.leg(e.verdict.leg >= 0 ? e.verdict.leg : c.first_invite_leg);
    if (!leg) return {};
    return sip_story(ledger, *leg, leg->invite ? &*leg->invite : nullptr, "sip_invite", c.failure_at, e.decided_ns,
                     e.verdict.code, e.verdict.detail);
}

AttemptStory story_of(const AttemptLedger& ledger, const SipRegistrationEvent& e) {
    const SipRegistrationRecord& r = e.reg;
    const SipLeg* leg = r.leg(e.leg >= 0 ? e.leg : 0);
    if (!leg) return {};
    return sip_story(ledger, *leg, r.first ? &*r.first : nullptr, "sip_register", r.response_at, e.decided_ns, e.code,
                     e.detail);
}

AttemptStory story_of(const NotAttempted& n) {
    AttemptStory s;
    s.service = n.answer.qname;
    s.steps.push_back(AttemptLedger::answer_step(n.answer));
    s.steps.push_back({n.deadline_ns, n.answer.vantage, 0, "tcp",
                       failed_detail(FailureCode::kConnectNotAttempted,
                                     fmt::format("no connect from {} to an answered address",
                                                 n.answer.client_ip.to_string()))});
    return s;
}

AttemptStory story_of(const DnsEvent& e) {
    const DnsLookup& l = e.lookup;
    const DnsFact& q = l.fact();
    AttemptStory s;
    s.service = std::string(q.qname.view());
    if (l.query) {
        std::string sent;
        for (uint32_t i = 0; i + 1 < l.queries && i < uint32_t(DnsLookup::kMaxRetransmitFrames); ++i)
            sent += fmt::format("{}{}", i ? ", " : "; sent again in frames ", l.retransmit_frames[i]);
        s.steps.push_back({l.query->ts_ns, q.vantage, l.query->frame, "dns_query",
                           fmt::format("{} {} asked by {} of {}{}", dns_type_name(q.qtype), q.qname.view(),
                                       q.client_ip.to_string(), q.server_ip.to_string(), sent)});
    }
    const uint64_t ns = l.response ? l.response->ts_ns : l.decided_ns;
    const uint32_t frame = l.response ? l.response->frame : 0;
    close_with(s, {ns, q.vantage, frame, "dns", failed_detail(e.verdict.code, e.verdict.detail)});
    return s;
}

void add_story(RenderedEvent& e, const AttemptStory& s, const EventContext& ctx) {
    if (s.steps.empty()) return;
    rapidjson::Document d;
    d.Parse(e.json.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("callsentry") || !d["callsentry"].IsObject()) return;
    auto& al = d.GetAllocator();
    rapidjson::Value& cs = d["callsentry"];
    if (!cs.HasMember("attempt")) cs.AddMember("attempt", rapidjson::Value(rapidjson::kObjectType), al);
    rapidjson::Value& attempt = cs["attempt"];
    if (!s.service.empty()) attempt.AddMember("service", text(s.service, al), al);
    rapidjson::Value steps(rapidjson::kArrayType);
    const uint64_t t0 = s.steps.front().ns;
    for (const AttemptStep& step : s.steps) {
        rapidjson::Value o(rapidjson::kObjectType);
        o.AddMember("at", text(iso8601_us(step.ns), al), al);
        o.AddMember("offset_s", double(int64_t((step.ns - t0) / 1000)) / 1e6, al);
        o.AddMember("step", text(step.step, al), al);
        if (step.vantage < ctx.vantages.size()) o.AddMember("vantage", text(ctx.vantages[step.vantage], al), al);
        if (step.frame) o.AddMember("frame", step.frame, al);
        o.AddMember("detail", text(step.detail, al), al);
        steps.PushBack(o, al);
    }
    attempt.AddMember("steps", steps, al);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    d.Accept(w);
    e.json = buf.GetString();
}

}  // namespace cs
