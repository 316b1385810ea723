// connect_watch: CONNECT_NOT_ATTEMPTED (guide Outbound 2's silent variant).
// An answer for a Webex service name opens a watch on the querier with the
// answered addresses; a TCP connection from the querier to any of them
// within the window (15 s), or one seen shortly before the answer (a live
// connection), settles it. A watch whose window passes unsettled is the
// failure: the answer came and nothing tried to connect (or the SYN died
// before this vantage). Packet time only, decided once the watermark passed
// the window, so the result does not depend on arrival order or workers.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "workers/conn_fact.h"
#include "workers/dns_transactions.h"
#include "workers/event_context.h"

namespace cs {

struct ConnectWatchSettings {
    uint64_t window_ns = 15'000'000'000ull;   // guide/catalog: no SYN within 15 s
    uint64_t live_ns = 300'000'000'000ull;    // a connection seen this long before the answer counts as live
    uint32_t max_watches = 4096;
    uint32_t max_connections = 65536;         // querier -> address pairs remembered
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
    uint64_t watches = 0, settled = 0, not_attempted = 0, cut_by_end = 0;
    uint64_t watches_dropped = 0, connections = 0, connections_dropped = 0;
};

class ConnectWatch {
public:
    ConnectWatch(const ConnectWatchSettings& s, ConnectWatchSink& sink) : s_(s), sink_(sink) {}
    // An answered lookup of a watched name (DnsSink::dns_answer); Webex service names open a watch.
    void answer(const DnsAnswerSeen& a);
    // A TCP connection's first packet (ConnFact::kStarted), from any worker, in any order.
    void connection(const ConnFact& f);
    // Every watch whose window ended before `watermark` is decided.
    void advance(uint64_t watermark);
    // End of capture: watches whose window ended by the last packet are decided, the rest are cut.
    void end_capture(uint64_t last_packet_ns);
    const ConnectWatchCounters& counters() const { return n_; }

private:
    using Pair = std::pair<IpAddr, IpAddr>;  // querier, server
    bool connected(const DnsAnswerSeen& a, uint64_t from_ns, uint64_t to_ns) const;
    void decide(const NotAttempted& w);
    void prune(uint64_t before_ns);

    const ConnectWatchSettings s_;
    ConnectWatchSink& sink_;
    // Open watches by (deadline, querier, name) so they are decided in one order.
    std::map<std::tuple<uint64_t, IpAddr, std::string>, NotAttempted> watches_;
    std::map<Pair, std::set<uint64_t>> starts_;  // connection start times per querier -> server
    size_t start_count_ = 0;
    ConnectWatchCounters n_;
};

// The CONNECT_NOT_ATTEMPTED event.
RenderedEvent render_not_attempted(const NotAttempted& n, const EventContext& ctx);

}  // namespace cs
