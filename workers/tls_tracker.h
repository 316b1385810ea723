// tls_tracker: TLS on a worker's TCP flows. It owns the worker's TLS
// analyzers, chain checker and Hyperscan scratch; per packet it feeds
// both directions' payload through reassembly into the flow's analyzer, and at
// the moments that settle a connection (reset, FIN, application data, a stalled
// handshake, the end of the capture) asks tls_diagnosis for a verdict.
#pragma once
#include <memory>

#include "pipeline/config.h"
#include "pipeline/tcp_reassembly.h"
#include "workers/tls_analyzer.h"
#include "workers/stream_state.h"
#include "workers/tls_incident.h"

namespace cs {

struct Flow;

// Built once at start, shared read-only by every worker.
struct TlsShared {
    std::shared_ptr<const TrustStores> trust;
    std::shared_ptr<const RuleSet> rules;  // may be null
    TlsLabels labels;
};

struct TlsCounters {
    uint64_t connections = 0, not_tls = 0, analyzers_exhausted = 0;
    uint64_t verdicts = 0, incidents_dropped = 0;
};

// Webex Calling's registration port (the SBCs' SRV targets, seed 004).
inline constexpr uint16_t kWxcRegistrationPort = 8934;
// A failed TLS verdict on the registration port becomes WXC_REGISTRATION_FAILED.
void registration_verdict(uint16_t server_port, TlsVerdict& v);

class TlsIncidentSink {
public:
    virtual ~TlsIncidentSink() = default;
    virtual bool push_incident(TlsIncident* incident) = 0;  // takes ownership on true
};

class TlsTracker {
public:
    TlsTracker(const Config& cfg, const TlsShared* shared, TlsIncidentSink& sink, ReassemblyPool& pool);
    ~TlsTracker();

    // One TCP packet of flow f (after the tracker updated f.tcp), from the client or not.
    void on_packet(Flow& f, const PacketView& v, bool from_client);
    // The flow's check time came: a stalled handshake? Returns the next check
    // time it needs (0: none).
    uint64_t on_check(Flow& f, uint64_t now_ns);
    // The flow ends (expiry or end of capture): last verdict, resources back.
    void finish(Flow& f, bool end_of_capture);

    // Identity rules reloaded (same trust stores): use these from now on.
    // Allocates the scratch; between packets only.
    void take_rules(const TlsShared* shared);

    const TlsCounters& counters() const { return n_; }

private:
    void decide(Flow& f, TlsMoment moment, uint64_t decided_ns);
    void release(Flow& f);
    TlsDir onprem_side(const Flow& f, const TlsAnalyzer& a) const;

    const Config& cfg_;
    const TlsShared* shared_;
    TlsIncidentSink& sink_;
    ReassemblyPool& pool_;
    TlsAnalyzerPool analyzers_;
    std::unique_ptr<ChainChecker> chains_;
    Scratch scratch_;
    TlsWorkerContext ctx_;
    TlsCounters n_;
};

}  // namespace cs
