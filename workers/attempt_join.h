// attempt_join: one event per failed call attempt when two analyzers each saw
// one step of it (guide Outbound 1): the SRV answer that pointed the
// Expressway-E at 5061 (DNS_SRV_WRONG_DOMAIN) and the connects to 5061 that
// then went unanswered (TCP_SYN_UNANSWERED) become one TCP_WRONG_PORT_5061
// event carrying both stories. A wrong-domain lookup is held for the join
// window (the connects' attempt closes only after its failover window); if no
// 5061 attempt by the same host to an answered address follows, it goes out
// alone. Decisions on packet time, so the output is the same for any workers.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <tuple>

#include "workers/attempt_correlator.h"
#include "workers/attempt_ledger.h"
#include "workers/dns_transactions.h"
#include "workers/event_context.h"

namespace cs {

class AttemptJoin {
public:
    // `out` receives every event that leaves, joined or not, with its code.
    using Out = std::function<void(const RenderedEvent&, FailureCode)>;
    AttemptJoin(uint64_t window_ns, const EventContext& ctx, Out out) : window_ns_(window_ns), ctx_(ctx), out_(std::move(out)) {}

    // A DNS verdict, rendered: DNS_SRV_WRONG_DOMAIN is held, any other passes.
    void dns(const DnsEvent& e, RenderedEvent rendered);
    // A TCP attempt, rendered, and its story: an unanswered outbound attempt to
    // 5061 joins the held lookup of the same host whose answer named its
    // address (the lookup's queries join the steps); else it passes. The story
    // goes into the event either way.
    void tcp(const FailedAttempt& a, RenderedEvent rendered, AttemptStory story);
    // Held lookups whose window has passed `watermark` go out alone.
    void advance(uint64_t watermark);
    void flush() { advance(UINT64_MAX); }

    uint64_t joined() const { return joined_; }

private:
    struct Held {
        IpAddr querier;
        uint64_t answer_ns;
        std::vector<IpAddr> addresses;  // of answered SRV targets on port 5061
        std::vector<AttemptStep> queries;  // the NAPTR before it and the SRV query (the ledger has the answer)
        RenderedEvent rendered;
    };
    const uint64_t window_ns_;
    const EventContext& ctx_;
    Out out_;
    std::map<std::tuple<uint64_t, IpAddr, std::string>, Held> held_;  // by (due, querier, name)
    uint64_t joined_ = 0;
};

// The joined event: the TCP attempt's event recoded TCP_WRONG_PORT_5061 with the
// lookup's dns.* and evidence in front. Exposed for tests.
RenderedEvent join_wrong_port(const RenderedEvent& dns, const RenderedEvent& tcp);

}  // namespace cs
