// reset_fit: a reset forged on the path (firewall, IPS) against one sent by the
// endpoint itself, on connections built packet by packet.
#include <gtest/gtest.h>

#include <deque>

#include "pipeline/decode.h"
#include "tools/gen/packet_builder.h"
#include "workers/reset_fit.h"

using namespace cs;

namespace {

constexpr uint64_t kMs = 1000000ull;
const IpAddr kExpE = *IpAddr::parse("172.17.31.10");
const IpAddr kWebex = *IpAddr::parse("198.101.251.5");

// One side of a connection as its stack would send: its own TTL, IP-ID counter
// and 1000 Hz timestamp clock.
struct Host {
    IpAddr ip;
    uint8_t ttl;
    uint16_t ip_id;
    uint32_t ts_base;
};

struct Conn {
    std::deque<std::vector<uint8_t>> frames;
    TcpConnection c;
    uint32_t frame = 0;

    void send(Host& h, const Host& to, uint16_t sp, uint16_t dp, uint8_t flags, uint64_t t, bool client,
              std::optional<uint8_t> ttl = {}, std::optional<uint16_t> id = {}, bool ts = true,
              std::optional<uint32_t> tsval = {}) {
        gen::IpSpec ip;
        ip.src = h.ip;
        ip.dst = to.ip;
        ip.ttl = ttl.value_or(h.ttl);
        ip.ip_id = id.value_or(h.ip_id++);
        gen::TcpSpec tcp;
        tcp.sport = sp;
        tcp.dport = dp;
        tcp.flags = flags;
        tcp.seq = 1000;
        tcp.ack = (flags & kAck) ? 2000 : 0;
        tcp.window = 29200;
        if (ts) tcp.tsval = tsval.value_or(h.ts_base + uint32_t(t / kMs)), tcp.tsecr = 1;
        frames.push_back(gen::build_tcp({}, ip, tcp));
        PacketView v;
        EXPECT_EQ(decode_packet(frames.back().data(), uint32_t(frames.back().size()), v), DecodeStatus::kOk);
        v.ts_ns = t;
        v.frame = ++frame;
        if (frame == 1) tcp_start(c, v);
        tcp_update(c, v, client);
    }
};

// Outbound handshake seen on the outside: the cloud is 40 ms away, the Expressway-E next door.
Conn handshake(Host& exp, Host& cloud) {
    Conn k;
    k.send(exp, cloud, 28351, 5062, kSyn, 0, true);
    k.send(cloud, exp, 5062, 28351, kSyn | kAck, 40 * kMs, false);
    k.send(exp, cloud, 28351, 5062, kAck, 40 * kMs + 200000, true);
    k.send(exp, cloud, 28351, 5062, kAck | kPsh, 41 * kMs, true);
    k.send(cloud, exp, 5062, 28351, kAck | kPsh, 82 * kMs, false);
    k.send(exp, cloud, 28351, 5062, kAck | kPsh, 90 * kMs, true);
    return k;
}

}  // namespace

TEST(ResetFit, TheCloudsOwnResetFits) {
    Host exp{kExpE, 64, 100, 5000}, cloud{kWebex, 52, 7000, 900000};
    Conn k = handshake(exp, cloud);
    k.send(cloud, exp, 5062, 28351, kRst | kAck, 131 * kMs, false);
    ASSERT_TRUE(k.c.rst_seen);
    ResetFit f = judge_reset(k.c);
    EXPECT_EQ(f.ttl, FitVerdict::kFits);
    EXPECT_EQ(f.ip_id, FitVerdict::kFits);
    EXPECT_EQ(f.ts, FitVerdict::kFits);
    EXPECT_EQ(f.timing, FitVerdict::kFits);
    EXPECT_FALSE(f.forged());
    EXPECT_TRUE(f.reasons.empty());
}

TEST(ResetFit, AFirewallForgingTheCloudsResetIsCaught) {
    Host exp{kExpE, 64, 100, 5000}, cloud{kWebex, 52, 7000, 900000};
    Conn k = handshake(exp, cloud);
    // 150 us after the Expressway's packet, with the firewall's TTL and IP-ID and no timestamp.
    k.send(cloud, exp, 5062, 28351, kRst | kAck, 90 * kMs + 150000, false, uint8_t(255), uint16_t(40000), false);
    ResetFit f = judge_reset(k.c);
    EXPECT_EQ(f.ttl, FitVerdict::kMisfit);
    EXPECT_EQ(f.ip_id, FitVerdict::kMisfit);
    EXPECT_EQ(f.ts, FitVerdict::kMisfit);
    EXPECT_EQ(f.timing, FitVerdict::kMisfit);
    EXPECT_TRUE(f.forged());
    EXPECT_EQ(f.reasons.size(), 4u);
    EXPECT_EQ(f.latency_ns, 150000);
    EXPECT_EQ(f.sender_rtt_ns, 40 * kMs);
}

TEST(ResetFit, SoftSignsAloneDoNotConvict) {
    Host exp{kExpE, 64, 100, 5000}, cloud{kWebex, 52, 7000, 900000};
    Conn k = handshake(exp, cloud);
    // Right TTL and timing, but an IP-ID from elsewhere: one soft sign.
    k.send(cloud, exp, 5062, 28351, kRst | kAck, 131 * kMs, false, {}, uint16_t(60000));
    ResetFit f = judge_reset(k.c);
    EXPECT_EQ(f.ip_id, FitVerdict::kMisfit);
    EXPECT_FALSE(f.forged());
    // A timestamp running backwards as well: two soft signs.
    Conn k2 = handshake(exp, cloud);
    k2.send(cloud, exp, 5062, 28351, kRst | kAck, 131 * kMs, false, {}, uint16_t(60000), true, 5u);
    EXPECT_TRUE(judge_reset(k2.c).forged());
}

TEST(ResetFit, NothingKnownOfTheSenderMeansUnknownNotMisfit) {
    Host exp{kExpE, 64, 100, 5000}, cloud{kWebex, 52, 7000, 900000};
    Conn k;
    k.send(exp, cloud, 28351, 5062, kSyn, 0, true);
    k.send(cloud, exp, 5062, 28351, kRst | kAck, 40 * kMs, false, uint8_t(200));
    ResetFit f = judge_reset(k.c);
    EXPECT_EQ(f.ttl, FitVerdict::kUnknown);
    EXPECT_EQ(f.timing, FitVerdict::kUnknown);
    EXPECT_FALSE(f.forged());
}
