// IpAddr: one IPv4 or IPv6 address as 16 bytes (IPv4 stored v4-mapped, ::ffff:a.b.c.d),
// so every table and comparison handles both families the same way.
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace cs {

struct IpAddr {
    uint8_t b[16] = {};

    static IpAddr v4(uint32_t host_order) {
        IpAddr a;
        a.b[10] = 0xff; a.b[11] = 0xff;
        a.b[12] = uint8_t(host_order >> 24); a.b[13] = uint8_t(host_order >> 16);
        a.b[14] = uint8_t(host_order >> 8);  a.b[15] = uint8_t(host_order);
        return a;
    }
    static IpAddr v4_bytes(const uint8_t* p) {
        IpAddr a;
        a.b[10] = 0xff; a.b[11] = 0xff;
        std::memcpy(a.b + 12, p, 4);
        return a;
    }
    static IpAddr v6_bytes(const uint8_t* p) {
        IpAddr a;
        std::memcpy(a.b, p, 16);
        return a;
    }
    bool is_v4() const {
        static constexpr uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(b, prefix, 12) == 0;
    }
    uint32_t v4_host_order() const {
        return uint32_t(b[12]) << 24 | uint32_t(b[13]) << 16 | uint32_t(b[14]) << 8 | b[15];
    }
    friend bool operator==(const IpAddr& x, const IpAddr& y) { return std::memcmp(x.b, y.b, 16) == 0; }
    friend bool operator!=(const IpAddr& x, const IpAddr& y) { return !(x == y); }
    friend bool operator<(const IpAddr& x, const IpAddr& y) { return std::memcmp(x.b, y.b, 16) < 0; }

    // Text form: dotted quad for IPv4, RFC 5952 for IPv6.
    std::string to_string() const;
    static std::optional<IpAddr> parse(std::string_view text);
};

// A network prefix, e.g. 64.102.241.0/24 or 2001:db8::/32 (IPv4 prefixes are kept v4-mapped).
struct IpPrefix {
    IpAddr addr;
    uint8_t bits = 0;  // prefix length over the 128-bit form
    bool contains(const IpAddr& a) const;
    static std::optional<IpPrefix> parse(std::string_view text);
    std::string to_string() const;
};

}  // namespace cs
