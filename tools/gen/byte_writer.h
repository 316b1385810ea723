// byte_writer: big-endian appends for the hand-built wire formats of the
// generator (Ethernet/IP/TCP headers, DNS, TLS records, NTP).
#pragma once
#include <cstdint>
#include <vector>

namespace cs::gen {

inline void put8(std::vector<uint8_t>& v, uint8_t x) { v.push_back(x); }
inline void put16(std::vector<uint8_t>& v, uint16_t x) {
    v.push_back(uint8_t(x >> 8));
    v.push_back(uint8_t(x));
}
inline void put24(std::vector<uint8_t>& v, uint32_t x) {
    put8(v, uint8_t(x >> 16));
    put16(v, uint16_t(x));
}
inline void put32(std::vector<uint8_t>& v, uint32_t x) {
    put16(v, uint16_t(x >> 16));
    put16(v, uint16_t(x));
}

}  // namespace cs::gen
