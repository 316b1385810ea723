// sip_text: the ASCII text helpers the SIP and SDP parsers share: case-
// insensitive comparison (header, parameter and codec names), trimming of
// linear white space (a fold's CR LF counts as white space), and bounded
// decimal numbers. Header-only, no state.
#pragma once
#include <cstdint>
#include <string_view>

namespace cs::sip_text {

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c; }

constexpr bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequal(s.substr(0, prefix.size()), prefix);
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// SP, HT, and the CR and LF that a folded header value keeps (RFC 3261 §7.3.1:
// a fold is equivalent to one SP).
constexpr bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr std::string_view trim(std::string_view s) {
    while (!s.empty() && is_lws(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_lws(s.back())) s.remove_suffix(1);
    return s;
}

// A decimal number, digits only (1 to 10 of them, leading zeros allowed), not
// above max. Signs, spaces and overflow are refused.
constexpr bool parse_decimal(std::string_view s, uint32_t max, uint32_t* out) {
    size_t i = 0;
    while (i < s.size() && s[i] == '0') ++i;  // leading zeros do not count towards the length bound
    if (s.empty() || s.size() - i > 10) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        v = v * 10 + uint64_t(c - '0');
    }
    if (v > max) return false;
    *out = uint32_t(v);
    return true;
}

}  // namespace cs::sip_text
