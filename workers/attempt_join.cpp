#include "workers/attempt_join.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "workers/attempt_story.h"
#include "workers/tls_event_log.h"

namespace cs {

namespace {
constexpr uint16_t kWrongPort = 5061;

// Where the answer sent the querier on 5061.
std::vector<IpAddr> addresses_on_5061(const DnsEvent& e) {
    std::vector<IpAddr> out;
    if (!e.lookup.response) return out;
    const DnsFact& r = *e.lookup.response;
    for (uint8_t i = 0; i < r.address_count; ++i) {
        const DnsFactAddress& a = r.address[i];
        if (a.srv != DnsFactAddress::kNoSrv && a.srv < r.srv_count && r.srv[a.srv].port == kWrongPort) out.push_back(a.ip);
    }
    return out;
}

void set_string(rapidjson::Value& obj, const char* key, std::string_view v, rapidjson::Document::AllocatorType& al) {
    rapidjson::Value s(v.data(), rapidjson::SizeType(v.size()), al);
    if (obj.HasMember(key)) obj[key] = s;
    else obj.AddMember(rapidjson::Value(key, al), s, al);
}
}  // namespace

void AttemptJoin::dns(const DnsEvent& e, RenderedEvent rendered) {
    std::vector<IpAddr> addrs = addresses_on_5061(e);
    if (e.verdict.code != FailureCode::kDnsSrvWrongDomain || addrs.empty()) {
        out_(rendered, e.verdict.code);
        return;
    }
    const DnsFact& q = e.lookup.fact();
    std::vector<AttemptStep> queries;
    if (e.naptr.seen)
        queries.push_back({e.naptr.ns, q.vantage, e.naptr.frame, "dns_query",
                           fmt::format("NAPTR {} asked by {}: {}", e.naptr.qname, q.client_ip.to_string(),
                                       e.naptr.settled ? dns_outcome_name(e.naptr.outcome) : "not settled")});
    if (e.lookup.query)
        queries.push_back({e.lookup.query->ts_ns, q.vantage, e.lookup.query->frame, "dns_query",
                           fmt::format("SRV {} asked by {} of {}", q.qname.view(), q.client_ip.to_string(),
                                       q.server_ip.to_string())});
    Held h{q.client_ip, e.lookup.response->ts_ns, std::move(addrs), std::move(queries), std::move(rendered)};
    held_.emplace(std::make_tuple(e.lookup.decided_ns + window_ns_, q.client_ip, std::string(q.qname.view())),
                  std::move(h));
}

void AttemptJoin::tcp(const FailedAttempt& a, RenderedEvent rendered, AttemptStory story) {
    if (a.key.code == FailureCode::kTcpSynUnanswered && a.key.service_port == kWrongPort &&
        a.key.direction == Direction::kOutbound && !a.connections.empty()) {
        for (auto it = held_.begin(); it != held_.end(); ++it) {
            Held& h = it->second;
            if (h.querier != a.key.onprem_ip || a.first_ns < h.answer_ns) continue;
            const bool to_answer = std::any_of(a.connections.begin(), a.connections.end(), [&](const ConnFact& c) {
                return std::find(h.addresses.begin(), h.addresses.end(), c.server_ip) != h.addresses.end();
            });
            if (!to_answer) continue;
            ++joined_;
            story.steps.insert(story.steps.begin(), h.queries.begin(), h.queries.end());
            std::stable_sort(story.steps.begin(), story.steps.end(),
                             [](const AttemptStep& x, const AttemptStep& y) { return x.ns < y.ns; });
            RenderedEvent joined = join_wrong_port(h.rendered, rendered);
            add_story(joined, story, ctx_);
            out_(joined, FailureCode::kTcpWrongPort5061);
            held_.erase(it);
            return;
        }
    }
    add_story(rendered, story, ctx_);
    out_(rendered, a.key.code);
}

void AttemptJoin::advance(uint64_t watermark) {
    while (!held_.empty() && std::get<0>(held_.begin()->first) < watermark) {
        out_(held_.begin()->second.rendered, FailureCode::kDnsSrvWrongDomain);
        held_.erase(held_.begin());
    }
}

RenderedEvent join_wrong_port(const RenderedEvent& dns, const RenderedEvent& tcp) {
    rapidjson::Document d, t;
    d.Parse(dns.json.c_str());
    t.Parse(tcp.json.c_str());
    if (d.HasParseError() || t.HasParseError() || !t.IsObject()) return tcp;
    auto& al = t.GetAllocator();
    const CatalogEntry& e = catalog_entry(FailureCode::kTcpWrongPort5061);
    rapidjson::Value& ev = t["event"];
    set_string(ev, "code", e.name, al);
    const std::string reason = std::string(d["event"]["reason"].GetString()) + "; then " + t["event"]["reason"].GetString();
    set_string(ev, "reason", reason, al);
    set_string(ev, "start", d["event"]["start"].GetString(), al);
    set_string(t, "@timestamp", d["@timestamp"].GetString(), al);
    if (d.HasMember("dns")) t.AddMember("dns", rapidjson::Value(d["dns"], al), al);
    rapidjson::Value& cs = t["callsentry"];
    set_string(cs, "failure", e.name, al);
    set_string(cs, "guide", e.guide(false), al);
    set_string(cs, "remediation", e.remediation(false), al);
    rapidjson::Value evidence(rapidjson::kArrayType);
    for (const auto& line : d["callsentry"]["evidence"].GetArray()) evidence.PushBack(rapidjson::Value(line, al), al);
    for (const auto& line : cs["evidence"].GetArray()) evidence.PushBack(rapidjson::Value(line, al), al);
    cs["evidence"] = evidence;
    rapidjson::Value causes(rapidjson::kArrayType);
    const std::string_view* c = e.candidate_causes(false);
    for (int i = 0; i < 3; ++i)
        if (!c[i].empty()) causes.PushBack(rapidjson::Value(c[i].data(), rapidjson::SizeType(c[i].size()), al), al);
    cs["candidate_causes"] = causes;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    t.Accept(w);
    return {topic_for(FailureCode::kTcpWrongPort5061), buf.GetString()};
}

}  // namespace cs
