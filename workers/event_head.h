// event_head: what every callsentry/1 event opens with, whatever analyzer
// made it: @timestamp, schema, event.* (code, severity and type from the
// catalog entry), observer.* (vantage and capture interface), and the
// connection's endpoints with network.* and its Community ID.
#pragma once
#include <span>
#include <string_view>

#include "pipeline/ecs_json.h"
#include "signatures/engine.h"
#include "signatures/failure_catalog.h"
#include "workers/conn_fact.h"
#include "workers/event_context.h"

namespace cs {

struct EventHead {
    FailureCode code = FailureCode::kNone;
    const char* action = "";
    std::string_view reason;
    uint64_t ts_ns = 0;                // @timestamp
    uint64_t start_ns = 0, end_ns = 0; // event.start / event.end
    bool alert = true;                 // event.kind: alert, else event (healthy calls, TLS_OK)
    const char* outcome = "failure";
    const char* type = "connection";   // first event.type; the catalog entry's type follows unless the same
};
void write_event_head(JsonWriter& w, const EventHead& h);

// "observer": {vantage, ingress.interface.name ...} left open, so a caller
// can add members (e.g. every vantage a call was seen on) before EndObject.
void open_observer(JsonWriter& w, uint16_t vantage, const EventContext& ctx);

// source, destination and network {transport, protocol (if any), direction, community_id}.
struct FlowEnds {
    IpAddr client_ip, server_ip;
    uint16_t client_port = 0, server_port = 0;
    uint8_t transport = 6;
};
void write_flow(JsonWriter& w, const FlowEnds& f, const char* protocol, Direction direction);

// "rules": the signatures that matched, by id, named (with description and
// remediation) from `rules` when it still holds them; ids only otherwise.
void write_matched_rules(JsonWriter& w, std::span<const uint32_t> ids, const RuleSet* rules);

// The members of a fold summary's "fold" object that every analyzer shares.
void write_fold_times(JsonWriter& w, uint32_t count, uint64_t first_ns, uint64_t last_ns, uint64_t window_start_ns,
                      uint64_t window_end_ns);

}  // namespace cs
