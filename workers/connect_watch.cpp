#include "workers/connect_watch.h"

#include <fmt/format.h>

#include "workers/catalog_json.h"
#include "workers/dns_facts.h"
#include "workers/event_head.h"
#include "workers/tls_event_log.h"

namespace cs {

namespace {
bool webex_service(uint32_t tags) { return tags & (kDnsTagWebexServiceSrv | kDnsTagWebexServiceHost); }
}  // namespace

void ConnectWatch::answer(const DnsAnswerSeen& a) {
    if (!webex_service(a.tags)) return;
    bool any_ip = false;
    for (const DnsAnswerTarget& t : a.targets) any_ip |= t.has_ip;
    if (!any_ip) return;  // nothing to connect to yet (an SRV whose addresses come in a later lookup)
    if (watches_.size() >= s_.max_watches) {
        ++n_.watches_dropped;
        return;
    }
    ++n_.watches;
    NotAttempted w{a, a.ts_ns + s_.window_ns};
    watches_.emplace(std::make_tuple(w.deadline_ns, a.client_ip, a.qname), std::move(w));
}

void ConnectWatch::decide(const NotAttempted& w) {
    std::vector<IpAddr> answered;
    for (const DnsAnswerTarget& t : w.answer.targets)
        if (t.has_ip) answered.push_back(t.ip);
    if (ledger_.connected(w.answer.client_ip, answered, w.answer.ts_ns, w.deadline_ns)) {
        ++n_.settled;
        return;
    }
    ++n_.not_attempted;
    sink_.not_attempted(w);
}

void ConnectWatch::advance(uint64_t watermark) {
    while (!watches_.empty() && std::get<0>(watches_.begin()->first) < watermark) {
        decide(watches_.begin()->second);
        watches_.erase(watches_.begin());
    }
}

void ConnectWatch::end_capture(uint64_t last_packet_ns) {
    for (auto& [key, w] : watches_) {
        if (w.deadline_ns <= last_packet_ns) decide(w);
        else ++n_.cut_by_end;
    }
    watches_.clear();
}

RenderedEvent render_not_attempted(const NotAttempted& n, const EventContext& ctx) {
    const DnsAnswerSeen& a = n.answer;
    std::string addresses;
    std::vector<std::string> evidence;
    evidence.push_back(fmt::format("frame {}: answer for {} to {} from {}", a.frame, a.qname, a.client_ip.to_string(),
                                   a.server_ip.to_string()));
    for (const DnsAnswerTarget& t : a.targets) {
        if (!t.has_ip) continue;
        const std::string addr = t.port ? fmt::format("{}:{}", t.ip.to_string(), t.port) : t.ip.to_string();
        if (!addresses.empty()) addresses += ", ";
        addresses += addr;
        evidence.push_back(fmt::format("answered: {} ({})", addr, t.host));
    }
    evidence.push_back(fmt::format("no TCP connection from {} to any answered address within {:.0f} s, and none live "
                                   "when the answer came",
                                   a.client_ip.to_string(), double(n.deadline_ns - a.ts_ns) / 1e9));
    const std::string reason = fmt::format("{} resolved {} ({}) and did not connect to it within {:.0f} s",
                                           a.client_ip.to_string(), a.qname, addresses,
                                           double(n.deadline_ns - a.ts_ns) / 1e9);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    EventHead h;
    h.code = FailureCode::kConnectNotAttempted;
    h.action = "call_attempt";
    h.reason = reason;
    h.ts_ns = h.start_ns = a.ts_ns;
    h.end_ns = n.deadline_ns;
    write_event_head(w, h);
    open_observer(w, a.vantage, ctx);
    w.EndObject();
    write_flow(w, FlowEnds{a.client_ip, a.server_ip, 0, 53, 17}, "dns", a.direction);
    w.Key("dns"); w.StartObject();
    w.Key("question"); w.StartObject();
    w.Key("name"); w.String(a.qname.c_str());
    w.EndObject();
    w.Key("resolved_ip"); w.StartArray();
    for (const DnsAnswerTarget& t : a.targets)
        if (t.has_ip) w.String(t.ip.to_string().c_str());
    w.EndArray();
    w.EndObject();
    w.Key("callsentry"); w.StartObject();
    write_guidance(w, FailureCode::kConnectNotAttempted, a.direction == Direction::kInbound, evidence);
    w.EndObject();
    w.EndObject();
    return {topic_for(FailureCode::kConnectNotAttempted), buf.GetString()};
}

}  // namespace cs
