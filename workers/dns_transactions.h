// DnsTransactionTracker: the publisher's DNS lookups. Pairs every worker's
// DnsFacts for watched names into lookups (a query, its retransmissions and
// the response that settles it, or the timeout on packet time), decides each
// settled lookup (DNS_SRV_WRONG_DOMAIN, DNS_LOOKUP_FAILED,
// WXC_PROVISIONING_DNS_FAILED; a healthy lookup is no event) and folds
// repeats of one verdict. Every answered lookup of a watched name is also
// told to the sink, for the call-attempt diagnosis.
//
// A lookup is keyed by (vantage, querier address and port, server address,
// DNS id, type, name): a retransmission joins it, an answer from another
// server (a forwarder asking upstream) is a lookup of its own. Facts arrive
// from several workers in any interleaving; they are taken in (ts, vantage,
// conn_id, seq_in_conn) order, and timers fire in (due, kind, key) order, only
// once advance()'s watermark (the minimum over all workers) has passed them.
// A timer fires before a fact of the same packet time: an answer must come
// before query + timeout. So the output is the same for any worker count and
// any arrival order.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "signatures/failure_catalog.h"
#include "workers/dns_facts.h"

namespace cs {

struct DnsLookupSettings {
    uint64_t timeout_ns = 2'000'000'000ull;        // no answer this long after the first query (guide IN-1: 2 s)
    uint64_t linger_ns = 5'000'000'000ull;         // a settled lookup still absorbs retransmissions and late answers
    uint64_t naptr_window_ns = 10'000'000'000ull;  // a NAPTR this long before the SRV query is its context
    uint64_t fold_window_ns = 300'000'000'000ull;  // repeats of one verdict for (querier, name) are counted
    uint32_t max_lookups = 4096;                   // open and lingering lookups (~6 KB each)
    uint32_t max_pending_facts = 8192;             // facts waiting for the watermark (~3 KB each)
    uint32_t max_folds = 4096;
};

// How a lookup ended.
enum class DnsOutcome : uint8_t {
    kAnswered,    // NOERROR with records of the asked type
    kCnameOnly,   // NOERROR, a CNAME and nothing of the asked type: the querier follows it itself
    kNoData,      // NOERROR, nothing of the asked type, no CNAME (an empty answer)
    kNxDomain,
    kServFail,
    kRefused,
    kErrorRcode,  // another error rcode (FORMERR, NOTIMP, ...)
    kTimeout,     // no answer before query + timeout
    kTruncated,   // TC=1 over UDP: the querier asks again over TCP (a lookup of its own)
    kCount
};
const char* dns_outcome_name(DnsOutcome o);  // "answered", "nxdomain", "timeout", ...
bool dns_outcome_failed(DnsOutcome o);       // the querier got no address: NoData .. Timeout

// One lookup as the event needs it.
struct DnsLookup {
    std::optional<DnsFact> query;     // the first query (absent: only the response was seen)
    std::optional<DnsFact> response;  // the response that settled it
    uint32_t queries = 0;             // copies of the query seen (1 + retransmissions)
    static constexpr int kMaxRetransmitFrames = 4;
    uint32_t retransmit_frames[kMaxRetransmitFrames] = {};
    uint32_t unread_responses = 0;    // malformed (or BADVERS) responses the querier cannot use
    uint32_t unread_frame = 0;        // the first of them
    DnsAnomalyKind unread_reason = DnsAnomalyKind::kNone;
    uint64_t first_ns = 0;            // the first query (or the response when no query was seen)
    uint64_t decided_ns = 0;
    DnsOutcome outcome = DnsOutcome::kTimeout;

    const DnsFact& fact() const { return query ? *query : *response; }  // who asked whom, about what
};

// The NAPTR query for the same subdomain before an SRV_WRONG_DOMAIN lookup (guide OUT-1).
struct DnsNaptrContext {
    bool seen = false;
    std::string qname;
    uint64_t ns = 0;
    uint32_t frame = 0;
    bool settled = false;             // false: not settled when the SRV lookup was
    DnsOutcome outcome = DnsOutcome::kTimeout;
    uint32_t response_frame = 0;
};

struct DnsVerdict {
    FailureCode code = FailureCode::kNone;
    std::string detail;                  // event.reason
    std::string subdomain;               // DNS_SRV_WRONG_DOMAIN: the label asked instead of callservice
    std::vector<std::string> evidence;   // "frame N: ..." lines
};

struct DnsEvent {
    DnsLookup lookup;
    DnsVerdict verdict;
    DnsNaptrContext naptr;
};

// Repeats of one verdict (code, vantage, querier address, type, name) within
// the fold window after the first, which was published on its own.
struct DnsFold {
    FailureCode code = FailureCode::kNone;
    uint16_t vantage = 0;
    Direction direction = Direction::kUnknown;
    uint8_t transport = 17;
    IpAddr client_ip, server_ip;      // the server of the last repeat
    uint16_t qtype = 0;
    std::string qname;
    uint32_t count = 0;               // lookups folded (not counting the one published)
    uint32_t by_outcome[size_t(DnsOutcome::kCount)] = {};
    uint64_t window_start_ns = 0, window_end_ns = 0;
    uint64_t first_ns = 0, last_ns = 0;  // first and last folded lookup
    uint32_t first_frame = 0, last_frame = 0;
};

// An answered lookup of a watched name: where the querier may now connect.
struct DnsAnswerTarget {
    std::string host;                 // the SRV target, or the name the address belongs to
    uint16_t port = 0;                // from the SRV record; 0: an address lookup, port unknown
    bool has_ip = false;              // false: an SRV target whose address was not in this answer
    IpAddr ip;
};
struct DnsAnswerSeen {
    uint16_t vantage = 0;
    Direction direction = Direction::kUnknown;
    IpAddr client_ip, server_ip;
    uint64_t ts_ns = 0;               // the response
    uint32_t frame = 0;
    std::string qname;
    uint16_t qtype = 0;
    uint32_t tags = 0;                // DnsTag bits
    std::vector<DnsAnswerTarget> targets;
};

class DnsSink {
public:
    virtual ~DnsSink() = default;
    virtual void dns_event(const DnsEvent& e) = 0;
    virtual void dns_fold(const DnsFold& f) = 0;
    virtual void dns_answer(const DnsAnswerSeen&) {}
};

struct DnsLookupCounters {
    uint64_t facts = 0, queries = 0, responses = 0;
    uint64_t facts_dropped = 0;        // pending cap
    uint64_t facts_duplicate = 0;      // the same (ts, vantage, conn, seq) pushed twice
    uint64_t lookups = 0, lookups_dropped = 0;  // dropped: beyond max_lookups
    uint64_t retransmissions = 0;
    uint64_t late_queries = 0;         // a settled lookup's query again
    uint64_t late_responses = 0;       // a response to a settled lookup (after its timeout, or a duplicate)
    uint64_t responses_without_query = 0;
    uint64_t unread_responses = 0;
    uint64_t outcomes[size_t(DnsOutcome::kCount)] = {};
    uint64_t cut_by_end = 0;           // open when the capture ended before query + timeout: no verdict
    uint64_t events = 0, folded = 0, fold_events = 0, folds_dropped = 0;
    uint64_t answers_seen = 0;
    uint64_t naptr_dropped = 0;        // NAPTR context not kept (cap)
};

class DnsTransactionTracker {
public:
    DnsTransactionTracker(const DnsLookupSettings& settings, DnsSink& sink);
    ~DnsTransactionTracker();
    void push(const DnsFact& fact);
    // Takes every fact and fires every timer due before `watermark`.
    void advance(uint64_t watermark);
    // End of capture: everything pending is taken. A lookup whose timeout
    // falls after the capture's last packet (`last_packet_ns`, or the last DNS
    // fact's time if later) was cut by the end of the capture: counted, not
    // reported. advance(UINT64_MAX) is end_capture(0).
    void end_capture(uint64_t last_packet_ns);
    const DnsLookupCounters& counters() const { return n_; }
    size_t open_lookups() const { return lookups_.size(); }
    size_t pending_facts() const { return pending_.size(); }

private:
    struct Lookup;
    struct Fold;
    struct Naptr;
    using PendingKey = std::tuple<uint64_t, uint16_t, uint64_t, uint32_t>;
    // vantage, client ip, client port, server ip, id, qtype, qname
    using LookupKey = std::tuple<uint16_t, IpAddr, uint16_t, IpAddr, uint16_t, uint16_t, std::string>;
    // code, vantage, client ip, qtype, qname
    using FoldKey = std::tuple<FailureCode, uint16_t, IpAddr, uint16_t, std::string>;
    // vantage, client ip, qname
    using NaptrKey = std::tuple<uint16_t, IpAddr, std::string>;

    void run(uint64_t watermark, bool end, uint64_t end_ns);
    void take(const DnsFact& f);
    void take_query(const DnsFact& f);
    void take_response(const DnsFact& f);
    Lookup* open_lookup(const LookupKey& key, const DnsFact& f);
    void schedule(const LookupKey& key, Lookup& l, uint64_t due);
    void settle(const LookupKey& key, Lookup& l);
    DnsVerdict decide(const DnsLookup& l, DnsNaptrContext* naptr) const;
    void report(DnsEvent& e);
    void tell_answer(const DnsFact& response);

    const DnsLookupSettings s_;
    DnsSink& sink_;
    std::map<PendingKey, std::unique_ptr<DnsFact>> pending_;
    std::map<LookupKey, std::unique_ptr<Lookup>> lookups_;
    std::set<std::pair<uint64_t, LookupKey>> lookup_due_;
    std::map<FoldKey, std::unique_ptr<Fold>> folds_;
    std::set<std::pair<uint64_t, FoldKey>> fold_due_;
    std::map<NaptrKey, std::unique_ptr<Naptr>> naptr_;
    std::set<std::pair<uint64_t, NaptrKey>> naptr_due_;
    uint64_t max_pushed_ns_ = 0;
    DnsLookupCounters n_;
};

}  // namespace cs
