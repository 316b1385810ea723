// AttemptCorrelator: failover joins one attempt, repeats fold, and the output
// does not depend on the order facts arrive in or on how the watermark moves.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "workers/attempt_correlator.h"
#include "workers/tcp_event_log.h"
#include "workers/tls_event_log.h"

using namespace cs;

namespace {

constexpr uint64_t kSec = 1000000000ull;
const uint64_t kT0 = 1505830715ull * kSec;

ConnFact unanswered(const char* server, uint16_t cport, uint64_t start, Direction dir = Direction::kOutbound) {
    ConnFact f;
    f.code = FailureCode::kTcpSynUnanswered;
    f.direction = dir;
    f.client_ip = *IpAddr::parse(dir == Direction::kOutbound ? "64.102.241.236" : server);
    f.server_ip = *IpAddr::parse(dir == Direction::kOutbound ? server : "64.102.241.236");
    f.client_port = cport;
    f.server_port = 5062;
    f.start_ns = start;
    f.decided_ns = start + 10 * kSec;
    f.syn_count = 4;
    const uint64_t offs[] = {0, 1049012000, 3097013000, 7129019000};
    for (int i = 0; i < 4; ++i) f.syn_ns[i] = start + offs[i], f.syn_frame[i] = cport + i;
    f.first_frame = cport;
    return f;
}

struct Recorder : IncidentSink {
    EventContext ctx{{"outside"}, {"net_pcap0"}};
    std::vector<std::string> out;
    std::vector<FailedAttempt> attempts;
    std::vector<FoldSummary> folds;
    void attempt(const FailedAttempt& a) override {
        attempts.push_back(a);
        out.push_back(render_attempt(a, ctx).json);
    }
    void folded(const FoldSummary& s) override {
        folds.push_back(s);
        out.push_back(render_fold(s, ctx).json);
    }
    std::vector<FailureCode> tls;
    std::vector<IncidentFold> tls_folds;
    void tls_incident(const TlsIncident& i) override {
        tls.push_back(i.verdict.code);
        out.push_back(render_tls_incident(i, ctx).json);
    }
    void tls_folded(const IncidentFold& f) override {
        tls_folds.push_back(f);
        out.push_back(render_tls_fold(f, ctx).json);
    }
};

std::unique_ptr<TlsIncident> tls_incident(FailureCode code, uint16_t cport, uint64_t start, uint8_t leaf_byte = 1) {
    auto i = std::make_unique<TlsIncident>();
    i->verdict.code = code;
    i->verdict.onprem = TlsDir::kServer;
    i->direction = Direction::kInbound;
    i->client_ip = *IpAddr::parse("146.20.193.45");
    i->server_ip = *IpAddr::parse("64.102.241.236");
    i->client_port = cport;
    i->server_port = 5062;
    i->tcp.first_ns = start;
    i->decided_ns = start + 80000000;
    i->facts.session = &i->session;
    CertSummary leaf;
    leaf.sha256.fill(leaf_byte);
    i->facts.side[0].chain.certs = {leaf};
    return i;
}

Config cfg_default() {
    Config c;
    c.local_nets.push_back(*IpPrefix::parse("64.102.241.236/32"));
    return c;
}

}  // namespace

TEST(AttemptCorrelator, FailoverToTheNextTargetJoinsOneAttempt) {
    Config cfg = cfg_default();
    Recorder r;
    AttemptCorrelator c(cfg, r);
    c.push(unanswered("146.20.193.70", 25026, kT0));
    c.push(unanswered("146.20.193.64", 25027, kT0 + 10333323000ull));
    c.advance(kT0 + 30 * kSec);
    EXPECT_TRUE(r.attempts.empty()) << "closed before the failover window could have passed";
    c.advance(kT0 + 40 * kSec);
    ASSERT_EQ(r.attempts.size(), 1u);
    ASSERT_EQ(r.attempts[0].connections.size(), 2u);
    EXPECT_EQ(r.attempts[0].connections[1].client_port, 25027);
    EXPECT_NE(r.out[0].find("\"failover\":true"), std::string::npos);
    EXPECT_NE(r.out[0].find("+10.333 s: failover to the next target"), std::string::npos);
}

TEST(AttemptCorrelator, ALaterFailureIsANewAttemptAndRepeatsFold) {
    Config cfg = cfg_default();
    cfg.timeouts.fold_window_s = 300;
    Recorder r;
    AttemptCorrelator c(cfg, r);
    // Five attempts 60 s apart: the first published, four folded into one summary.
    for (int i = 0; i < 5; ++i) c.push(unanswered("146.20.193.70", uint16_t(25000 + i), kT0 + i * 60 * kSec));
    c.advance(kT0 + 100 * kSec);
    ASSERT_EQ(r.attempts.size(), 1u);
    EXPECT_TRUE(r.folds.empty());
    c.advance(UINT64_MAX);
    ASSERT_EQ(r.folds.size(), 1u);
    EXPECT_EQ(r.folds[0].attempts, 4u);
    EXPECT_EQ(r.folds[0].connections_total, 4u);
    EXPECT_EQ(r.folds[0].first_ns, kT0 + 60 * kSec);
    EXPECT_EQ(r.folds[0].last_ns, kT0 + 240 * kSec);
    EXPECT_EQ(c.counters().attempts_folded, 4u);
    // A sixth, after the window: published again at once.
    Recorder r2;
    AttemptCorrelator c2(cfg, r2);
    c2.push(unanswered("146.20.193.70", 25000, kT0));
    c2.push(unanswered("146.20.193.70", 25001, kT0 + 400 * kSec));
    c2.advance(UINT64_MAX);
    EXPECT_EQ(r2.attempts.size(), 2u);
    EXPECT_TRUE(r2.folds.empty());
}

TEST(AttemptCorrelator, AFloodIsBoundedInAttemptsAndListedConnections) {
    Config cfg = cfg_default();
    cfg.limits.max_attempt_connections = 8;
    Recorder r;
    AttemptCorrelator c(cfg, r);
    // 2000 inbound SYNs a second from many sources for 100 s.
    for (int i = 0; i < 200000; ++i) {
        std::string src = "146.20." + std::to_string(i % 250) + "." + std::to_string(1 + i / 250 % 250);
        c.push(unanswered(src.c_str(), uint16_t(1024 + i % 60000), kT0 + uint64_t(i) * 500000, Direction::kInbound));
        if (i % 1000 == 0) c.advance(kT0 + uint64_t(i) * 500000);
    }
    c.advance(UINT64_MAX);
    // One key: attempts are cut at attempt_max_span_s (60 s), then folded.
    EXPECT_LE(r.attempts.size(), 2u);
    EXPECT_LE(r.out.size(), 3u);
    for (const auto& a : r.attempts) EXPECT_LE(a.connections.size(), 8u);
    for (const auto& s : r.folds) EXPECT_LE(s.connections.size(), 8u);
}

TEST(AttemptCorrelator, OutputDoesNotDependOnArrivalOrderOrWatermarkSteps) {
    Config cfg = cfg_default();
    std::vector<ConnFact> facts;
    const char* targets[] = {"146.20.193.70", "146.20.193.64", "146.20.193.45"};
    for (int i = 0; i < 60; ++i) {
        ConnFact f = unanswered(targets[i % 3], uint16_t(20000 + i), kT0 + uint64_t(i) * 7 * kSec,
                                i % 4 == 0 ? Direction::kInbound : Direction::kOutbound);
        if (i % 5 == 0) f.code = FailureCode::kTcpPortRejected, f.decided_ns = f.start_ns + 1000;
        facts.push_back(f);
    }
    auto run = [&](unsigned seed) {
        std::mt19937 rng(seed);
        std::vector<ConnFact> order = facts;
        // Arrival order may differ only among facts that are already decided,
        // as two workers would deliver them: shuffle within 10 s buckets.
        std::stable_sort(order.begin(), order.end(),
                         [](const ConnFact& a, const ConnFact& b) { return a.decided_ns / (10 * kSec) < b.decided_ns / (10 * kSec); });
        for (size_t b = 0; b < order.size();) {
            size_t e = b;
            while (e < order.size() && order[e].decided_ns / (10 * kSec) == order[b].decided_ns / (10 * kSec)) ++e;
            std::shuffle(order.begin() + b, order.begin() + e, rng);
            b = e;
        }
        Recorder r;
        AttemptCorrelator c(cfg, r);
        for (const ConnFact& f : order) {
            // The watermark may only pass a fact's decision time after the fact arrived.
            c.push(f);
            uint64_t wm = f.decided_ns / (10 * kSec) * (10 * kSec);
            if (rng() % 2) c.advance(wm);
        }
        c.advance(UINT64_MAX);
        return r.out;
    };
    const auto reference = run(1);
    EXPECT_GE(reference.size(), 3u);
    for (unsigned seed = 2; seed < 12; ++seed) EXPECT_EQ(run(seed), reference) << "seed " << seed;
}

TEST(AttemptCorrelator, TlsVerdictsFoldAndTlsOkIsPacedPerChain) {
    Config cfg = cfg_default();
    cfg.tls.ok_interval_s = 600;
    Recorder r;
    AttemptCorrelator c(cfg, r);
    // Ten refusals a minute apart: one event now, one summary of nine at the window's end.
    for (int i = 0; i < 10; ++i) c.push(tls_incident(FailureCode::kTlsUntrustedCloudCa, uint16_t(40000 + i), kT0 + i * 30 * kSec));
    // Healthy handshakes: two chains, each published once in the interval.
    for (int i = 0; i < 6; ++i) c.push(tls_incident(FailureCode::kTlsOk, uint16_t(41000 + i), kT0 + i * kSec, uint8_t(1 + i % 2)));
    c.advance(kT0 + 100 * kSec);
    EXPECT_EQ(std::count(r.tls.begin(), r.tls.end(), FailureCode::kTlsUntrustedCloudCa), 1);
    EXPECT_EQ(std::count(r.tls.begin(), r.tls.end(), FailureCode::kTlsOk), 2);
    c.advance(UINT64_MAX);
    ASSERT_EQ(r.tls_folds.size(), 3u);
    uint32_t refusals = 0, oks = 0;
    for (const auto& f : r.tls_folds) (f.key.base.code == FailureCode::kTlsOk ? oks : refusals) += f.count;
    EXPECT_EQ(refusals, 9u);
    EXPECT_EQ(oks, 4u);
    EXPECT_EQ(c.counters().tls_folded, 13u);

    Config quiet = cfg_default();
    quiet.emit_ok_events = false;
    Recorder q;
    AttemptCorrelator cq(quiet, q);
    cq.push(tls_incident(FailureCode::kTlsOk, 42000, kT0));
    cq.push(tls_incident(FailureCode::kTlsDefaultCert, 42001, kT0));
    cq.advance(UINT64_MAX);
    EXPECT_EQ(q.tls, std::vector<FailureCode>{FailureCode::kTlsDefaultCert});
    EXPECT_EQ(cq.counters().tls_ok_suppressed, 1u);
}
