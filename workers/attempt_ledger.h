// attempt_ledger: the publisher's memory of what each on-prem host did on the
// way to a call attempt: the answered lookups of watched names (where it was
// told to go) and its TCP connections (when each started, and once its worker
// let it go, how it ended). Two questions are asked of it:
//  - CONNECT_NOT_ATTEMPTED: did the host connect to an answered address in a
//    window, or have a connection to it that was still live?
//  - a failure event's story: which lookups led to the connection that failed,
//    and which connects to the same service came before it (failover), so the
//    event carries every step of the attempt with its timing (AttemptStory).
// Every question names the packet time it is asked at (`as_of`): facts decided
// after it are ignored, so a faster worker's later facts cannot change an
// answer and the output is the same for any worker count.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "workers/conn_fact.h"
#include "workers/dns_transactions.h"

namespace cs {

struct AttemptLedgerSettings {
    uint64_t lookup_reach_ns = 60'000'000'000ull;  // a lookup answered this long before a connect led to it
    uint64_t keep_ns = 600'000'000'000ull;          // ended connections and answers are kept this long
    // At a cap the oldest answer, or the connection that ended first, makes
    // room: the newest facts are the ones the next questions ask about. Only
    // when every connection is live is a new one dropped.
    uint32_t max_answers = 4096;
    uint32_t max_connections = 65536;               // live and recently ended
};

// One step of an attempt, in the event's `callsentry.attempt.steps`.
struct AttemptStep {
    uint64_t ns = 0;
    uint16_t vantage = 0;
    uint32_t frame = 0;
    std::string step;    // "dns_answer", "tcp_connect", or the failed step's kind ("tls", "sip", ...)
    std::string detail;  // one line, with addresses
};

struct AttemptStory {
    std::string service;              // the looked-up name that led to the attempt ("" if none seen)
    std::vector<AttemptStep> steps;   // in packet-time order
};

struct AttemptLedgerCounters {
    uint64_t answers = 0, answers_evicted = 0;
    uint64_t connections = 0, connections_evicted = 0, connections_dropped = 0, ends = 0, ends_unmatched = 0;
};

class AttemptLedger {
public:
    explicit AttemptLedger(const AttemptLedgerSettings& s = {}) : s_(s) {}

    // An answered lookup of a watched name (DnsSink::dns_answer).
    void answer(const DnsAnswerSeen& a);
    // ConnFact::kStarted (a TCP connection's first packet) or ConnFact::kSeen
    // (its end: the worker forgot it), from any worker, in any order.
    void connection(const ConnFact& f);

    // Did `host` start a connection to one of `servers` within [from, to], or
    // have one started before `from` that had not ended by then? Ends decided
    // after `to` are not known yet at `to`: such a connection counts as live.
    bool connected(const IpAddr& host, const std::vector<IpAddr>& servers, uint64_t from_ns, uint64_t to_ns) const;

    // The story of `host`'s attempt on `server`:`port` whose first connect (or
    // first message) was at `first_ns`: the lookups answered within the reach
    // before it that named the server, then every connect by the host to an
    // address those lookups named (or to the server alone) on that port, from
    // the first lookup up to `as_of_ns`. With `client_port`, the connection
    // from that port live at `first_ns` is listed however early it started
    // (the connection a SIP dialog rode on). The caller appends the step that failed.
    AttemptStory story(const IpAddr& host, const IpAddr& server, uint16_t port, uint64_t first_ns, uint64_t as_of_ns,
                       uint16_t client_port = 0) const;

    // An answer as a step: "SRV <name> answered by <server>: <target>:<port> <ip>, ...".
    static AttemptStep answer_step(const DnsAnswerSeen& a);

    // Forgets answers and ended connections no question at or after `watermark` can reach.
    void advance(uint64_t watermark);
    const AttemptLedgerCounters& counters() const { return n_; }

private:
    struct Conn {
        uint16_t vantage = 0;
        uint16_t client_port = 0, server_port = 0;
        uint64_t start_ns = 0;
        uint32_t first_frame = 0;
        bool ended = false;
        uint64_t end_decided_ns = 0, last_ns = 0, server_last_ns = 0;
        bool rst = false;
        uint32_t packets = 0;
    };
    using Pair = std::pair<IpAddr, IpAddr>;  // client, server
    using ConnKey = std::tuple<uint64_t, uint16_t, uint16_t, uint16_t>;  // start, vantage, client port, server port

    std::string connect_detail(const Pair& p, const Conn& c, uint64_t as_of_ns) const;
    void forget_ended_before(uint64_t before_ns, size_t at_most);

    const AttemptLedgerSettings s_;
    std::multimap<uint64_t, DnsAnswerSeen> answers_;  // by answer time
    std::map<Pair, std::map<ConnKey, Conn>> conns_;
    std::set<std::tuple<uint64_t, Pair, ConnKey>> ended_;  // by end time: the order they are forgotten in
    size_t conn_count_ = 0;
    AttemptLedgerCounters n_;
};

}  // namespace cs
