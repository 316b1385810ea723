#include "workers/dns_transactions.h"

#include <fmt/format.h>

#include <algorithm>

namespace cs {

namespace {

constexpr uint64_t kNever = UINT64_MAX;

uint64_t after(uint64_t t, uint64_t d) { return t > kNever - d ? kNever : t + d; }

// Every watched tag makes a failed lookup a failure, except the NAPTR name:
// Webex publishes no NAPTR for its subdomains, so that lookup failing is
// normal (guide OUT-1: "could not resolve") and only context for the SRV.
constexpr uint32_t kFailureTags = ((1u << kDnsTagCount) - 1) & ~uint32_t(kDnsTagWebexCallNaptrName);
constexpr uint32_t kProvisioningTags = kDnsTagWxcActivation | kDnsTagWxcProvisioning;

// The <label> of _sips._tcp.<label>.call.ciscospark.com; empty for any other name.
std::string_view subdomain_label(std::string_view qname) {
    constexpr std::string_view kPrefix = "_sips._tcp.", kSuffix = ".call.ciscospark.com";
    if (qname.size() <= kPrefix.size() + kSuffix.size() || !qname.starts_with(kPrefix) || !qname.ends_with(kSuffix))
        return {};
    return qname.substr(kPrefix.size(), qname.size() - kPrefix.size() - kSuffix.size());
}

// What a response tells the querier; nullopt when the querier cannot use it
// and keeps waiting (a malformed message, BADVERS: it asks again without EDNS).
std::optional<DnsOutcome> outcome_of(const DnsFact& r) {
    if (r.malformed) return std::nullopt;
    if (r.tc && r.transport == 17) return DnsOutcome::kTruncated;
    switch (r.rcode) {
        case dns::kNoError:
            // A TCP answer too large to read whole still answered (it is not an empty one).
            if (r.answers_unread || r.answers_of_qtype) return DnsOutcome::kAnswered;
            return r.cname_count ? DnsOutcome::kCnameOnly : DnsOutcome::kNoData;
        case dns::kNxDomain: return DnsOutcome::kNxDomain;
        case dns::kServFail: return DnsOutcome::kServFail;
        case dns::kRefused: return DnsOutcome::kRefused;
        case dns::kBadVers: return std::nullopt;
        default: return DnsOutcome::kErrorRcode;
    }
}

std::string seconds(uint64_t ns) { return fmt::format("{:.3f} s", double(ns) / 1e9); }

// "SRV 5 10 5061 l2sip-cfa-01.wbx2.com., A 146.20.193.64": the records kept, as dig prints them.
std::string records_text(const DnsFact& r) {
    std::string out;
    auto add = [&](const std::string& s) {
        if (!out.empty()) out += ", ";
        out += s;
    };
    for (int i = 0; i < r.cname_count; ++i) add(fmt::format("CNAME {}", r.cname[i].view()));
    for (int i = 0; i < r.naptr_count; ++i) {
        const DnsFactNaptr& n = r.naptr[i];
        add(fmt::format("NAPTR {} {} \"{}\" \"{}\" {}", n.order, n.preference, std::string_view(n.flags, n.flags_len),
                        std::string_view(n.services, n.services_len), n.replacement.view()));
    }
    for (int i = 0; i < r.srv_count; ++i) {
        const DnsFactSrv& s = r.srv[i];
        add(fmt::format("SRV {} {} {} {}", s.priority, s.weight, s.port, s.target.view()));
    }
    for (int i = 0; i < r.address_count; ++i) add(fmt::format("{} {}", r.address[i].v6 ? "AAAA" : "A", r.address[i].ip.to_string()));
    if (r.records_not_kept) add(fmt::format("{} more", r.records_not_kept));
    return out;
}

// How the lookup ended, in words: "NXDOMAIN", "no answer within 2.000 s", ...
std::string outcome_text(const DnsLookup& l, uint64_t timeout_ns) {
    const DnsFact* r = l.response ? &*l.response : nullptr;
    switch (l.outcome) {
        case DnsOutcome::kAnswered: return "answered";
        case DnsOutcome::kCnameOnly: return fmt::format("only a CNAME ({})", r ? r->cname[0].view() : "");
        case DnsOutcome::kNoData:
            return fmt::format("an empty answer (NOERROR, no {} record)", dns_type_name(l.fact().qtype));
        case DnsOutcome::kTimeout: return fmt::format("no answer within {}", seconds(timeout_ns));
        case DnsOutcome::kTruncated: return "a truncated answer (TC)";
        default: return r ? dns_rcode_name(r->rcode) : "?";
    }
}

std::string flags_text(const DnsFact& f) {
    std::string out;
    for (auto [on, name] : {std::pair{f.aa, "aa"}, {f.tc, "tc"}, {f.rd, "rd"}, {f.ra, "ra"}, {f.ad, "ad"}, {f.cd, "cd"}})
        if (on) {
            if (!out.empty()) out += ' ';
            out += name;
        }
    return out;
}

// The evidence an engineer opens in Wireshark, in packet order.
std::vector<std::string> evidence_of(const DnsLookup& l, uint64_t timeout_ns) {
    std::vector<std::string> ev;
    const DnsFact& f = l.fact();
    if (l.query) {
        const DnsFact& q = *l.query;
        ev.push_back(fmt::format("frame {}: {} asked {} {} {} (id 0x{:04x}, {})", q.frame, q.client_ip.to_string(),
                                 q.server_ip.to_string(), dns_type_name(q.qtype), q.qname.view(), q.id,
                                 q.transport == 6 ? "tcp" : "udp"));
    } else {
        ev.push_back("the query was not seen (before the capture, or on another path)");
    }
    if (l.queries > 1) {
        std::string frames;
        for (uint32_t i = 0; i < std::min<uint32_t>(l.queries - 1, DnsLookup::kMaxRetransmitFrames); ++i)
            frames += fmt::format("{}{}", i ? ", " : "", l.retransmit_frames[i]);
        ev.push_back(fmt::format("frame{} {}: the same query again ({} copies in all)", l.queries > 2 ? "s" : "", frames,
                                 l.queries));
    }
    if (l.unread_responses)
        ev.push_back(fmt::format("frame {}: a response the querier cannot use ({}), {} in all", l.unread_frame,
                                 l.unread_reason == DnsAnomalyKind::kNone ? "BADVERS" : dns_anomaly_name(l.unread_reason),
                                 l.unread_responses));
    if (l.response) {
        const DnsFact& r = *l.response;
        const std::string recs = records_text(r);
        std::string line = fmt::format("frame {}: {} answered {} [{}]", r.frame, r.server_ip.to_string(),
                                       dns_rcode_name(r.rcode), flags_text(r));
        if (!recs.empty()) line += ": " + recs;
        else if (r.soa_in_authority) line += ": no records, SOA in authority";
        if (l.query) line += fmt::format(" (+{})", seconds(r.ts_ns - l.first_ns));
        ev.push_back(std::move(line));
    } else if (l.outcome == DnsOutcome::kTimeout) {
        ev.push_back(fmt::format("no response from {} by +{}", f.server_ip.to_string(), seconds(timeout_ns)));
    }
    return ev;
}

}  // namespace

const char* dns_outcome_name(DnsOutcome o) {
    switch (o) {
        case DnsOutcome::kAnswered: return "answered";
        case DnsOutcome::kCnameOnly: return "cname_only";
        case DnsOutcome::kNoData: return "nodata";
        case DnsOutcome::kNxDomain: return "nxdomain";
        case DnsOutcome::kServFail: return "servfail";
        case DnsOutcome::kRefused: return "refused";
        case DnsOutcome::kErrorRcode: return "error_rcode";
        case DnsOutcome::kTimeout: return "timeout";
        case DnsOutcome::kTruncated: return "truncated";
        case DnsOutcome::kCount: break;
    }
    return "unknown";
}

bool dns_outcome_failed(DnsOutcome o) { return o >= DnsOutcome::kNoData && o <= DnsOutcome::kTimeout; }

struct DnsTransactionTracker::Lookup {
    DnsLookup rec;
    uint64_t due = 0;      // open: the timeout; settled: the end of the linger
    bool settled = false;
};

struct DnsTransactionTracker::Fold {
    DnsFold rec;
    uint64_t due = 0;
};

struct DnsTransactionTracker::Naptr {
    DnsNaptrContext ctx;
    uint64_t due = 0;
};

DnsTransactionTracker::DnsTransactionTracker(const DnsLookupSettings& settings, DnsSink& sink) : s_(settings), sink_(sink) {}
DnsTransactionTracker::~DnsTransactionTracker() = default;

void DnsTransactionTracker::push(const DnsFact& f) {
    ++n_.facts;
    max_pushed_ns_ = std::max(max_pushed_ns_, f.ts_ns);
    if (pending_.size() >= s_.max_pending_facts) {
        ++n_.facts_dropped;
        return;
    }
    auto [it, fresh] = pending_.try_emplace(PendingKey{f.ts_ns, f.vantage, f.conn_id, f.seq_in_conn});
    if (!fresh) {
        ++n_.facts_duplicate;
        return;
    }
    it->second = std::make_unique<DnsFact>(f);
}

void DnsTransactionTracker::advance(uint64_t watermark) {
    if (watermark == kNever) end_capture(0);
    else run(watermark, false, 0);
}

void DnsTransactionTracker::end_capture(uint64_t last_packet_ns) {
    run(kNever, true, std::max(last_packet_ns, max_pushed_ns_));
}

void DnsTransactionTracker::run(uint64_t watermark, bool end, uint64_t end_ns) {
    for (;;) {
        const uint64_t fact_t = pending_.empty() ? kNever : std::get<0>(pending_.begin()->first);
        const uint64_t fold_t = fold_due_.empty() ? kNever : fold_due_.begin()->first;
        const uint64_t lookup_t = lookup_due_.empty() ? kNever : lookup_due_.begin()->first;
        const uint64_t naptr_t = naptr_due_.empty() ? kNever : naptr_due_.begin()->first;
        const uint64_t timer_t = std::min({fold_t, lookup_t, naptr_t});
        if (pending_.empty() && fold_due_.empty() && lookup_due_.empty() && naptr_due_.empty()) return;
        if (!end && std::min(fact_t, timer_t) >= watermark) return;
        // A timer fires before a fact of the same packet time; at one time,
        // folds close first (their window is half-open), then lookups time
        // out, then NAPTR context expires (after the SRV lookups that may read it).
        if (!pending_.empty() && fact_t < timer_t) {
            auto node = pending_.extract(pending_.begin());
            take(*node.mapped());
        } else if (!fold_due_.empty() && fold_t == timer_t) {
            const FoldKey key = fold_due_.begin()->second;
            fold_due_.erase(fold_due_.begin());
            auto it = folds_.find(key);
            DnsFold& rec = it->second->rec;
            if (rec.count) {
                if (end && fold_t > end_ns) rec.window_end_ns = end_ns;
                ++n_.fold_events;
                sink_.dns_fold(rec);
            }
            folds_.erase(it);
        } else if (!lookup_due_.empty() && lookup_t == timer_t) {
            const LookupKey key = lookup_due_.begin()->second;
            lookup_due_.erase(lookup_due_.begin());
            auto it = lookups_.find(key);
            Lookup& l = *it->second;
            if (l.settled) {
                lookups_.erase(it);
            } else if (end && lookup_t > end_ns) {
                ++n_.cut_by_end;  // the capture ended before the answer was due
                lookups_.erase(it);
            } else {
                l.rec.outcome = DnsOutcome::kTimeout;
                l.rec.decided_ns = lookup_t;
                settle(key, l);
            }
        } else {
            naptr_.erase(naptr_due_.begin()->second);
            naptr_due_.erase(naptr_due_.begin());
        }
    }
}

void DnsTransactionTracker::take(const DnsFact& f) {
    if (f.is_response) take_response(f);
    else take_query(f);
}

DnsTransactionTracker::Lookup* DnsTransactionTracker::open_lookup(const LookupKey& key, const DnsFact& f) {
    if (lookups_.size() >= s_.max_lookups) {
        ++n_.lookups_dropped;
        return nullptr;
    }
    ++n_.lookups;
    Lookup& l = *lookups_.emplace(key, std::make_unique<Lookup>()).first->second;
    l.rec.first_ns = f.ts_ns;
    return &l;
}

void DnsTransactionTracker::schedule(const LookupKey& key, Lookup& l, uint64_t due) {
    lookup_due_.erase({l.due, key});
    l.due = due;
    lookup_due_.insert({due, key});
}

void DnsTransactionTracker::take_query(const DnsFact& f) {
    ++n_.queries;
    const LookupKey key{f.vantage, f.client_ip, f.client_port, f.server_ip, f.id, f.qtype, std::string(f.qname.view())};
    auto it = lookups_.find(key);
    if (it != lookups_.end()) {
        DnsLookup& rec = it->second->rec;
        if (it->second->settled) {
            ++n_.late_queries;
            return;
        }
        if (rec.queries - 1 < uint32_t(DnsLookup::kMaxRetransmitFrames)) rec.retransmit_frames[rec.queries - 1] = f.frame;
        ++rec.queries;
        ++n_.retransmissions;
        return;
    }
    Lookup* l = open_lookup(key, f);
    if (!l) return;
    l->rec.query = f;
    l->rec.queries = 1;
    schedule(key, *l, after(f.ts_ns, s_.timeout_ns));
    // The NAPTR that may precede an SRV for the same subdomain: the latest one counts.
    if (f.qtype == dns::kTypeNAPTR && (f.tags & kDnsTagWebexCallNaptrName)) {
        const NaptrKey nk{f.vantage, f.client_ip, std::string(f.qname.view())};
        auto nit = naptr_.find(nk);
        if (nit == naptr_.end()) {
            if (naptr_.size() >= s_.max_lookups) {
                ++n_.naptr_dropped;
                return;
            }
            nit = naptr_.emplace(nk, std::make_unique<Naptr>()).first;
        }
        Naptr& n = *nit->second;
        naptr_due_.erase({n.due, nk});
        n.ctx = DnsNaptrContext{};
        n.ctx.seen = true;
        n.ctx.qname = std::get<2>(nk);
        n.ctx.ns = f.ts_ns;
        n.ctx.frame = f.frame;
        n.due = after(f.ts_ns, after(s_.naptr_window_ns, s_.timeout_ns));
        naptr_due_.insert({n.due, nk});
    }
}

void DnsTransactionTracker::take_response(const DnsFact& f) {
    ++n_.responses;
    const LookupKey key{f.vantage, f.client_ip, f.client_port, f.server_ip, f.id, f.qtype, std::string(f.qname.view())};
    auto it = lookups_.find(key);
    Lookup* l = it == lookups_.end() ? nullptr : it->second.get();
    if (l && l->settled) {
        ++n_.late_responses;
        return;
    }
    const std::optional<DnsOutcome> o = outcome_of(f);
    if (!o) {
        ++n_.unread_responses;
        if (l && !l->rec.unread_responses++) {
            l->rec.unread_frame = f.frame;
            l->rec.unread_reason = f.anomaly;
        }
        return;
    }
    if (!l) {
        ++n_.responses_without_query;
        l = open_lookup(key, f);
        if (!l) return;
    }
    l->rec.response = f;
    l->rec.outcome = *o;
    l->rec.decided_ns = f.ts_ns;
    settle(key, *l);
}

void DnsTransactionTracker::settle(const LookupKey& key, Lookup& l) {
    l.settled = true;
    ++n_.outcomes[size_t(l.rec.outcome)];
    const DnsFact& f = l.rec.fact();
    // A NAPTR lookup's end, for the SRV event that may cite it.
    if (f.qtype == dns::kTypeNAPTR) {
        auto nit = naptr_.find(NaptrKey{f.vantage, f.client_ip, std::string(f.qname.view())});
        if (nit != naptr_.end() && l.rec.query && nit->second->ctx.frame == l.rec.query->frame) {
            DnsNaptrContext& c = nit->second->ctx;
            c.settled = true;
            c.outcome = l.rec.outcome;
            c.response_frame = l.rec.response ? l.rec.response->frame : 0;
        }
    }
    DnsEvent e;
    e.verdict = decide(l.rec, &e.naptr);
    if (e.verdict.code != FailureCode::kNone) {
        e.lookup = l.rec;
        report(e);
    }
    if (l.rec.outcome == DnsOutcome::kAnswered) tell_answer(*l.rec.response);
    schedule(key, l, after(l.rec.decided_ns, s_.linger_ns));
}

DnsVerdict DnsTransactionTracker::decide(const DnsLookup& l, DnsNaptrContext* naptr) const {
    DnsVerdict v;
    const DnsFact& f = l.fact();
    const std::string_view qname = f.qname.view();
    const std::string_view label = subdomain_label(qname);
    const char* type = dns_type_name(f.qtype);
    const std::string client = f.client_ip.to_string(), server = f.server_ip.to_string();
    // The querier is on-prem or unknown: a cloud querier asking a local server is not the Expressway's lookup.
    const bool wrong_domain = (f.tags & kDnsTagWebexSubdomainSrv) && f.qtype == dns::kTypeSRV && !label.empty() &&
                              label != "callservice" && f.direction != Direction::kInbound;
    const bool failed = dns_outcome_failed(l.outcome) && (f.tags & kFailureTags);
    if (!wrong_domain && !failed) return v;
    v.evidence = evidence_of(l, s_.timeout_ns);
    if (wrong_domain) {
        v.code = FailureCode::kDnsSrvWrongDomain;
        v.subdomain = std::string(label);
        v.detail = fmt::format("{} looked up SRV {}, the subdomain '{}', instead of _sips._tcp.callservice.ciscospark.com",
                               client, qname, label);
        if (l.outcome == DnsOutcome::kAnswered && l.response && l.response->srv_count) {
            std::vector<uint16_t> ports;
            for (int i = 0; i < l.response->srv_count; ++i) ports.push_back(l.response->srv[i].port);
            std::sort(ports.begin(), ports.end());
            ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
            std::string list;
            for (uint16_t p : ports) list += fmt::format("{}{}", list.empty() ? "" : ", ", p);
            v.detail += fmt::format("; the answer points at port {}", list);
            if (ports != std::vector<uint16_t>{5062}) v.detail += ", while Webex takes mutual TLS on 5062";
        } else if (l.outcome != DnsOutcome::kAnswered) {
            v.detail += "; it got " + outcome_text(l, s_.timeout_ns);
        }
        // The NAPTR for the same subdomain shortly before (guide OUT-1: 153 ms before).
        const std::string naptr_name = std::string(qname.substr(std::string_view("_sips._tcp.").size()));
        auto nit = naptr_.find(NaptrKey{f.vantage, f.client_ip, naptr_name});
        if (nit != naptr_.end()) {
            const DnsNaptrContext& c = nit->second->ctx;
            if (c.ns <= l.first_ns && l.first_ns - c.ns <= s_.naptr_window_ns) {
                *naptr = c;
                const std::string how = !c.settled ? "no answer yet"
                                        : c.outcome == DnsOutcome::kTimeout
                                            ? "no answer"
                                            : fmt::format("{} at frame {}", dns_outcome_name(c.outcome), c.response_frame);
                v.evidence.insert(v.evidence.begin(),
                                  fmt::format("frame {}: {} asked NAPTR {} first ({})", c.frame, client, c.qname, how));
            }
        }
        return v;
    }
    const std::string how = l.outcome == DnsOutcome::kTimeout
                                ? fmt::format("no answer from {} within {}", server, seconds(s_.timeout_ns))
                                : fmt::format("{} from {}", outcome_text(l, s_.timeout_ns), server);
    if (f.tags & kProvisioningTags) {
        v.code = FailureCode::kWxcProvisioningDnsFailed;
        v.detail = fmt::format("Webex Calling provisioning: {} lookup of {} by {} failed: {}", type, qname, client, how);
    } else {
        v.code = FailureCode::kDnsLookupFailed;
        v.detail = fmt::format("{} lookup of {} by {} failed: {}", type, qname, client, how);
    }
    if (l.queries > 1) v.detail += fmt::format(" ({} queries)", l.queries);
    return v;
}

void DnsTransactionTracker::report(DnsEvent& e) {
    const DnsFact& f = e.lookup.fact();
    const FoldKey key{e.verdict.code, f.vantage, f.client_ip, f.qtype, std::string(f.qname.view())};
    auto it = folds_.find(key);
    if (it != folds_.end()) {
        DnsFold& rec = it->second->rec;
        if (!rec.count++) {
            rec.first_ns = e.lookup.first_ns;
            rec.first_frame = (e.lookup.query ? *e.lookup.query : *e.lookup.response).frame;
        }
        ++rec.by_outcome[size_t(e.lookup.outcome)];
        rec.last_ns = e.lookup.first_ns;
        rec.last_frame = (e.lookup.query ? *e.lookup.query : *e.lookup.response).frame;
        rec.server_ip = f.server_ip;
        ++n_.folded;
        return;
    }
    ++n_.events;
    sink_.dns_event(e);
    if (folds_.size() >= s_.max_folds) {
        ++n_.folds_dropped;  // repeats of this verdict will be published one by one
        return;
    }
    auto fold = std::make_unique<Fold>();
    DnsFold& rec = fold->rec;
    rec.code = e.verdict.code;
    rec.vantage = f.vantage;
    rec.direction = f.direction;
    rec.transport = f.transport;
    rec.client_ip = f.client_ip;
    rec.server_ip = f.server_ip;
    rec.qtype = f.qtype;
    rec.qname = std::get<4>(key);
    rec.window_start_ns = e.lookup.decided_ns;
    rec.window_end_ns = after(e.lookup.decided_ns, s_.fold_window_ns);
    fold->due = rec.window_end_ns;
    fold_due_.insert({fold->due, key});
    folds_.emplace(key, std::move(fold));
}

void DnsTransactionTracker::tell_answer(const DnsFact& r) {
    DnsAnswerSeen a;
    a.vantage = r.vantage;
    a.direction = r.direction;
    a.client_ip = r.client_ip;
    a.server_ip = r.server_ip;
    a.ts_ns = r.ts_ns;
    a.frame = r.frame;
    a.qname = std::string(r.qname.view());
    a.qtype = r.qtype;
    a.tags = r.tags;
    for (uint8_t i = 0; i < r.srv_count; ++i) {
        const DnsFactSrv& s = r.srv[i];
        bool resolved = false;
        for (int k = 0; k < r.address_count; ++k) {
            if (r.address[k].srv != i) continue;
            a.targets.push_back({std::string(s.target.view()), s.port, true, r.address[k].ip});
            resolved = true;
        }
        if (!resolved) a.targets.push_back({std::string(s.target.view()), s.port, false, {}});
    }
    // Addresses of the name itself: at the end of its CNAME chain.
    const std::string_view owner = r.cname_count ? r.cname[r.cname_count - 1].view() : r.qname.view();
    for (int k = 0; k < r.address_count; ++k)
        if (r.address[k].srv == DnsFactAddress::kNoSrv) a.targets.push_back({std::string(owner), 0, true, r.address[k].ip});
    ++n_.answers_seen;
    sink_.dns_answer(a);
}

}  // namespace cs
