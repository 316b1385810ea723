#include "pipeline/decode.h"

#include "pipeline/decode_frame.h"

namespace cs {

const char* decode_status_name(DecodeStatus s) {
    switch (s) {
        case DecodeStatus::kOk: return "ok";
        case DecodeStatus::kNotIp: return "not_ip";
        case DecodeStatus::kNotTcpUdp: return "not_tcp_udp";
        case DecodeStatus::kFragment: return "fragment";
        case DecodeStatus::kTruncatedEthernet: return "truncated_ethernet";
        case DecodeStatus::kTruncatedVlan: return "truncated_vlan";
        case DecodeStatus::kTooManyVlans: return "too_many_vlans";
        case DecodeStatus::kTruncatedIpv4: return "truncated_ipv4";
        case DecodeStatus::kBadIpv4Header: return "bad_ipv4_header";
        case DecodeStatus::kBadIpv4Length: return "bad_ipv4_length";
        case DecodeStatus::kTruncatedIpv6: return "truncated_ipv6";
        case DecodeStatus::kBadIpv6Length: return "bad_ipv6_length";
        case DecodeStatus::kBadIpv6ExtHeader: return "bad_ipv6_ext_header";
        case DecodeStatus::kTruncatedTcp: return "truncated_tcp";
        case DecodeStatus::kBadTcpOffset: return "bad_tcp_offset";
        case DecodeStatus::kBadTcpOption: return "bad_tcp_option";
        case DecodeStatus::kTruncatedUdp: return "truncated_udp";
        case DecodeStatus::kBadUdpLength: return "bad_udp_length";
        case DecodeStatus::kCount: break;
    }
    return "unknown";
}

DecodeStatus decode_packet(const uint8_t* data, uint32_t len, PacketView& out) { return decode_frame(data, len, out); }

}  // namespace cs
