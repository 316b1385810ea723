// dns_event_log: renders a DNS verdict (DnsEvent) as one callsentry/1 event:
// ECS dns.* (question, response code, header flags, answers, resolved
// addresses), the querier as source and its resolver as destination, the
// evidence frames and the catalog's guidance; and a fold of repeats of one
// verdict (DnsFold) as its summary event.
#pragma once
#include "signatures/engine.h"
#include "workers/dns_transactions.h"
#include "workers/event_context.h"

namespace cs {

// `rules` names the matched rule ids (and their remediation); null: ids only.
RenderedEvent render_dns_event(const DnsEvent& e, const EventContext& ctx, const RuleSet* rules);
RenderedEvent render_dns_fold(const DnsFold& f, const EventContext& ctx);

}  // namespace cs
