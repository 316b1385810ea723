// connect_watch: CONNECT_NOT_ATTEMPTED (guide Outbound 2's silent variant).
// An answer for a Webex service name opens a watch on the querier with the
// answered addresses; a TCP connection from the querier to any of them
// within the window (15 s), or one still live when the answer came (the
// AttemptLedger knows which), settles it. A watch whose window passes unsettled is the
// failure: the answer came and nothing tried to connect (or the SYN died
// before this vantage). Packet time only, decided once the watermark passed
// the window, so the result does not depend on arrival order or workers.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "workers/attempt_ledger.h"
#include "workers/dns_transactions.h"
#include "workers/event_context.h"

namespace cs {

struct ConnectWatchSettings {
    uint64_t window_ns = 15'000'000'000ull;   // guide/catalog: no SYN within 15 s
    uint32_t max_watches = 4096;
};

struct NotAttempted {
    DnsAnswerSeen answer;
    uint64_t deadline_ns = 0;
};

class ConnectWatchSink {
public:
    virtual ~ConnectWatchSink() = default;
    virtual void not_attempted(const NotAttempted& n) = 0;
};

struct ConnectWatchCounters {
    uint64_t watches = 0, settled = 0, not_attempted = 0, cut_by_end = 0, watches_dropped = 0;
};

class ConnectWatch {
public:
    // `ledger` holds the connections (fed by the caller before each advance).
    ConnectWatch(const ConnectWatchSettings& s, const AttemptLedger& ledger, ConnectWatchSink& sink)
        : s_(s), ledger_(ledger), sink_(sink) {}
    // An answered lookup of a watched name (DnsSink::dns_answer); Webex service names open a watch.
    void answer(const DnsAnswerSeen& a);
    // Every watch whose window ended before `watermark` is decided.
    void advance(uint64_t watermark);
    // End of capture: watches whose window ended by the last packet are decided, the rest are cut.
    void end_capture(uint64_t last_packet_ns);
    const ConnectWatchCounters& counters() const { return n_; }

private:
    void decide(const NotAttempted& w);

    const ConnectWatchSettings s_;
    const AttemptLedger& ledger_;
    ConnectWatchSink& sink_;
    // Open watches by (deadline, querier, name) so they are decided in one order.
    std::map<std::tuple<uint64_t, IpAddr, std::string>, NotAttempted> watches_;
    ConnectWatchCounters n_;
};

// The CONNECT_NOT_ATTEMPTED event.
RenderedEvent render_not_attempted(const NotAttempted& n, const EventContext& ctx);

}  // namespace cs
