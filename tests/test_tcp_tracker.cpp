// The TCP story (tracker) and the verdicts drawn from it (FlowEngine +
// tcp_diagnosis), fed with frames shaped like the guide's captures.
#include <gtest/gtest.h>

#include <deque>

#include "pipeline/decode.h"
#include "pipeline/tcp_tracker.h"
#include "tools/gen/packet_builder.h"
#include "workers/flow_engine.h"

using namespace cs;

namespace {

constexpr uint64_t kSec = 1000000000ull;
const IpAddr kExpE = *IpAddr::parse("64.102.241.236");
const IpAddr kWebex = *IpAddr::parse("146.20.193.73");

// Frames live as long as the fixture: views point into them.
struct Wire {
    std::deque<std::vector<uint8_t>> frames;
    uint32_t frame_no = 0;

    PacketView tcp(const IpAddr& src, const IpAddr& dst, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
                   uint32_t ack, uint64_t ts, uint8_t ttl = 63, std::vector<uint8_t> payload = {}, bool syn_opts = false,
                   uint16_t window = 29200) {
        gen::IpSpec ip;
        ip.src = src;
        ip.dst = dst;
        ip.ttl = ttl;
        ip.ip_id = uint16_t(frame_no * 7);
        gen::TcpSpec t;
        t.sport = sport;
        t.dport = dport;
        t.flags = flags;
        t.seq = seq;
        t.ack = ack;
        t.window = window;
        if (syn_opts) {
            t.mss = 1460;
            t.sack_perm = true;
            t.tsval = uint32_t(ts / 1000000);
            t.wscale = 7;
        }
        frames.push_back(gen::build_tcp(gen::L2Spec{}, ip, t, payload));
        PacketView v;
        EXPECT_EQ(decode_packet(frames.back().data(), uint32_t(frames.back().size()), v), DecodeStatus::kOk);
        v.ts_ns = ts;
        v.frame = ++frame_no;
        return v;
    }
};

struct VectorSink : FactSink {
    std::vector<ConnFact> facts;    // verdicts
    std::vector<ConnFact> started;  // connections' first packets
    std::vector<ConnFact> ended;    // connections' views at their end
    bool push(const ConnFact& f) override {
        (f.kind == ConnFact::kStarted ? started : f.kind == ConnFact::kSeen ? ended : facts).push_back(f);
        return true;
    }
    bool push_incident(TlsIncident* i) override {
        delete i;  // TLS verdicts are another test's business
        return true;
    }
    bool push_sip(const SipFact&) override { return true; }  // SIP: test_sip_engine
    bool push_dns(const DnsFact&) override { return true; }  // DNS: test_dns_tracker
};

Config test_config() {
    Config c;
    c.local_nets.push_back(*IpPrefix::parse("64.102.241.236/32"));
    c.limits.flows_per_worker = 1024;
    return c;
}

}  // namespace

TEST(TcpTracker, HandshakeDataAndCloseTellTheWholeStory) {
    Wire w;
    TcpConnection c;
    const uint64_t t0 = 1000 * kSec;
    PacketView syn = w.tcp(kWebex, kExpE, 48520, 5062, kSyn, 1000, 0, t0, 49, {}, true, 14600);
    tcp_start(c, syn);
    EXPECT_EQ(tcp_update(c, syn, true), TcpChange::kNone);
    EXPECT_EQ(c.state, TcpState::kSynSent);
    EXPECT_EQ(c.side[TcpConnection::kClient].mss, 1460);
    EXPECT_EQ(c.side[TcpConnection::kClient].wscale, 7);
    EXPECT_EQ(c.syn_ttl, 49);

    PacketView sa = w.tcp(kExpE, kWebex, 5062, 48520, kSyn | kAck, 5000, 1001, t0 + 40000000, 63, {}, true);
    EXPECT_EQ(tcp_update(c, sa, false), TcpChange::kAnswered);
    EXPECT_EQ(c.rtt_server_ns, 40000000);
    PacketView ack = w.tcp(kWebex, kExpE, 48520, 5062, kAck, 1001, 5001, t0 + 41000000, 49);
    EXPECT_EQ(tcp_update(c, ack, true), TcpChange::kEstablished);
    EXPECT_EQ(c.state, TcpState::kEstablished);
    EXPECT_EQ(c.rtt_client_ns, 1000000);

    PacketView data = w.tcp(kWebex, kExpE, 48520, 5062, kAck | kPsh, 1001, 5001, t0 + 50000000, 49, std::vector<uint8_t>(300, 'x'));
    tcp_update(c, data, true);
    EXPECT_EQ(c.side[TcpConnection::kClient].payload_bytes, 300u);

    PacketView fin1 = w.tcp(kExpE, kWebex, 5062, 48520, kFin | kAck, 5001, 1301, t0 + 60000000, 63);
    EXPECT_EQ(tcp_update(c, fin1, false), TcpChange::kFin);
    EXPECT_EQ(c.fin_first_from, TcpConnection::kServer);
    EXPECT_NE(c.state, TcpState::kFinished);
    PacketView fin2 = w.tcp(kWebex, kExpE, 48520, 5062, kFin | kAck, 1301, 5002, t0 + 61000000, 49);
    tcp_update(c, fin2, true);
    EXPECT_EQ(c.state, TcpState::kFinished);
    EXPECT_EQ(c.side[TcpConnection::kServer].ttl_min, 63);
    EXPECT_EQ(c.side[TcpConnection::kClient].ttl_max, 49);
}

TEST(TcpTracker, SynRetransmissionsKeepTheirTimesAndANewIsnStartsOver) {
    Wire w;
    TcpConnection c;
    const uint64_t t0 = 5 * kSec;
    PacketView s0 = w.tcp(kExpE, kWebex, 25026, 5062, kSyn, 777, 0, t0, 63, {}, true);
    tcp_start(c, s0);
    tcp_update(c, s0, true);
    const uint64_t offs[] = {1049012000, 3097013000, 7129019000};
    for (uint64_t o : offs) EXPECT_EQ(tcp_update(c, w.tcp(kExpE, kWebex, 25026, 5062, kSyn, 777, 0, t0 + o), true), TcpChange::kSynRetransmit);
    ASSERT_EQ(c.syn_count, 4);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(c.syn_ns[i + 1] - c.syn_ns[0], offs[i]);
    EXPECT_EQ(tcp_update(c, w.tcp(kExpE, kWebex, 25026, 5062, kSyn, 999, 0, t0 + 20 * kSec), true),
              TcpChange::kNewConnection);
}

TEST(TcpTracker, RstAckAnsweringTheSynIsARejectionWithItsShape) {
    Wire w;
    TcpConnection c;
    PacketView syn = w.tcp(kWebex, kExpE, 34351, 5062, kSyn, 4242, 0, kSec, 49, {}, true, 14600);
    tcp_start(c, syn);
    tcp_update(c, syn, true);
    PacketView rst = w.tcp(kExpE, kWebex, 5062, 34351, kRst | kAck, 0, 4243, kSec + 44000, 63, {}, false, 0);
    EXPECT_EQ(tcp_update(c, rst, false), TcpChange::kRejected);
    EXPECT_EQ(c.state, TcpState::kRejected);
    EXPECT_TRUE(c.rst.ack_is_isn_plus_1);
    EXPECT_EQ(c.rst.window, 0);
    EXPECT_EQ(c.rst.option_count, 0);
    EXPECT_EQ(c.rst.from, TcpConnection::kServer);
    EXPECT_EQ(c.rst.ns - c.syn_ns[0], 44000u);
}

TEST(TcpTracker, ResetAfterHandshakeIsNotARejection) {
    Wire w;
    TcpConnection c;
    PacketView syn = w.tcp(kWebex, kExpE, 1111, 5062, kSyn, 10, 0, kSec);
    tcp_start(c, syn);
    tcp_update(c, syn, true);
    tcp_update(c, w.tcp(kExpE, kWebex, 5062, 1111, kSyn | kAck, 20, 11, kSec + 1000), false);
    tcp_update(c, w.tcp(kWebex, kExpE, 1111, 5062, kAck, 11, 21, kSec + 2000), true);
    PacketView rst = w.tcp(kWebex, kExpE, 1111, 5062, kRst, 11, 0, kSec + 3000, 52);
    EXPECT_EQ(tcp_update(c, rst, true), TcpChange::kReset);
    EXPECT_EQ(c.rst.from, TcpConnection::kClient);
    EXPECT_EQ(c.rst.ttl, 52);
    EXPECT_FALSE(c.rst.ack_is_isn_plus_1);
}

TEST(TcpTracker, MidStreamPickUpGuessesTheClientByPort) {
    Wire w;
    PacketView data = w.tcp(kExpE, kWebex, 5062, 40342, kAck | kPsh, 1, 1, kSec, 63, {'a'});
    EXPECT_FALSE(tcp_first_packet_from_client(data));
    TcpConnection c;
    tcp_start(c, data);
    EXPECT_TRUE(c.midstream);
    EXPECT_EQ(c.state, TcpState::kEstablished);
    PacketView synack = w.tcp(kExpE, kWebex, 5062, 40342, kSyn | kAck, 1, 1, kSec);
    EXPECT_FALSE(tcp_first_packet_from_client(synack));
}

// FlowEngine: verdicts come from packet time only, exactly when they are due.
class FlowEngineTest : public ::testing::Test {
protected:
    Config cfg = test_config();
    VectorSink sink;
    Wire w;
};

TEST_F(FlowEngineTest, UnansweredSynIsDecidedAtTheTimeoutNotBefore) {
    FlowEngine e(cfg, sink);
    const uint64_t t0 = 1505830715 * kSec;
    e.advance(t0);
    e.process(w.tcp(kExpE, kWebex, 25026, 5062, kSyn, 1, 0, t0, 63, {}, true));
    e.process(w.tcp(kExpE, kWebex, 25026, 5062, kSyn, 1, 0, t0 + kSec, 63, {}, true));
    e.advance(t0 + 9 * kSec);
    EXPECT_TRUE(sink.facts.empty());
    e.advance(t0 + 10 * kSec + 100000000);  // the wheel fires a tick (17 ms) after the deadline at most
    ASSERT_EQ(sink.facts.size(), 1u);
    const ConnFact& f = sink.facts[0];
    EXPECT_EQ(f.code, FailureCode::kTcpSynUnanswered);
    EXPECT_EQ(f.decided_ns, t0 + 10 * kSec);
    EXPECT_EQ(f.direction, Direction::kOutbound);
    EXPECT_EQ(f.syn_count, 2);
    EXPECT_GE(e.watermark(), f.decided_ns);
    // Nothing more, however long time runs.
    e.advance(t0 + 1000 * kSec);
    e.flush();
    EXPECT_EQ(sink.facts.size(), 1u);
}

TEST_F(FlowEngineTest, EndOfCaptureDecidesRetransmittedSynsButNotALoneOne) {
    FlowEngine e(cfg, sink);
    const uint64_t t0 = 100 * kSec;
    e.advance(t0);
    e.process(w.tcp(kWebex, kExpE, 1000, 5062, kSyn, 5, 0, t0));
    e.process(w.tcp(kWebex, kExpE, 1000, 5062, kSyn, 5, 0, t0 + kSec));
    e.process(w.tcp(kWebex, kExpE, 2000, 5062, kSyn, 9, 0, t0 + 2 * kSec));
    e.flush();
    ASSERT_EQ(sink.facts.size(), 1u);
    EXPECT_EQ(sink.facts[0].client_port, 1000);
    EXPECT_EQ(sink.facts[0].direction, Direction::kInbound);
    EXPECT_EQ(sink.facts[0].decided_ns, t0 + kSec);
    EXPECT_EQ(e.counters().syn_pending_at_end, 1u);
    // Both connections were still held when the capture ended: neither ended.
    ASSERT_EQ(sink.ended.size(), 2u);
    for (const ConnFact& v : sink.ended) EXPECT_TRUE(v.at_capture_end);
}

TEST_F(FlowEngineTest, RejectionIsImmediateAndHealthyConnectionsSayNothing) {
    FlowEngine e(cfg, sink);
    const uint64_t t0 = 100 * kSec;
    e.advance(t0);
    e.process(w.tcp(kWebex, kExpE, 34351, 5062, kSyn, 50, 0, t0));
    e.process(w.tcp(kExpE, kWebex, 5062, 34351, kRst | kAck, 0, 51, t0 + 44000, 63, {}, false, 0));
    ASSERT_EQ(sink.facts.size(), 1u);
    EXPECT_EQ(sink.facts[0].code, FailureCode::kTcpPortRejected);
    EXPECT_EQ(sink.facts[0].decided_ns, t0 + 44000);
    // A healthy one: handshake, data, FINs, then silence past every timeout.
    e.process(w.tcp(kWebex, kExpE, 40000, 5062, kSyn, 1, 0, t0 + kSec));
    e.process(w.tcp(kExpE, kWebex, 5062, 40000, kSyn | kAck, 7, 2, t0 + kSec + 30000000));
    e.process(w.tcp(kWebex, kExpE, 40000, 5062, kAck, 2, 8, t0 + kSec + 60000000));
    e.process(w.tcp(kWebex, kExpE, 40000, 5062, kFin | kAck, 2, 8, t0 + 2 * kSec));
    e.process(w.tcp(kExpE, kWebex, 5062, 40000, kFin | kAck, 8, 3, t0 + 2 * kSec + 1000));
    e.advance(t0 + 1000 * kSec);
    e.flush();
    EXPECT_EQ(sink.facts.size(), 1u);
    EXPECT_EQ(e.counters().tcp_established, 1u);
    EXPECT_EQ(e.live_flows(), 0u);  // both flows expired on packet time
    // Each connection's first packet was told once, with who connected where and when.
    ASSERT_EQ(sink.started.size(), 2u);
    EXPECT_EQ(sink.started[1].client_port, 40000);
    EXPECT_EQ(sink.started[1].server_port, 5062);
    EXPECT_EQ(sink.started[1].start_ns, t0 + kSec);
    EXPECT_EQ(sink.started[1].direction, Direction::kInbound);
    // And each one's end, when its worker forgot it on packet time (the
    // closed-connection linger after the last packet), for the publisher's
    // ledger of live connections.
    ASSERT_EQ(sink.ended.size(), 2u);
    for (const ConnFact& v : sink.ended) {
        EXPECT_FALSE(v.at_capture_end);
        EXPECT_EQ(v.decided_ns, v.last_ns + uint64_t(cfg.timeouts.tcp_closed_s * 1e9));
    }
    EXPECT_EQ(sink.ended[0].client_port, 34351);
    EXPECT_TRUE(sink.ended[0].rst_seen);
    EXPECT_EQ(sink.ended[1].client_port, 40000);
    EXPECT_EQ(sink.ended[1].last_ns, t0 + 2 * kSec + 1000);
    EXPECT_NE(sink.ended[1].server_last_ns, 0u);  // the server answered
}

TEST_F(FlowEngineTest, AFullTableCountsInsteadOfGrowing) {
    cfg.limits.flows_per_worker = 4;
    FlowEngine e(cfg, sink);
    for (uint16_t p = 1; p <= 10; ++p) e.process(w.tcp(kWebex, kExpE, uint16_t(1000 + p), 5062, kSyn, p, 0, kSec));
    EXPECT_EQ(e.live_flows(), 4u);
    EXPECT_EQ(e.counters().flow_table_full, 6u);
}
