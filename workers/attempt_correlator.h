// AttemptCorrelator: joins failed connections into call attempts and folds
// repeats, on packet time, the same way whatever the worker count.
//
// - An attempt: failed connections with the same code, direction, vantage,
//   on-prem address and service port, each starting within the failover
//   window of the previous one (the Expressway-E's failover to the next SRV
//   target from a new source port; Webex retrying from a new port).
// - A fold: attempts with the same key within the fold window after the first.
//   The first attempt is published at once; the others are counted and
//   published as one summary when the window closes.
//
// TLS incidents (one verdict per connection) skip the attempt join and fold
// the same way; TLS_OK is paced per chain fingerprint (tls.ok_interval_s).
//
// Facts arrive from several workers in any interleaving. Every action (take a
// fact, close an attempt, close a fold) has a due time derived from packet
// times only and runs in (due, kind, key) order once every worker's watermark
// has passed it, so the output does not depend on arrival order.
#pragma once
#include <cstdint>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "pipeline/config.h"
#include "workers/conn_fact.h"
#include "workers/tls_incident.h"
#include "workers/vantage_pairing.h"

namespace cs {

struct AttemptKey {
    FailureCode code;
    Direction direction;
    uint16_t vantage;
    IpAddr onprem_ip;      // outbound: the client; inbound: the server; else the client
    uint16_t service_port; // the server port
    friend bool operator<(const AttemptKey& a, const AttemptKey& b) {
        return std::tie(a.code, a.direction, a.vantage, a.onprem_ip, a.service_port) <
               std::tie(b.code, b.direction, b.vantage, b.onprem_ip, b.service_port);
    }
};
AttemptKey attempt_key_of(const ConnFact& f);

struct FailedAttempt {
    AttemptKey key;
    std::vector<ConnFact> connections;  // in start order, at most max_attempt_connections
    uint32_t connections_total = 0;
    uint64_t first_ns = 0, last_ns = 0; // first connection's start, last connection's start
};

struct FoldSummary {
    AttemptKey key;
    uint32_t attempts = 0;              // attempts folded (not counting the one published)
    uint64_t window_start_ns = 0, window_end_ns = 0;
    uint64_t first_ns = 0, last_ns = 0; // first and last folded attempt
    std::vector<ConnFact> connections;  // bounded
    uint32_t connections_total = 0;
};

// Repeats of one TLS verdict: same code and service, and for TLS_OK the same chains.
struct IncidentKey {
    AttemptKey base;
    std::array<uint8_t, 32> chains{};  // TLS_OK: both leaves' fingerprints hashed together
    friend bool operator<(const IncidentKey& a, const IncidentKey& b) {
        return std::tie(a.base, a.chains) < std::tie(b.base, b.chains);
    }
};
IncidentKey incident_key_of(const TlsIncident& i);

struct IncidentFold {
    IncidentKey key;
    uint32_t count = 0;                 // incidents folded (not counting the one published)
    uint64_t window_start_ns = 0, window_end_ns = 0;
    uint64_t first_ns = 0, last_ns = 0;
    std::vector<std::string> connections;  // "client -> server (history)", bounded
    uint32_t connections_total = 0;
};

class IncidentSink {
public:
    virtual ~IncidentSink() = default;
    virtual void attempt(const FailedAttempt& a) = 0;
    virtual void folded(const FoldSummary& s) = 0;
    virtual void tls_incident(const TlsIncident& i) = 0;
    virtual void tls_folded(const IncidentFold& f) = 0;
};

struct CorrelatorCounters {
    uint64_t facts = 0, facts_dropped = 0;
    uint64_t attempts = 0, attempts_published = 0, attempts_folded = 0, fold_summaries = 0;
    uint64_t connections_unlisted = 0;  // beyond max_attempt_connections
    uint64_t tls_incidents = 0, tls_published = 0, tls_folded = 0, tls_fold_summaries = 0;
    uint64_t tls_ok_suppressed = 0;     // TLS_OK events switched off (--no-ok-events)
    uint64_t views = 0, forged_resets = 0;  // vantage pairing
};

class AttemptCorrelator {
public:
    AttemptCorrelator(const Config& cfg, IncidentSink& sink);
    void push(const ConnFact& fact);
    void push(std::unique_ptr<TlsIncident> incident);
    // Views of connections (ConnFact::kSeen) matter only when several vantages are paired.
    bool pairs_vantages() const { return pairing_.enabled(); }
    // Runs every action due before `watermark` (the minimum over all workers).
    void advance(uint64_t watermark);
    CorrelatorCounters counters() const {
        CorrelatorCounters c = n_;
        c.forged_resets = pairing_.forged();
        return c;
    }

private:
    static constexpr size_t kMaxPendingFacts = 1 << 16;
    static constexpr size_t kMaxOpenKeys = 1 << 12;

    struct PendingFact {
        uint64_t due;
        ConnFact fact;
        bool operator<(const PendingFact& o) const;
    };
    struct OpenAttempt {
        FailedAttempt a;
        uint64_t close_due;
    };
    struct OpenFold {
        FoldSummary s;
    };

    using PendingKey = std::tuple<uint64_t, uint64_t, IpAddr, uint16_t, IpAddr, uint16_t, uint16_t>;
    struct OpenIncidentFold {
        IncidentFold f;
    };

    uint64_t close_due_of(const FailedAttempt& a) const;
    void take_incident(std::unique_ptr<TlsIncident> inc);
    void close_incident_fold(const IncidentKey& key);
    void take_fact(const ConnFact& f);
    void close_attempt(const AttemptKey& key);
    void close_fold(const AttemptKey& key);
    void add_connection(std::vector<ConnFact>& list, uint32_t& total, const ConnFact& f);

    const Config& cfg_;
    IncidentSink& sink_;
    uint64_t hold_ns_, window_ns_, span_ns_, fold_ns_;
    std::set<PendingFact> pending_;
    std::map<AttemptKey, OpenAttempt> attempts_;
    std::set<std::pair<uint64_t, AttemptKey>> attempt_due_;
    std::map<AttemptKey, OpenFold> folds_;
    std::set<std::pair<uint64_t, AttemptKey>> fold_due_;
    std::map<PendingKey, std::unique_ptr<TlsIncident>> pending_incidents_;
    VantagePairing pairing_;
    std::map<IncidentKey, OpenIncidentFold> incident_folds_;
    std::set<std::pair<uint64_t, IncidentKey>> incident_fold_due_;
    uint64_t ok_ns_;
    CorrelatorCounters n_;
};

}  // namespace cs
