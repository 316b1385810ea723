#include "pipeline/ecs_json.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

namespace cs {

namespace {

// Splits ns since the epoch into a UTC calendar time and the nanoseconds
// within that second. Packet time is never before 1970, so unsigned is fine.
void split_time(uint64_t ts_ns, std::tm& tm, uint64_t& sub_ns) {
    time_t secs = time_t(ts_ns / 1000000000ull);
    sub_ns = ts_ns % 1000000000ull;
    gmtime_r(&secs, &tm);
}

// Timestamps truncate, never round: rounding 59.9996 up would print the next
// second (or the next day), and an event must never appear to come after the
// packet that decided it.
std::string iso8601(uint64_t ts_ns, int digits) {
    std::tm tm{};
    uint64_t sub_ns = 0;
    split_time(ts_ns, tm, sub_ns);
    unsigned frac = digits == 3 ? unsigned(sub_ns / 1000000) : unsigned(sub_ns / 1000);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%0*uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits, frac);
    return buf;
}

// ICMP has no ports; the spec maps type/code to a port pair so that a request
// and its reply hash alike (Zeek's ICMP4_counterpart / ICMP6_counterpart).
// Returns false for a one-way message type (no counterpart): never reordered.
bool icmp_counterpart(uint8_t proto, uint16_t type, uint16_t& counterpart) {
    struct Pair { uint16_t a, b; };
    static constexpr Pair v4[] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                  {10, 9}, {17, 18}, {18, 17}};
    static constexpr Pair v6[] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                  {136, 135}, {130, 131}, {131, 130}, {139, 140}, {140, 139},
                                  {144, 145}, {145, 144}};
    auto find = [&](const auto& table) {
        for (const auto& p : table)
            if (p.a == type) {
                counterpart = p.b;
                return true;
            }
        return false;
    };
    return proto == 1 ? find(v4) : find(v6);
}

}  // namespace

std::string iso8601_ms(uint64_t ts_ns) { return iso8601(ts_ns, 3); }
std::string iso8601_us(uint64_t ts_ns) { return iso8601(ts_ns, 6); }

std::string community_id_v1(const IpAddr& saddr, const IpAddr& daddr, uint16_t sport, uint16_t dport,
                            uint8_t proto, uint16_t seed) {
    constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmp6 = 58, kSctp = 132;
    const bool has_ports = proto == kTcp || proto == kUdp || proto == kSctp || proto == kIcmp || proto == kIcmp6;

    bool one_way = false;
    if (proto == kIcmp || proto == kIcmp6) {
        // sport carries the ICMP type, dport the code.
        uint16_t counterpart = 0;
        if (icmp_counterpart(proto, sport, counterpart)) dport = counterpart;
        else one_way = true;
    }

    // Smaller (address, port) first. Both addresses are one family, so comparing
    // the 16-byte (v4-mapped) form orders them as the spec's raw bytes would.
    const IpAddr* a = &saddr;
    const IpAddr* b = &daddr;
    if (!one_way && !(saddr < daddr || (saddr == daddr && sport < dport))) {
        std::swap(a, b);
        std::swap(sport, dport);
    }

    // seed(2) addr addr proto(1) pad(1) [sport(2) dport(2)], all network order.
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = uint8_t(seed >> 8);
    buf[n++] = uint8_t(seed);
    const size_t alen = a->is_v4() && b->is_v4() ? 4 : 16;
    std::memcpy(buf + n, a->b + 16 - alen, alen);
    n += alen;
    std::memcpy(buf + n, b->b + 16 - alen, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (has_ports) {
        buf[n++] = uint8_t(sport >> 8);
        buf[n++] = uint8_t(sport);
        buf[n++] = uint8_t(dport >> 8);
        buf[n++] = uint8_t(dport);
    }

    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(buf, n, digest);
    unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    int len = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
    return "1:" + std::string(reinterpret_cast<const char*>(b64), size_t(len));
}

void write_endpoint(JsonWriter& w, const char* key, const IpAddr& ip, uint16_t port) {
    w.Key(key);
    w.StartObject();
    w.Key("ip");
    w.String(ip.to_string().c_str());
    w.Key("port");
    w.Uint(port);
    w.EndObject();
}

void write_seconds(JsonWriter& w, int64_t ns) {
    // Truncated to whole microseconds (like the timestamps); the double nearest
    // a 6-decimal value prints back as that value, so 1049312000 ns -> 1.049312.
    int64_t us = ns / 1000;
    w.Double(double(us) / 1e6);
}

}  // namespace cs
