#include "workers/dns_event_log.h"

#include <fmt/format.h>

#include <algorithm>

#include "workers/catalog_json.h"
#include "workers/event_head.h"
#include "workers/tls_event_log.h"

namespace cs {

namespace {

// Every text here is the DNS parser's rendering (lower-case ASCII, '?' for
// anything else) or built from numbers, so it is valid UTF-8 as it stands.
void str(JsonWriter& w, std::string_view s) { w.String(s.data(), rapidjson::SizeType(s.size())); }

void answer(JsonWriter& w, std::string_view name, const char* type, int64_t ttl, const std::string& data) {
    w.StartObject();
    w.Key("name"); str(w, name);
    w.Key("type"); w.String(type);
    w.Key("class"); w.String("IN");
    if (ttl >= 0) { w.Key("ttl"); w.Int64(ttl); }
    w.Key("data"); str(w, data);
    w.EndObject();
}

// ECS dns.answers from the records the fact kept. Owners follow the CNAME
// chain (the first from the question); an address belongs to its SRV target
// or to the end of the chain.
void write_answers(JsonWriter& w, const DnsFact& r) {
    const std::string_view end = r.cname_count ? r.cname[r.cname_count - 1].view() : r.qname.view();
    w.Key("answers"); w.StartArray();
    for (int i = 0; i < r.cname_count; ++i)
        answer(w, i ? r.cname[i - 1].view() : r.qname.view(), "CNAME", -1, std::string(r.cname[i].view()));
    for (int i = 0; i < r.naptr_count; ++i) {
        const DnsFactNaptr& n = r.naptr[i];
        answer(w, end, "NAPTR", -1,
               fmt::format("{} {} \"{}\" \"{}\" \"\" {}", n.order, n.preference, std::string_view(n.flags, n.flags_len),
                           std::string_view(n.services, n.services_len), n.replacement.view()));
    }
    for (int i = 0; i < r.srv_count; ++i) {
        const DnsFactSrv& s = r.srv[i];
        answer(w, end, "SRV", s.ttl, fmt::format("{} {} {} {}", s.priority, s.weight, s.port, s.target.view()));
    }
    for (int i = 0; i < r.address_count; ++i) {
        const DnsFactAddress& a = r.address[i];
        answer(w, a.srv == DnsFactAddress::kNoSrv ? end : r.srv[a.srv].target.view(), a.v6 ? "AAAA" : "A", a.ttl,
               a.ip.to_string());
    }
    w.EndArray();
    w.Key("resolved_ip"); w.StartArray();
    for (int i = 0; i < r.address_count; ++i) w.String(r.address[i].ip.to_string().c_str());
    w.EndArray();
}

void write_dns(JsonWriter& w, const DnsLookup& l) {
    const DnsFact& f = l.fact();
    const DnsFact& last = l.response ? *l.response : f;
    w.Key("dns"); w.StartObject();
    w.Key("id"); w.String(std::to_string(f.id).c_str());
    w.Key("op_code"); w.String(dns_opcode_name(f.opcode));
    w.Key("type"); w.String(l.response ? "answer" : "query");
    w.Key("question"); w.StartObject();
    w.Key("name"); str(w, f.qname.view());
    w.Key("type"); w.String(dns_type_name(f.qtype));
    w.Key("class"); w.String(f.qclass == dns::kClassIN ? "IN" : f.qclass == dns::kClassCH ? "CH" : "unknown");
    w.EndObject();
    w.Key("header_flags"); w.StartArray();
    for (auto [on, name] : {std::pair{last.aa, "AA"}, {last.tc, "TC"}, {last.rd, "RD"}, {last.ra, "RA"}, {last.ad, "AD"},
                            {last.cd, "CD"}})
        if (on) w.String(name);
    w.EndArray();
    if (l.response) {
        w.Key("response_code"); w.String(dns_rcode_name(l.response->rcode));
        write_answers(w, *l.response);
    }
    w.EndObject();
}


void write_tags(JsonWriter& w, uint32_t tags) {
    w.Key("tags"); w.StartArray();
    for (uint32_t i = 0; i < kDnsTagCount; ++i)
        if (tags & (1u << i)) str(w, dns_tag_name(DnsTag(1u << i)));
    w.EndArray();
}

FlowEnds ends_of(const DnsFact& f) { return {f.client_ip, f.server_ip, f.client_port, f.server_port, f.transport}; }

}  // namespace

RenderedEvent render_dns_event(const DnsEvent& e, const EventContext& ctx, const RuleSet* rules) {
    const DnsLookup& l = e.lookup;
    const DnsFact& f = l.fact();
    const FailureCode code = e.verdict.code;

    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    EventHead h;
    h.code = code;
    h.action = "dns_lookup";
    h.reason = e.verdict.detail;
    h.ts_ns = h.start_ns = l.first_ns;
    h.end_ns = l.decided_ns;
    h.outcome = dns_outcome_failed(l.outcome) ? "failure" : "success";
    h.type = "protocol";
    write_event_head(w, h);
    open_observer(w, f.vantage, ctx);
    w.EndObject();
    write_flow(w, ends_of(f), "dns", f.direction);
    write_dns(w, l);

    w.Key("callsentry"); w.StartObject();
    write_guidance(w, code, f.direction == Direction::kInbound, e.verdict.evidence);
    w.Key("lookup"); w.StartObject();
    w.Key("outcome"); w.String(dns_outcome_name(l.outcome));
    w.Key("queries"); w.Uint(l.queries);
    w.Key("query_seen"); w.Bool(l.query.has_value());
    if (l.query) { w.Key("elapsed_ms"); w.Double(double(l.decided_ns - l.first_ns) / 1e6); }
    if (l.unread_responses) { w.Key("unusable_responses"); w.Uint(l.unread_responses); }
    if (!e.verdict.subdomain.empty()) {
        w.Key("subdomain"); str(w, e.verdict.subdomain);
        w.Key("expected_name"); w.String("_sips._tcp.callservice.ciscospark.com");
    }
    if (e.naptr.seen) {
        w.Key("naptr"); w.StartObject();
        w.Key("name"); str(w, e.naptr.qname);
        w.Key("frame"); w.Uint(e.naptr.frame);
        w.Key("outcome"); w.String(e.naptr.settled ? dns_outcome_name(e.naptr.outcome) : "pending");
        w.EndObject();
    }
    write_tags(w, f.tags);
    w.EndObject();
    write_matched_rules(w, {f.matched_rules, size_t(std::min<int>(f.matched_count, DnsFact::kMaxRules))}, rules);
    w.EndObject();
    w.EndObject();
    return {topic_for(code), buf.GetString()};
}

RenderedEvent render_dns_fold(const DnsFold& f, const EventContext& ctx) {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    const std::string reason =
        fmt::format("{} more lookup{} of {} {} by {} with the same verdict ({})", f.count, f.count == 1 ? "" : "s",
                    dns_type_name(f.qtype), f.qname, f.client_ip.to_string(), catalog_entry(f.code).name);
    EventHead h;
    h.code = f.code;
    h.action = "folded";
    h.reason = reason;
    h.ts_ns = h.start_ns = f.first_ns;
    h.end_ns = f.last_ns;
    h.type = "protocol";
    write_event_head(w, h);
    open_observer(w, f.vantage, ctx);
    w.EndObject();
    // Many lookups from as many source ports: addresses only, no single flow.
    w.Key("source"); w.StartObject(); w.Key("ip"); w.String(f.client_ip.to_string().c_str()); w.EndObject();
    w.Key("destination"); w.StartObject(); w.Key("ip"); w.String(f.server_ip.to_string().c_str()); w.EndObject();
    w.Key("network"); w.StartObject();
    w.Key("transport"); w.String(f.transport == 6 ? "tcp" : "udp");
    w.Key("protocol"); w.String("dns");
    w.Key("direction"); w.String(direction_name(f.direction));
    w.EndObject();
    w.Key("dns"); w.StartObject();
    w.Key("question"); w.StartObject();
    w.Key("name"); str(w, f.qname);
    w.Key("type"); w.String(dns_type_name(f.qtype));
    w.EndObject();
    w.EndObject();
    w.Key("callsentry"); w.StartObject();
    write_guidance(w, f.code, f.direction == Direction::kInbound,
                   {fmt::format("frames {} to {}: {} lookups", f.first_frame, f.last_frame, f.count)});
    w.Key("fold"); w.StartObject();
    write_fold_times(w, f.count, f.first_ns, f.last_ns, f.window_start_ns, f.window_end_ns);
    w.Key("outcomes"); w.StartObject();
    for (size_t i = 0; i < size_t(DnsOutcome::kCount); ++i)
        if (f.by_outcome[i]) { w.Key(dns_outcome_name(DnsOutcome(i))); w.Uint(f.by_outcome[i]); }
    w.EndObject();
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return {topic_for(f.code), buf.GetString()};
}

}  // namespace cs
