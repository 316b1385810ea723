#include "workers/event_head.h"

namespace cs {

void write_event_head(JsonWriter& w, const EventHead& h) {
    const CatalogEntry& e = catalog_entry(h.code);
    w.Key("@timestamp"); w.String(iso8601_ms(h.ts_ns).c_str());
    w.Key("schema"); w.String("callsentry/1");
    w.Key("event"); w.StartObject();
    w.Key("kind"); w.String(h.alert ? "alert" : "event");
    w.Key("category"); w.StartArray(); w.String("network"); w.EndArray();
    w.Key("type"); w.StartArray(); w.String(h.type);
    if (e.event_type != h.type) w.String(e.event_type.data(), e.event_type.size());
    w.EndArray();
    w.Key("action"); w.String(h.action);
    w.Key("code"); w.String(e.name.data(), e.name.size());
    w.Key("severity"); w.Int(e.severity);
    w.Key("outcome"); w.String(h.outcome);
    w.Key("reason"); w.String(h.reason.data(), rapidjson::SizeType(h.reason.size()));
    w.Key("start"); w.String(iso8601_ms(h.start_ns).c_str());
    w.Key("end"); w.String(iso8601_ms(h.end_ns).c_str());
    w.EndObject();
}

void open_observer(JsonWriter& w, uint16_t vantage, const EventContext& ctx) {
    w.Key("observer"); w.StartObject();
    w.Key("vantage"); w.String(vantage < ctx.vantages.size() ? ctx.vantages[vantage].c_str() : "unknown");
    w.Key("ingress"); w.StartObject(); w.Key("interface"); w.StartObject(); w.Key("name");
    w.String(vantage < ctx.interfaces.size() ? ctx.interfaces[vantage].c_str() : "unknown");
    w.EndObject(); w.EndObject();
}

void write_flow(JsonWriter& w, const FlowEnds& f, const char* protocol, Direction direction) {
    write_endpoint(w, "source", f.client_ip, f.client_port);
    write_endpoint(w, "destination", f.server_ip, f.server_port);
    w.Key("network"); w.StartObject();
    w.Key("transport"); w.String(f.transport == 17 ? "udp" : "tcp");
    if (protocol) {
        w.Key("protocol"); w.String(protocol);
    }
    w.Key("direction"); w.String(direction_name(direction));
    w.Key("community_id");
    w.String(community_id_v1(f.client_ip, f.server_ip, f.client_port, f.server_port, f.transport).c_str());
    w.EndObject();
}

void write_matched_rules(JsonWriter& w, std::span<const uint32_t> ids, const RuleSet* rules) {
    w.Key("rules");
    w.StartArray();
    for (uint32_t id : ids) {
        w.StartObject();
        w.Key("id"); w.Uint(id);
        if (const auto index = rules ? rules->index_of(id) : std::nullopt) {
            const Rule& r = rules->rule(*index);
            w.Key("name"); w.String(r.name.c_str());
            if (!r.description.empty()) { w.Key("description"); w.String(r.description.c_str()); }
            if (!r.remediation.empty()) { w.Key("remediation"); w.String(r.remediation.c_str()); }
        }
        w.EndObject();
    }
    w.EndArray();
}

void write_fold_times(JsonWriter& w, uint32_t count, uint64_t first_ns, uint64_t last_ns, uint64_t window_start_ns,
                      uint64_t window_end_ns) {
    w.Key("count"); w.Uint(count);
    w.Key("first"); w.String(iso8601_ms(first_ns).c_str());
    w.Key("last"); w.String(iso8601_ms(last_ns).c_str());
    w.Key("window_start"); w.String(iso8601_ms(window_start_ns).c_str());
    w.Key("window_end"); w.String(iso8601_ms(window_end_ns).c_str());
}

}  // namespace cs
