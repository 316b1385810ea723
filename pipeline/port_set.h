// PortSet: the monitored TCP and UDP ports, as two 64 Ki-bit maps, parsed from
// a spec like "tcp:5060-5062,5065,8934;udp:5060,53" or "all".
#pragma once
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cs {

class PortSet {
public:
    static constexpr const char* kDefaultSpec = "tcp:53,5060-5062,5065,8934;udp:5060,53";
    // nullopt and a one-line reason in *error when the spec is malformed.
    static std::optional<PortSet> parse(std::string_view spec, std::string* error);

    // A flow is monitored when either of its ports is in the set of its protocol.
    bool monitored(uint8_t proto, uint16_t sport, uint16_t dport) const {
        const auto& m = proto == 6 ? tcp_ : udp_;
        if (proto != 6 && proto != 17) return false;
        return m[sport] || m[dport];
    }
    bool has(uint8_t proto, uint16_t port) const { return proto == 6 ? tcp_[port] : proto == 17 && udp_[port]; }
    bool any_udp() const { return udp_.any(); }
    const std::string& spec() const { return spec_; }

private:
    std::bitset<65536> tcp_, udp_;
    std::string spec_;
};

}  // namespace cs
