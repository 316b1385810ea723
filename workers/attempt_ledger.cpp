#include "workers/attempt_ledger.h"

#include <fmt/format.h>

#include <algorithm>

#include "workers/dns_parser.h"

namespace cs {

namespace {

bool names(const DnsAnswerTarget& t, const IpAddr& server, uint16_t port) {
    return t.has_ip && t.ip == server && (t.port == 0 || t.port == port);
}

}  // namespace

AttemptStep AttemptLedger::answer_step(const DnsAnswerSeen& a) {
    std::string targets;
    for (const DnsAnswerTarget& t : a.targets) {
        if (!targets.empty()) targets += ", ";
        targets += t.port ? fmt::format("{}:{}", t.host, t.port) : t.host;
        if (t.has_ip) targets += " " + t.ip.to_string();
    }
    return {a.ts_ns, a.vantage, a.frame, "dns_answer",
            fmt::format("{} {} answered by {}: {}", dns_type_name(a.qtype), a.qname, a.server_ip.to_string(), targets)};
}

void AttemptLedger::answer(const DnsAnswerSeen& a) {
    if (answers_.size() >= s_.max_answers) {
        answers_.erase(answers_.begin());
        ++n_.answers_evicted;
    }
    ++n_.answers;
    answers_.emplace(a.ts_ns, a);
}

void AttemptLedger::connection(const ConnFact& f) {
    const Pair pair{f.client_ip, f.server_ip};
    const ConnKey key{f.start_ns, f.vantage, f.client_port, f.server_port};
    if (f.kind == ConnFact::kSeen) {
        if (f.at_capture_end) return;  // it did not end: it was live until the capture ended
        auto p = conns_.find(pair);
        auto c = p == conns_.end() ? decltype(p->second.end()){} : p->second.find(key);
        if (p == conns_.end() || c == p->second.end()) {
            ++n_.ends_unmatched;  // its start was dropped at the cap, or already forgotten
            return;
        }
        Conn& conn = c->second;
        if (conn.ended) return;  // told twice
        ended_.emplace(f.decided_ns, pair, key);
        conn.ended = true;
        conn.end_decided_ns = f.decided_ns;
        conn.last_ns = f.last_ns;
        conn.server_last_ns = f.server_last_ns;
        conn.rst = f.rst_seen;
        conn.packets = f.packets;
        ++n_.ends;
        return;
    }
    if (f.kind != ConnFact::kStarted) return;
    if (conn_count_ >= s_.max_connections) {
        if (ended_.empty()) {
            ++n_.connections_dropped;
            return;
        }
        forget_ended_before(UINT64_MAX, 1);
        ++n_.connections_evicted;
    }
    Conn c;
    c.vantage = f.vantage;
    c.client_port = f.client_port;
    c.server_port = f.server_port;
    c.start_ns = f.start_ns;
    c.first_frame = f.first_frame;
    if (conns_[pair].emplace(key, c).second) {
        ++conn_count_;
        ++n_.connections;
    }
}

bool AttemptLedger::connected(const IpAddr& host, const std::vector<IpAddr>& servers, uint64_t from_ns,
                              uint64_t to_ns) const {
    for (const IpAddr& server : servers) {
        auto p = conns_.find({host, server});
        if (p == conns_.end()) continue;
        for (const auto& [key, c] : p->second) {
            if (c.start_ns > to_ns) break;
            if (c.start_ns >= from_ns) return true;
            // Started before: live unless its end is known by `to` and its last packet came before `from`.
            if (!(c.ended && c.end_decided_ns <= to_ns && c.last_ns < from_ns)) return true;
        }
    }
    return false;
}

std::string AttemptLedger::connect_detail(const Pair& p, const Conn& c, uint64_t as_of_ns) const {
    std::string d = fmt::format("{}:{} -> {}:{}", p.first.to_string(), c.client_port, p.second.to_string(),
                                c.server_port);
    if (!c.ended || c.end_decided_ns > as_of_ns) return d;
    if (c.server_last_ns == 0) return d + ": no answer from the server";
    if (c.rst) return d + fmt::format(": reset after {} packets", c.packets);
    return d + fmt::format(": closed after {} packets", c.packets);
}

AttemptStory AttemptLedger::story(const IpAddr& host, const IpAddr& server, uint16_t port, uint64_t first_ns,
                                  uint64_t as_of_ns, uint16_t client_port) const {
    AttemptStory s;
    const uint64_t from = first_ns > s_.lookup_reach_ns ? first_ns - s_.lookup_reach_ns : 0;
    const auto begin = answers_.lower_bound(from), end = answers_.upper_bound(std::min(first_ns, as_of_ns));
    // The lookups that named the server, then the SRV lookups naming those
    // lookups' names as targets (an SRV answer without the targets' addresses).
    std::vector<const DnsAnswerSeen*> led;
    for (auto it = begin; it != end; ++it) {
        const DnsAnswerSeen& a = it->second;
        if (a.client_ip != host) continue;
        if (std::any_of(a.targets.begin(), a.targets.end(), [&](const DnsAnswerTarget& t) { return names(t, server, port); }))
            led.push_back(&a);
    }
    for (auto it = begin; it != end; ++it) {
        const DnsAnswerSeen& a = it->second;
        if (a.client_ip != host || std::find(led.begin(), led.end(), &a) != led.end()) continue;
        const bool names_a_lookup = std::any_of(a.targets.begin(), a.targets.end(), [&](const DnsAnswerTarget& t) {
            return t.port == port && std::any_of(led.begin(), led.end(), [&](const DnsAnswerSeen* l) { return l->qname == t.host; });
        });
        if (names_a_lookup) led.push_back(&a);
    }
    std::vector<IpAddr> addresses{server};
    uint64_t connects_from = first_ns;
    for (const DnsAnswerSeen* a : led) {
        s.steps.push_back(answer_step(*a));
        if (a->qtype == 33 || s.service.empty()) s.service = a->qname;
        connects_from = std::min(connects_from, a->ts_ns);
        for (const DnsAnswerTarget& t : a->targets)
            if (t.has_ip && (t.port == 0 || t.port == port) && std::find(addresses.begin(), addresses.end(), t.ip) == addresses.end())
                addresses.push_back(t.ip);
    }
    for (const IpAddr& addr : addresses) {
        auto p = conns_.find({host, addr});
        if (p == conns_.end()) continue;
        for (const auto& [key, c] : p->second) {
            if (c.start_ns > as_of_ns) break;
            if (c.server_port != port) continue;
            const bool carrier = client_port && c.client_port == client_port && addr == server && c.start_ns <= first_ns &&
                                 !(c.ended && c.end_decided_ns <= as_of_ns && c.last_ns < first_ns);
            if (c.start_ns < connects_from && !carrier) continue;
            s.steps.push_back({c.start_ns, c.vantage, c.first_frame, "tcp_connect", connect_detail(p->first, c, as_of_ns)});
        }
    }
    std::stable_sort(s.steps.begin(), s.steps.end(), [](const AttemptStep& a, const AttemptStep& b) {
        return std::tie(a.ns, a.vantage, a.frame) < std::tie(b.ns, b.vantage, b.frame);
    });
    return s;
}

void AttemptLedger::forget_ended_before(uint64_t before_ns, size_t at_most) {
    while (at_most-- && !ended_.empty() && std::get<0>(*ended_.begin()) < before_ns) {
        const auto& [end_ns, pair, key] = *ended_.begin();
        auto p = conns_.find(pair);
        if (p != conns_.end()) {
            conn_count_ -= p->second.erase(key);
            if (p->second.empty()) conns_.erase(p);
        }
        ended_.erase(ended_.begin());
    }
}

void AttemptLedger::advance(uint64_t watermark) {
    if (watermark < s_.keep_ns) return;
    const uint64_t before = watermark - s_.keep_ns;
    answers_.erase(answers_.begin(), answers_.lower_bound(before));
    forget_ended_before(before, SIZE_MAX);
}

}  // namespace cs
