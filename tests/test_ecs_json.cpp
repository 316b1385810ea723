// ecs_json: timestamps, Community ID (against the spec's published vectors) and
// the JSON fragments every event shares.
#include "pipeline/ecs_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace cs {
namespace {

IpAddr ip(const char* s) {
    auto a = IpAddr::parse(s);
    EXPECT_TRUE(a) << s;
    return a.value_or(IpAddr{});
}

constexpr uint64_t kSec = 1000000000ull;

TEST(Iso8601, MillisecondsFromNanoseconds) {
    EXPECT_EQ(iso8601_ms(1505918958 * kSec + 724000000), "2017-09-20T14:49:18.724Z");
    EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(iso8601_ms(5 * kSec + 7000000), "1970-01-01T00:00:05.007Z");  // zero padded
}

TEST(Iso8601, TruncatesNeverRoundsUp) {
    // 724.9999 ms stays .724; .9999999 s stays in the same second, and the
    // last nanosecond of a leap day stays on that day.
    EXPECT_EQ(iso8601_ms(1505918958 * kSec + 724999999), "2017-09-20T14:49:18.724Z");
    EXPECT_EQ(iso8601_ms(1456790399 * kSec + 999999999), "2016-02-29T23:59:59.999Z");
    EXPECT_EQ(iso8601_us(1456790399 * kSec + 999999999), "2016-02-29T23:59:59.999999Z");
}

TEST(Iso8601, Microseconds) {
    EXPECT_EQ(iso8601_us(1505918958 * kSec + 724312000), "2017-09-20T14:49:18.724312Z");
    EXPECT_EQ(iso8601_us(1505918958 * kSec + 724312999), "2017-09-20T14:49:18.724312Z");
    EXPECT_EQ(iso8601_us(1505918958 * kSec + 1000), "2017-09-20T14:49:18.000001Z");
}

// Published vectors: corelight/community-id-spec baseline/baseline_deflt.json
// (seed 0) and Zeek's community_id_v1 test (seed 1).
struct Vector {
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport;
    uint16_t seed;
    const char* id;
};

class CommunityId : public ::testing::TestWithParam<Vector> {};

TEST_P(CommunityId, MatchesSpecInBothDirections) {
    const Vector& v = GetParam();
    EXPECT_EQ(community_id_v1(ip(v.saddr), ip(v.daddr), v.sport, v.dport, v.proto, v.seed), v.id);
    if (v.proto != 1 && v.proto != 58) {
        // The reply direction must give the same id (ICMP vectors list their reply separately).
        EXPECT_EQ(community_id_v1(ip(v.daddr), ip(v.saddr), v.dport, v.sport, v.proto, v.seed), v.id);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Spec, CommunityId,
    ::testing::Values(
        Vector{6, "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
        Vector{6, "66.35.250.204", "128.232.110.120", 80, 34855, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
        Vector{6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
        Vector{17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
        Vector{17, "192.168.1.52", "8.8.8.8", 54585, 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
        Vector{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0,
               "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
        Vector{132, "192.168.170.8", "192.168.170.56", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
        Vector{46, "10.1.12.1", "10.1.12.2", 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},  // no ports hashed
        Vector{1, "192.168.0.89", "192.168.0.1", 8, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
        Vector{1, "192.168.0.1", "192.168.0.89", 0, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
        Vector{1, "10.0.0.1", "10.0.0.2", 11, 0, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},  // one-way
        Vector{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, 0,
               "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
        Vector{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, 0,
               "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
        Vector{58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0,
               "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
        Vector{6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
        Vector{17, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="}));

TEST(CommunityIdOrder, SameAddressOrdersByPort) {
    // Equal addresses: the smaller port goes first, so both directions agree.
    IpAddr a = ip("10.0.0.1");
    EXPECT_EQ(community_id_v1(a, a, 5060, 40000, 17), community_id_v1(a, a, 40000, 5060, 17));
    // ... and the seed and protocol matter.
    EXPECT_NE(community_id_v1(a, a, 5060, 40000, 17), community_id_v1(a, a, 5060, 40000, 6));
    EXPECT_NE(community_id_v1(a, a, 5060, 40000, 17, 0), community_id_v1(a, a, 5060, 40000, 17, 1));
}

std::string render(void (*fn)(JsonWriter&)) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    fn(w);
    w.EndObject();
    return sb.GetString();
}

TEST(EcsJson, Endpoint) {
    EXPECT_EQ(render([](JsonWriter& w) { write_endpoint(w, "source", ip("146.20.193.73"), 58531); }),
              R"({"source":{"ip":"146.20.193.73","port":58531}})");
    EXPECT_EQ(render([](JsonWriter& w) { write_endpoint(w, "destination", ip("2001:db8::0:1"), 5062); }),
              R"({"destination":{"ip":"2001:db8::1","port":5062}})");
}

TEST(EcsJson, SecondsAreMicrosecondNumbers) {
    EXPECT_EQ(render([](JsonWriter& w) { w.Key("d"); write_seconds(w, 1049312000); }), R"({"d":1.049312})");
    EXPECT_EQ(render([](JsonWriter& w) { w.Key("d"); write_seconds(w, 1049312999); }), R"({"d":1.049312})");
    EXPECT_EQ(render([](JsonWriter& w) { w.Key("d"); write_seconds(w, 12 * 1000000000ll); }), R"({"d":12.0})");
    EXPECT_EQ(render([](JsonWriter& w) { w.Key("d"); write_seconds(w, 999); }), R"({"d":0.0})");
    EXPECT_EQ(render([](JsonWriter& w) { w.Key("d"); write_seconds(w, -250000); }), R"({"d":-0.00025})");
}

TEST(EcsJson, EscapingRoundTrips) {
    // Certificate subjects and SIP headers carry quotes, backslashes and control
    // bytes; the writer must escape them so the event stays one valid JSON line.
    const std::string nasty = "CN=\"evil\\co\"\n\t\x01 <Webex> \xc3\xa9";
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("reason");
    w.String(nasty.data(), rapidjson::SizeType(nasty.size()));
    w.EndObject();
    std::string out = sb.GetString();
    EXPECT_EQ(out.find('\n'), std::string::npos);
    EXPECT_NE(out.find(R"(\"evil\\co\")"), std::string::npos) << out;
    EXPECT_NE(out.find(R"(\u0001)"), std::string::npos) << out;

    rapidjson::Document d;
    d.Parse(out.c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_EQ(std::string(d["reason"].GetString(), d["reason"].GetStringLength()), nasty);
}

}  // namespace
}  // namespace cs
