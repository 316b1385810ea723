#include "pipeline/port_set.h"

#include <charconv>

namespace cs {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Splits `s` at the first `sep`; `s` keeps what follows it.
std::string_view take_until(std::string_view& s, char sep) {
    size_t at = s.find(sep);
    std::string_view head = s.substr(0, at);
    s = at == std::string_view::npos ? std::string_view{} : s.substr(at + 1);
    return head;
}

bool fail(std::string* error, std::string msg) {
    if (error) *error = std::move(msg);
    return false;
}

// A port is decimal digits only: "+80", "0x50" or "80 80" are typos, not ports.
bool parse_port(std::string_view text, std::string_view proto, uint16_t* port, std::string* error) {
    text = trim(text);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bool digits_only = !text.empty() && end == text.data() + text.size();
    if (!digits_only) {
        return fail(error, "bad port '" + std::string(text) + "' in " + std::string(proto) + " list");
    }
    if (ec == std::errc::result_out_of_range || value > 65535) {
        return fail(error, "port " + std::string(text) + " out of range 0-65535 in " + std::string(proto) + " list");
    }
    *port = uint16_t(value);
    return true;
}

bool parse_list(std::string_view list, std::string_view proto, std::bitset<65536>& bits, std::string* error) {
    if (trim(list).empty()) return fail(error, "empty " + std::string(proto) + " list");
    while (true) {
        bool last = list.find(',') == std::string_view::npos;
        std::string_view item = trim(take_until(list, ','));
        if (item.empty()) return fail(error, "empty entry in " + std::string(proto) + " list");
        size_t dash = item.find('-');
        uint16_t lo = 0, hi = 0;
        if (dash == std::string_view::npos) {
            if (!parse_port(item, proto, &lo, error)) return false;
            hi = lo;
        } else {
            if (!parse_port(item.substr(0, dash), proto, &lo, error)) return false;
            if (!parse_port(item.substr(dash + 1), proto, &hi, error)) return false;
            if (lo > hi) {
                return fail(error, "range " + std::to_string(lo) + "-" + std::to_string(hi) + " is reversed in " +
                                       std::string(proto) + " list");
            }
        }
        for (uint32_t p = lo; p <= hi; ++p) bits.set(p);
        if (last) return true;
    }
}

}  // namespace

std::optional<PortSet> PortSet::parse(std::string_view spec, std::string* error) {
    PortSet set;
    set.spec_ = std::string(spec);
    std::string_view rest = trim(spec);
    if (rest.empty()) {
        fail(error, "empty port spec");
        return std::nullopt;
    }
    if (iequals(rest, "all")) {
        set.tcp_.set();
        set.udp_.set();
        return set;
    }
    bool any = false;
    while (!rest.empty()) {
        std::string_view section = trim(take_until(rest, ';'));
        if (section.empty()) continue;  // tolerate "tcp:5060;" and ";;"
        size_t colon = section.find(':');
        if (iequals(section, "all")) {
            fail(error, "'all' must be the whole spec, not one section of it");
            return std::nullopt;
        }
        if (colon == std::string_view::npos) {
            fail(error, "section '" + std::string(section) + "' has no protocol (expected tcp:... or udp:...)");
            return std::nullopt;
        }
        std::string_view proto = trim(section.substr(0, colon));
        std::bitset<65536>* bits = nullptr;
        if (iequals(proto, "tcp")) bits = &set.tcp_;
        else if (iequals(proto, "udp")) bits = &set.udp_;
        else {
            fail(error, proto.empty() ? std::string("missing protocol before ':'")
                                      : "unknown protocol '" + std::string(proto) + "'");
            return std::nullopt;
        }
        const char* name = bits == &set.tcp_ ? "tcp" : "udp";
        // A repeated section adds to the first one, as a list of rules would.
        if (!parse_list(section.substr(colon + 1), name, *bits, error)) return std::nullopt;
        any = true;
    }
    if (!any) {
        fail(error, "empty port spec");
        return std::nullopt;
    }
    return set;
}

}  // namespace cs
