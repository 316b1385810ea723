#include "pipeline/ip_addr.h"

#include <arpa/inet.h>

#include <charconv>

namespace cs {

std::string IpAddr::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_v4()) inet_ntop(AF_INET, b + 12, buf, sizeof buf);
    else inet_ntop(AF_INET6, b, buf, sizeof buf);
    return buf;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
    // A stack copy for inet_pton's terminator: parsing is used on the worker path.
    char s[INET6_ADDRSTRLEN + 1];
    if (text.size() >= sizeof s) return std::nullopt;
    std::memcpy(s, text.data(), text.size());
    s[text.size()] = 0;
    uint8_t raw[16];
    if (inet_pton(AF_INET, s, raw) == 1) return v4_bytes(raw);
    if (inet_pton(AF_INET6, s, raw) == 1) return v6_bytes(raw);
    return std::nullopt;
}

bool IpPrefix::contains(const IpAddr& a) const {
    unsigned full = bits / 8, rest = bits % 8;
    if (std::memcmp(a.b, addr.b, full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = uint8_t(0xff << (8 - rest));
    return (a.b[full] & mask) == (addr.b[full] & mask);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    auto slash = text.find('/');
    auto ip = IpAddr::parse(text.substr(0, slash));
    if (!ip) return std::nullopt;
    unsigned max_len = ip->is_v4() ? 32 : 128;
    unsigned len = max_len;
    if (slash != std::string_view::npos) {
        auto num = text.substr(slash + 1);
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), len);
        if (ec != std::errc() || p != num.data() + num.size() || num.empty() || len > max_len) return std::nullopt;
    }
    IpPrefix pre;
    pre.bits = uint8_t(ip->is_v4() ? len + 96 : len);
    // Clear host bits so the prefix prints and compares canonically.
    pre.addr = *ip;
    for (unsigned i = 0; i < 16; ++i) {
        unsigned lo = i * 8;
        if (lo >= pre.bits) pre.addr.b[i] = 0;
        else if (lo + 8 > pre.bits) pre.addr.b[i] &= uint8_t(0xff << (8 - (pre.bits - lo)));
    }
    return pre;
}

std::string IpPrefix::to_string() const {
    bool v4 = addr.is_v4() && bits >= 96;
    return addr.to_string() + "/" + std::to_string(v4 ? bits - 96 : bits);
}

}  // namespace cs
