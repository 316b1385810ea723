// stats: the run's counters gathered from every stage (ports, rx, workers,
// correlator, publisher), rendered as the callsentry.stats event and as the
// human summary printed on stderr at exit.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "pipeline/run_state.h"
#include "workers/attempt_correlator.h"
#include "workers/attempt_ledger.h"
#include "workers/dns_transactions.h"
#include "workers/sip_calls.h"

namespace cs {

struct Runtime;

struct PublisherCounters {
    std::map<std::string, uint64_t> events_by_code;  // attempts and fold summaries published
    uint64_t events = 0;
    uint64_t dropped_zmq = 0, dropped_file = 0;
    uint64_t reloads = 0, reload_failures = 0;  // SIGHUP reloads of the signature files
    AttemptLedgerCounters ledger;               // the answers and connections attempts are told from
};

struct PortCounters {
    uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

struct RunStats {
    RxCounters rx;
    EngineCounters engine;       // summed over workers
    uint64_t live_flows = 0;
    unsigned workers = 0;
    bool rss_mode = false;
    TlsCounters tls;
    ReassemblyCounters reassembly;
    SipCounters sip;             // summed over workers
    SipCallCounters calls;
    IpReassemblyCounters fragments;  // summed over workers
    DnsCounters dns;                 // summed over workers
    DnsLookupCounters lookups;
    uint64_t rules_generation_min = 0;  // the oldest signature sets a worker still uses
    CorrelatorCounters correlator;
    PublisherCounters publisher;
    PortCounters ports;
    double wall_s = 0;
};

RunStats collect_stats(const RunState& rs, const Runtime& rt, const CorrelatorCounters& corr,
                       const SipCallCounters& calls, const DnsLookupCounters& lookups, const PublisherCounters& pub,
                       double wall_s);
std::string render_stats_json(const RunStats& s, uint64_t ts_ns, bool final);
void print_summary(FILE* out, const RunStats& s);

}  // namespace cs
