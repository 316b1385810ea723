// port_set: the monitored-ports spec grammar, its errors, and membership.
#include "pipeline/port_set.h"

#include <gtest/gtest.h>

namespace cs {
namespace {

PortSet parse_ok(std::string_view spec) {
    std::string err;
    auto p = PortSet::parse(spec, &err);
    EXPECT_TRUE(p.has_value()) << spec << ": " << err;
    return p.value_or(PortSet{});
}

std::string parse_err(std::string_view spec) {
    std::string err;
    auto p = PortSet::parse(spec, &err);
    EXPECT_FALSE(p.has_value()) << spec;
    EXPECT_FALSE(err.empty()) << spec;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
    return err;
}

TEST(PortSet, DefaultSpec) {
    PortSet p = parse_ok(PortSet::kDefaultSpec);
    // 53: DNS over TCP too (truncated answers).
    for (uint16_t port : {53, 5060, 5061, 5062, 5065, 8934}) EXPECT_TRUE(p.has(6, port)) << port;
    for (uint16_t port : {5059, 5063, 5064, 5066, 8933, 8935, 52, 54, 0, 65535}) EXPECT_FALSE(p.has(6, port)) << port;
    EXPECT_TRUE(p.has(17, 5060));
    EXPECT_TRUE(p.has(17, 53));
    EXPECT_FALSE(p.has(17, 5061));
    EXPECT_FALSE(p.has(1, 5060));  // ICMP has no ports
    EXPECT_EQ(p.spec(), PortSet::kDefaultSpec);
}

TEST(PortSet, MonitoredByEitherPort) {
    PortSet p = parse_ok(PortSet::kDefaultSpec);
    EXPECT_TRUE(p.monitored(6, 58531, 5062));
    EXPECT_TRUE(p.monitored(6, 5062, 58531));
    EXPECT_FALSE(p.monitored(6, 58531, 443));
    EXPECT_TRUE(p.monitored(17, 33000, 53));
    EXPECT_FALSE(p.monitored(17, 33000, 5062));
    EXPECT_FALSE(p.monitored(47, 5060, 5060));
}

// Every port of both protocols against the ranges written, edges of 64-bit
// words included: nothing set that was not asked for, nothing missed.
TEST(PortSet, EveryPortAgreesWithTheSpec) {
    PortSet p = parse_ok("tcp:63-64,127,128,1000-1100,65472,65535;udp:0,5060");
    auto tcp = [](uint32_t x) {
        return x == 63 || x == 64 || x == 127 || x == 128 || (x >= 1000 && x <= 1100) || x == 65472 || x == 65535;
    };
    for (uint32_t x = 0; x < 65536; ++x) {
        ASSERT_EQ(p.has(6, uint16_t(x)), tcp(x)) << "tcp " << x;
        ASSERT_EQ(p.has(17, uint16_t(x)), x == 0 || x == 5060) << "udp " << x;
        ASSERT_EQ(p.monitored(6, uint16_t(x), 443), tcp(x)) << x;
    }
    EXPECT_TRUE(p.any_udp());
    EXPECT_FALSE(parse_ok("tcp:5061").any_udp());
}

TEST(PortSet, AllMeansEveryPortOfBothProtocols) {
    for (const char* spec : {"all", "  all ", "ALL"}) {
        PortSet p = parse_ok(spec);
        for (uint16_t port : {0, 1, 443, 5062, 65535}) {
            EXPECT_TRUE(p.has(6, port)) << spec;
            EXPECT_TRUE(p.has(17, port)) << spec;
        }
        EXPECT_EQ(p.spec(), spec);
    }
}

TEST(PortSet, WhitespaceOrderAndCase) {
    PortSet p = parse_ok("  udp : 53 , 5060 ;\ttcp: 5060 - 5062 ,8934 ; ");
    EXPECT_TRUE(p.has(6, 5061));
    EXPECT_TRUE(p.has(6, 8934));
    EXPECT_FALSE(p.has(6, 53));
    EXPECT_TRUE(p.has(17, 53));
    EXPECT_TRUE(p.has(17, 5060));
    EXPECT_EQ(p.spec(), "  udp : 53 , 5060 ;\ttcp: 5060 - 5062 ,8934 ; ");
    PortSet q = parse_ok("TCP:443");
    EXPECT_TRUE(q.has(6, 443));
}

TEST(PortSet, OneProtocolOnly) {
    PortSet p = parse_ok("udp:5060");
    EXPECT_TRUE(p.has(17, 5060));
    EXPECT_FALSE(p.has(6, 5060));
}

TEST(PortSet, RangeEdgesAndRepeatedSections) {
    PortSet p = parse_ok("tcp:0-2,65534-65535;tcp:7;udp:9-9");
    for (uint16_t port : {0, 1, 2, 7, 65534, 65535}) EXPECT_TRUE(p.has(6, port)) << port;
    EXPECT_FALSE(p.has(6, 3));
    EXPECT_FALSE(p.has(6, 65533));
    EXPECT_TRUE(p.has(17, 9));
    EXPECT_FALSE(p.has(17, 8));
    EXPECT_FALSE(p.has(17, 10));
    PortSet all_tcp = parse_ok("tcp:0-65535");
    int n = 0;
    for (uint32_t port = 0; port <= 65535; ++port) n += all_tcp.has(6, uint16_t(port));
    EXPECT_EQ(n, 65536);
    EXPECT_FALSE(all_tcp.has(17, 1));
}

TEST(PortSet, Errors) {
    EXPECT_EQ(parse_err("tcp:5060,x"), "bad port 'x' in tcp list");
    EXPECT_EQ(parse_err("sctp:5060"), "unknown protocol 'sctp'");
    EXPECT_NE(parse_err("tcp:9-3").find("range 9-3 is reversed"), std::string::npos);
    EXPECT_NE(parse_err("").find("empty"), std::string::npos);
    EXPECT_NE(parse_err("   ").find("empty"), std::string::npos);
    EXPECT_NE(parse_err(" ; ;").find("empty"), std::string::npos);
    EXPECT_NE(parse_err("udp:70000").find("70000"), std::string::npos);
    EXPECT_NE(parse_err("udp:99999999999999999999").find("out of range"), std::string::npos);
    EXPECT_NE(parse_err("tcp:").find("empty tcp list"), std::string::npos);
    EXPECT_NE(parse_err("tcp:5060,,5061").find("empty entry"), std::string::npos);
    EXPECT_NE(parse_err("tcp:5060,").find("tcp"), std::string::npos);
    EXPECT_NE(parse_err("5060").find("no protocol"), std::string::npos);
    EXPECT_NE(parse_err(":5060").find("protocol"), std::string::npos);
    EXPECT_EQ(parse_err("udp:-5"), "bad port '' in udp list");
    EXPECT_EQ(parse_err("udp:1-2-3"), "bad port '2-3' in udp list");
    EXPECT_EQ(parse_err("tcp:+80"), "bad port '+80' in tcp list");
    EXPECT_EQ(parse_err("tcp:50 60"), "bad port '50 60' in tcp list");
    EXPECT_EQ(parse_err("udp:0x35"), "bad port '0x35' in udp list");
    EXPECT_NE(parse_err("all;tcp:5").find("'all' must be the whole spec"), std::string::npos);
    EXPECT_EQ(parse_err("all:5"), "unknown protocol 'all'");
}

TEST(PortSet, ErrorPointerMayBeNull) {
    EXPECT_FALSE(PortSet::parse("bogus", nullptr).has_value());
    EXPECT_TRUE(PortSet::parse("tcp:1", nullptr).has_value());
}

}  // namespace
}  // namespace cs
