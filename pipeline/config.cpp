// Config parsing: CLI11 for the flags, yaml-cpp for --config FILE. Every value,
// from either source, goes through the same validators below, so a bad value
// gives the same one-line message naming where it came from ("--workers: ..."
// or "config FILE: limits.event_ring: ...").
#include "pipeline/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <set>

#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>

#include "signatures/rules.h"  // read_small_file

namespace cs {

namespace {

constexpr const char* kVersion = "callsentry 0.1.0";
constexpr double kMaxSeconds = 86400.0;
constexpr size_t kMaxConfigBytes = 1 << 20;  // a config file is a few hundred bytes

bool fail(std::string* error, const std::string& where, const std::string& what) {
    if (error) *error = where.empty() ? what : where + ": " + what;
    return false;
}

// ---- turning text into numbers, strictly (no sign on unsigned, no spaces, no "1e3" for counts)

bool to_u64(std::string_view s, uint64_t& v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

bool to_double(std::string_view s, double& v) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

// How an error shows the offending text: numbers bare, anything else quoted
// (and shortened), so `(got 0)` and `(got "abc")` read naturally.
std::string shown(std::string_view s) {
    double d;
    if (to_double(s, d)) return std::string(s);
    std::string out = "\"";
    size_t n = 0;
    for (char c : s) {
        if (++n > 60) {
            out += "...";
            break;
        }
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) out += ' ';  // keep the error on one line
        else out += c;
    }
    return out + "\"";
}

// One value to validate: where it came from, its text when it is a scalar,
// and how to show it in an error.
struct Value {
    std::string where;
    std::optional<std::string> text;  // nullopt: not a scalar (a list, a mapping, nothing)
    std::string got;

    static Value cli(std::string flag, const std::string& text) { return {std::move(flag), text, shown(text)}; }
};

bool get_uint(const Value& v, uint64_t lo, uint64_t hi, uint64_t& out, std::string* error) {
    uint64_t n = 0;
    const bool numeric = v.text && to_u64(*v.text, n);
    if (numeric && n >= lo && n <= hi) {
        out = n;
        return true;
    }
    if (hi == std::numeric_limits<uint64_t>::max())
        return fail(error, v.where, "must be a whole number, 0 or more (got " + v.got + ")");
    const std::string range = std::to_string(lo) + " and " + std::to_string(hi);
    double d = 0;
    const bool whole = v.text && to_double(*v.text, d) && d == std::trunc(d);  // e.g. -1, 1e9
    if (numeric || whole) return fail(error, v.where, "must be between " + range + " (got " + v.got + ")");
    return fail(error, v.where, "must be an integer between " + range + " (got " + v.got + ")");
}

template <typename T>
bool get_uint_as(const Value& v, uint64_t lo, uint64_t hi, T& out, std::string* error) {
    uint64_t n = 0;
    if (!get_uint(v, lo, hi, n, error)) return false;
    out = T(n);
    return true;
}

// Ring sizes: rte_ring (and our SPSC rings) need a power of two.
bool get_pow2(const Value& v, uint64_t lo, uint64_t hi, uint32_t& out, std::string* error) {
    uint64_t n = 0;
    if (v.text && to_u64(*v.text, n) && n >= lo && n <= hi && (n & (n - 1)) == 0) {
        out = uint32_t(n);
        return true;
    }
    return fail(error, v.where,
                "must be a power of two between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                    v.got + ")");
}

bool get_seconds(const Value& v, double& out, std::string* error) {
    double d = 0;
    if (!v.text || !to_double(*v.text, d) || d <= 0) return fail(error, v.where, "must be a positive number (got " + v.got + ")");
    if (d > kMaxSeconds) return fail(error, v.where, "must be at most 86400 seconds (got " + v.got + ")");
    out = d;
    return true;
}

bool get_bool(const Value& v, bool& out, std::string* error) {
    if (v.text) {
        std::string t = *v.text;
        for (auto& c : t) c = char(std::tolower(static_cast<unsigned char>(c)));
        if (t == "true" || t == "yes" || t == "on") return out = true, true;
        if (t == "false" || t == "no" || t == "off") return out = false, true;
    }
    return fail(error, v.where, "must be true or false (got " + v.got + ")");
}

bool get_string(const Value& v, const char* what, std::string& out, std::string* error) {
    if (!v.text) return fail(error, v.where, std::string("must be ") + what + " (got " + v.got + ")");
    out = *v.text;
    return true;
}

bool get_endpoint(const Value& v, std::string& out, std::string* error) {
    if (!v.text || v.text->find("://") == std::string::npos)
        return fail(error, v.where, "must be a ZeroMQ endpoint like tcp://127.0.0.1:5570 (got " + v.got + ")");
    out = *v.text;
    return true;
}

bool get_prefix(const Value& v, IpPrefix& out, std::string* error) {
    std::optional<IpPrefix> p;
    if (v.text) p = IpPrefix::parse(*v.text);
    if (!p) return fail(error, v.where, "must be an IP address or CIDR like 172.16.2.0/24 (got " + v.got + ")");
    out = *p;
    return true;
}

bool get_ports(const Value& v, PortSet& out, std::string* error) {
    if (!v.text) return fail(error, v.where, "must be a port spec like \"" + std::string(PortSet::kDefaultSpec) + "\" (got " + v.got + ")");
    std::string why;
    auto ps = PortSet::parse(*v.text, &why);
    if (!ps) return fail(error, v.where, "bad port spec " + shown(*v.text) + ": " + why);
    out = std::move(*ps);
    return true;
}

// ---- inputs

// A file that must exist and be readable (a PEM bundle, a rules file).
bool get_file(const Value& v, std::string& out, std::string* error) {
    if (!get_string(v, "a file path", out, error)) return false;
    if (access(out.c_str(), R_OK) != 0) return fail(error, v.where, out + ": " + std::strerror(errno));
    return true;
}

// A PEM bundle path, or (where allowed) "system" for the system trust store.
bool get_bundle(const Value& v, std::string& out, bool system_ok, std::string* error) {
    if (system_ok && v.text && *v.text == "system") {
        out = "system";
        return true;
    }
    return get_file(v, out, error);
}

bool valid_vantage(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

bool check_vantage(const std::string& where, const std::string& label, std::string* error) {
    if (valid_vantage(label)) return true;
    return fail(error, where, "bad vantage label " + shown(label) + " (1-32 of a-z 0-9 _ -)");
}

// The name ends up inside a DPDK vdev argument ("net_pcap0,rx_pcap=FILE",
// "net_af_packet0,iface=NAME"), where ',' separates arguments and cannot be escaped.
bool check_input_name(const std::string& where, const InputSpec& in, std::string* error) {
    const bool pcap = in.kind == InputSpec::kPcap;
    if (in.path.empty()) return fail(error, where, pcap ? "missing file name" : "missing interface name");
    if (in.path.find(',') != std::string::npos)
        return fail(error, where, shown(in.path) + ": DPDK cannot take a name containing ','");
    if (!pcap && (in.path.size() > 64 || in.path.find_first_of(" \t/=;") != std::string::npos))
        return fail(error, where, "bad interface name " + shown(in.path));
    return true;
}

// "[VANTAGE=]FILE" or "[VANTAGE=]NAME". For files, text before '=' is a vantage
// only when it holds no '/', so "/data/a=b.pcap" stays a path (write ./a=b.pcap
// for such a file in the current directory).
bool parse_input_arg(InputSpec::Kind kind, const std::string& where, const std::string& text, InputSpec& out,
                     std::string* error) {
    out = InputSpec{};
    out.kind = kind;
    out.path = text;
    auto eq = text.find('=');
    if (eq != std::string::npos && (kind == InputSpec::kIface || text.find('/') > eq)) {
        out.vantage = text.substr(0, eq);
        out.path = text.substr(eq + 1);
        if (!check_vantage(where, out.vantage, error)) return false;
    }
    return check_input_name(where, out, error);
}

bool check_readable(const std::string& where, const std::string& path, std::string* error) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return fail(error, where, "cannot read " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail(error, where, "cannot read " + path + ": " + std::strerror(EISDIR));
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(error, where, "cannot read " + path + ": " + std::strerror(errno));
    ::close(fd);
    return true;
}

// ---- the YAML file


class FileLoader {
public:
    FileLoader(const std::string& path, Config& cfg, std::string* error, std::vector<std::string>* input_where)
        : path_(path), cfg_(cfg), error_(error), input_where_(input_where) {}

    bool load() {
        std::string text, why;
        if (!read_small_file(path_, kMaxConfigBytes, text, why)) return fail(error_, "config " + path_, "cannot read: " + why);
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::ParserException& e) {
            return fail(error_, "config " + path_,
                        "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                            ": YAML syntax error: " + e.msg);
        } catch (const YAML::Exception& e) {
            return fail(error_, "config " + path_, std::string("YAML error: ") + e.what());
        }
        if (root.IsNull()) return true;  // an empty file: all defaults
        if (!root.IsMap()) return fail(error_, "config " + path_, "must be a mapping of keys (got " + describe(root) + ")");
        try {
            return top(root);
        } catch (const YAML::Exception& e) {  // not expected: every access is type checked first
            return fail(error_, "config " + path_, std::string("YAML error: ") + e.what());
        }
    }

private:
    enum Result { kOk, kFail, kUnknown };
    using Handler = std::function<Result(const std::string& key, const YAML::Node& v)>;

    std::string at(const std::string& key) const { return "config " + path_ + ": " + key; }

    static std::string describe(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Scalar: return shown(n.Scalar());
            case YAML::NodeType::Sequence: return "a list";
            case YAML::NodeType::Map: return "a mapping";
            default: return "nothing";
        }
    }

    Value value(const YAML::Node& n, const std::string& key) const {
        Value v{at(key), std::nullopt, describe(n)};
        if (n.IsScalar()) v.text = n.Scalar();
        return v;
    }

    // Walks a mapping strictly: every key a plain name, none twice, none unknown.
    bool each_key(const YAML::Node& map, const std::string& path, const Handler& handle) {
        if (!map.IsMap()) return fail(error_, at(path), "must be a mapping (got " + describe(map) + ")");
        std::set<std::string> seen;
        for (const auto& kv : map) {
            if (!kv.first.IsScalar())
                return fail(error_, "config " + path_, "keys must be plain names" + (path.empty() ? "" : " in " + path));
            const std::string key = kv.first.Scalar();
            const std::string full = path.empty() ? key : path + "." + key;
            if (!seen.insert(key).second) return fail(error_, "config " + path_, "duplicate key '" + full + "'");
            switch (handle(key, kv.second)) {
                case kOk: break;
                case kFail: return false;
                case kUnknown: return fail(error_, "config " + path_, "unknown key '" + full + "'");
            }
        }
        return true;
    }

    static Result ok(bool b) { return b ? kOk : kFail; }

    bool top(const YAML::Node& root) {
        return each_key(root, "", [&](const std::string& k, const YAML::Node& v) -> Result {
            if (k == "inputs") return ok(inputs(v));
            if (k == "local_networks") return ok(local_networks(v));
            if (k == "monitor_ports") return ok(get_ports(value(v, k), cfg_.monitor_ports, error_));
            if (k == "workers") return ok(get_uint_as(value(v, k), 1, 64, cfg_.workers, error_));
            if (k == "events_out") return ok(get_string(value(v, k), "a file path", cfg_.events_out, error_));
            if (k == "cache_dir") return ok(get_string(value(v, k), "a directory", cfg_.cache_dir, error_));
            if (k == "zmq") return ok(zmq(v));
            if (k == "max_packets")
                return ok(get_uint(value(v, k), 0, std::numeric_limits<uint64_t>::max(), cfg_.max_packets, error_));
            if (k == "pcap_loop") return ok(get_bool(value(v, k), cfg_.pcap_loop, error_));
            if (k == "events") return ok(events(v));
            if (k == "limits") return ok(limits(v));
            if (k == "timeouts") return ok(timeouts(v));
            if (k == "trust") return ok(trust(v));
            if (k == "identities") return ok(identities(v));
            if (k == "tls") return ok(tls(v));
            if (k == "sip") return ok(sip(v));
            if (k == "dns") return ok(dns(v));
            if (k == "eal_args") return ok(eal_args(v));
            return kUnknown;
        });
    }

    bool inputs(const YAML::Node& list) {
        if (!list.IsSequence()) return fail(error_, at("inputs"), "must be a list of {pcap: FILE} or {iface: NAME} (got " + describe(list) + ")");
        cfg_.inputs.clear();
        if (input_where_) input_where_->clear();
        for (size_t i = 0; i < list.size(); ++i) {
            const std::string path = "inputs[" + std::to_string(i) + "]";
            InputSpec in;
            int kinds = 0;
            bool good = each_key(list[i], path, [&](const std::string& k, const YAML::Node& v) -> Result {
                if (k == "pcap" || k == "iface") {
                    ++kinds;
                    in.kind = k == "pcap" ? InputSpec::kPcap : InputSpec::kIface;
                    return ok(get_string(value(v, path + "." + k), k == "pcap" ? "a file path" : "an interface name",
                                         in.path, error_));
                }
                if (k == "vantage") {
                    if (!get_string(value(v, path + ".vantage"), "a vantage label", in.vantage, error_)) return kFail;
                    return ok(check_vantage(at(path + ".vantage"), in.vantage, error_));
                }
                return kUnknown;
            });
            if (!good) return false;
            if (kinds != 1) return fail(error_, at(path), "needs exactly one of pcap: FILE or iface: NAME");
            const std::string where = at(path + (in.kind == InputSpec::kPcap ? ".pcap" : ".iface"));
            if (!check_input_name(where, in, error_)) return false;
            cfg_.inputs.push_back(in);
            if (input_where_) input_where_->push_back(where);
        }
        return true;
    }

    bool local_networks(const YAML::Node& list) {
        if (!list.IsSequence()) return fail(error_, at("local_networks"), "must be a list of CIDRs (got " + describe(list) + ")");
        cfg_.local_nets.clear();
        for (size_t i = 0; i < list.size(); ++i) {
            IpPrefix p;
            if (!get_prefix(value(list[i], "local_networks[" + std::to_string(i) + "]"), p, error_)) return false;
            cfg_.local_nets.push_back(p);
        }
        return true;
    }

    bool zmq(const YAML::Node& map) {
        std::optional<bool> enabled;
        std::optional<std::string> pub;
        bool good = each_key(map, "zmq", [&](const std::string& k, const YAML::Node& v) -> Result {
            const std::string key = "zmq." + k;
            if (k == "pub") {
                pub.emplace();
                return ok(get_endpoint(value(v, key), *pub, error_));
            }
            if (k == "enabled") {
                enabled.emplace();
                return ok(get_bool(value(v, key), *enabled, error_));
            }
            if (k == "wait_subscribers") return ok(get_uint_as(value(v, key), 0, 1024, cfg_.zmq_wait_subscribers, error_));
            if (k == "wait_timeout_s") return ok(get_seconds(value(v, key), cfg_.zmq_wait_timeout_s, error_));
            return kUnknown;
        });
        if (!good) return false;
        if (pub) cfg_.zmq_pub = *pub;
        if (enabled && !*enabled) cfg_.zmq_pub.clear();  // empty endpoint: no publisher
        if (enabled && *enabled && cfg_.zmq_pub.empty()) cfg_.zmq_pub = Config{}.zmq_pub;
        return true;
    }

    bool events(const YAML::Node& map) {
        return each_key(map, "events", [&](const std::string& k, const YAML::Node& v) -> Result {
            if (k == "emit_ok") return ok(get_bool(value(v, "events.emit_ok"), cfg_.emit_ok_events, error_));
            return kUnknown;
        });
    }

    bool limits(const YAML::Node& map) {
        Limits& l = cfg_.limits;
        return each_key(map, "limits", [&](const std::string& k, const YAML::Node& v) -> Result {
            const Value val = value(v, "limits." + k);
            if (k == "flows_per_worker") return ok(get_uint_as(val, 1024, 16u << 20, l.flows_per_worker, error_));
            if (k == "event_ring") return ok(get_pow2(val, 64, 1u << 20, l.event_ring, error_));
            if (k == "sip_ring") return ok(get_pow2(val, 64, 1u << 16, l.sip_ring, error_));
            if (k == "dns_ring") return ok(get_pow2(val, 64, 1u << 16, l.dns_ring, error_));
            if (k == "worker_ring") return ok(get_pow2(val, 64, 1u << 20, l.worker_ring, error_));
            if (k == "max_attempt_connections") return ok(get_uint_as(val, 1, 1024, l.max_attempt_connections, error_));
            return kUnknown;
        });
    }

    bool timeouts(const YAML::Node& map) {
        Timeouts& t = cfg_.timeouts;
        const std::pair<const char*, double*> fields[] = {
            {"syn_timeout_s", &t.syn_timeout_s},   {"failover_window_s", &t.failover_window_s},
            {"attempt_max_span_s", &t.attempt_max_span_s}, {"fold_window_s", &t.fold_window_s},
            {"tcp_idle_s", &t.tcp_idle_s},         {"tcp_closed_s", &t.tcp_closed_s},
            {"udp_idle_s", &t.udp_idle_s},         {"stats_interval_s", &t.stats_interval_s},
        };
        return each_key(map, "timeouts", [&](const std::string& k, const YAML::Node& v) -> Result {
            for (const auto& [name, field] : fields)
                if (k == name) return ok(get_seconds(value(v, "timeouts." + k), *field, error_));
            return kUnknown;
        });
    }

    bool trust(const YAML::Node& map) {
        return each_key(map, "trust", [&](const std::string& k, const YAML::Node& v) -> Result {
            if (k == "cloud_cas") return ok(get_bundle(value(v, "trust.cloud_cas"), cfg_.tls.cloud_cas, false, error_));
            if (k == "public_roots")
                return ok(get_bundle(value(v, "trust.public_roots"), cfg_.tls.public_roots, true, error_));
            return kUnknown;
        });
    }

    bool string_list(const YAML::Node& list, const std::string& key, const char* what, std::vector<std::string>& out) {
        if (!list.IsSequence()) return fail(error_, at(key), std::string("must be a list of ") + what + " (got " + describe(list) + ")");
        out.clear();
        for (size_t i = 0; i < list.size(); ++i) {
            std::string s;
            if (!get_string(value(list[i], key + "[" + std::to_string(i) + "]"), what, s, error_)) return false;
            out.push_back(s);
        }
        return true;
    }

    bool identities(const YAML::Node& map) {
        return each_key(map, "identities", [&](const std::string& k, const YAML::Node& v) -> Result {
            if (k == "expected") return ok(string_list(v, "identities.expected", "DNS names", cfg_.tls.expected_identities));
            if (k == "verified_domains")
                return ok(string_list(v, "identities.verified_domains", "domains", cfg_.tls.verified_domains));
            return kUnknown;
        });
    }

    bool tls(const YAML::Node& map) {
        return each_key(map, "tls", [&](const std::string& k, const YAML::Node& v) -> Result {
            const Value val = value(v, "tls." + k);
            if (k == "handshake_timeout_s") return ok(get_seconds(val, cfg_.tls.handshake_timeout_s, error_));
            if (k == "ok_interval_s") return ok(get_seconds(val, cfg_.tls.ok_interval_s, error_));
            if (k == "identity_rules") return ok(get_file(val, cfg_.tls.identity_rules, error_));
            return kUnknown;
        });
    }

    bool sip(const YAML::Node& map) {
        return each_key(map, "sip", [&](const std::string& k, const YAML::Node& v) -> Result {
            const Value val = value(v, "sip." + k);
            if (k == "rules") return ok(get_file(val, cfg_.sip.rules, error_));
            if (k == "max_message_bytes") return ok(get_uint_as(val, 256, 1u << 20, cfg_.sip.max_message_bytes, error_));
            if (k == "timer_b_s") return ok(get_seconds(val, cfg_.sip.timer_b_s, error_));
            if (k == "call_idle_s") return ok(get_seconds(val, cfg_.sip.call_idle_s, error_));
            if (k == "max_calls") return ok(get_uint_as(val, 1, 1u << 20, cfg_.sip.max_calls, error_));
            return kUnknown;
        });
    }

    bool dns(const YAML::Node& map) {
        return each_key(map, "dns", [&](const std::string& k, const YAML::Node& v) -> Result {
            const Value val = value(v, "dns." + k);
            if (k == "rules") return ok(get_file(val, cfg_.dns.rules, error_));
            if (k == "timeout_s") return ok(get_seconds(val, cfg_.dns.timeout_s, error_));
            if (k == "max_lookups") return ok(get_uint_as(val, 1, 1u << 20, cfg_.dns.max_lookups, error_));
            return kUnknown;
        });
    }

    bool eal_args(const YAML::Node& list) {
        if (!list.IsSequence()) return fail(error_, at("eal_args"), "must be a list of strings (got " + describe(list) + ")");
        cfg_.eal_args.clear();
        for (size_t i = 0; i < list.size(); ++i) {
            std::string arg;
            if (!get_string(value(list[i], "eal_args[" + std::to_string(i) + "]"), "a string", arg, error_)) return false;
            cfg_.eal_args.push_back(arg);
        }
        return true;
    }

    const std::string& path_;
    Config& cfg_;
    std::string* error_;
    std::vector<std::string>* input_where_;
};

// ---- checks on the merged result

bool check_inputs(const Config& cfg, const std::vector<std::string>& where, std::string* error) {
    if (cfg.inputs.empty()) return fail(error, "", "no input: give --pcap FILE or --iface NAME");
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < cfg.inputs.size(); ++i) {
        const InputSpec& in = cfg.inputs[i];
        const std::string& w = where[i];
        if (in.kind != cfg.inputs.front().kind)
            return fail(error, w, "cannot mix pcap files and live interfaces in one run (" + in.path + ")");
        if (!seen.insert({in.vantage, in.path}).second)
            return fail(error, w, "duplicate input " + in.vantage + "=" + in.path);
    }
    for (size_t i = 0; i < cfg.inputs.size(); ++i)
        if (cfg.inputs[i].kind == InputSpec::kPcap && !check_readable(where[i], cfg.inputs[i].path, error)) return false;
    return true;
}

std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

}  // namespace

bool load_config_file(const std::string& path, Config& cfg, std::string* error) {
    // Loads and type/range checks what the file holds; whether the inputs exist
    // is checked by parse_config once flags have had their say (a flag may
    // replace the file's inputs).
    cfg.config_file = path;
    return FileLoader(path, cfg, error, nullptr).load();
}

std::optional<Config> parse_config(int argc, char** argv, std::string* error, bool* exit_now) {
    if (exit_now) *exit_now = false;
    if (error) error->clear();

    // Everything after the first "--" belongs to DPDK's EAL, untouched.
    int cli_argc = argc;
    bool has_eal = false;
    std::vector<std::string> eal;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            cli_argc = i;
            has_eal = true;
            eal.assign(argv + i + 1, argv + argc);
            break;
        }
    }

    CLI::App app{"callsentry: watches SIP and mutual-TLS traffic between Expressway-E and Webex and publishes "
                 "one event per failed call attempt.",
                 "callsentry"};
    app.footer("Arguments after -- go to DPDK's EAL. Flags override --config FILE; a list given as flags "
               "replaces the file's list.");
    // Values are taken as text and checked by the validators above, so the
    // file and the flags share one set of rules and messages.
    std::vector<std::string> pcaps, ifaces, nets;
    std::string config_file, ports, workers, events_out, zmq_pub, max_packets, wait_subs, wait_timeout, syn_timeout,
        failover, fold, stats;
    bool pcap_loop = false, no_zmq = false, no_ok = false, version = false;

    auto multi = [&](const char* name, std::vector<std::string>& into, const char* type, const char* help) {
        return app.add_option(name, into, help)->type_name(type)->expected(1)->allow_extra_args(false)->take_all();
    };
    auto* o_pcap = multi("--pcap", pcaps, "[VANTAGE=]FILE", "read packets from a pcap file (vantage default: outside)");
    auto* o_iface = multi("--iface", ifaces, "[VANTAGE=]NAME", "capture live from an interface");
    auto* o_config = app.add_option("--config", config_file, "YAML configuration file")->type_name("FILE");
    auto* o_nets = multi("--local-net", nets, "CIDR", "the on-premises side (address or prefix); repeatable");
    auto* o_ports = app.add_option("--monitor-ports", ports, std::string("monitored ports (default \"") +
                                                                 PortSet::kDefaultSpec + "\")")->type_name("SPEC");
    auto* o_workers = app.add_option("--workers", workers, "worker lcores, 1-64 (default: lcores minus one)")->type_name("N");
    auto* o_events = app.add_option("--events-out", events_out, "also write events as JSON lines to FILE")->type_name("FILE");
    auto* o_zmq = app.add_option("--zmq-pub", zmq_pub, "ZeroMQ PUB endpoint (default tcp://127.0.0.1:5570)")->type_name("ENDPOINT");
    auto* o_no_zmq = app.add_flag("--no-zmq", no_zmq, "no ZeroMQ publisher");
    auto* o_wait = app.add_option("--zmq-wait-subscribers", wait_subs,
                                  "offline: wait until N subscribers have subscribed before reading packets")->type_name("N");
    auto* o_wait_t = app.add_option("--zmq-wait-timeout", wait_timeout, "... for at most this long (default 5)")->type_name("SECONDS");
    auto* o_max = app.add_option("--max-packets", max_packets, "stop after N packets (0: no limit)")->type_name("N");
    auto* o_loop = app.add_flag("--pcap-loop", pcap_loop, "replay the pcap files endlessly");
    auto* o_syn = app.add_option("--syn-timeout", syn_timeout, "unanswered SYN after this long (default 10)")->type_name("S");
    auto* o_failover = app.add_option("--failover-window", failover, "connects this close join one attempt (default 12)")->type_name("S");
    auto* o_fold = app.add_option("--fold-window", fold, "repeats of a failure within this fold into one event (default 300)")->type_name("S");
    auto* o_stats = app.add_option("--stats-interval", stats, "period of the callsentry.stats event (default 10)")->type_name("S");
    auto* o_no_ok = app.add_flag("--no-ok-events", no_ok, "do not publish events for healthy calls");
    std::string cloud_cas, public_roots, identity_rules;
    std::vector<std::string> verified_domains;
    auto* o_cloud_cas = app.add_option("--trust-cloud-cas", cloud_cas, "PEM bundle of the CAs on-prem should trust for the cloud")->type_name("FILE");
    auto* o_public_roots = app.add_option("--trust-public-roots", public_roots, "PEM bundle of the roots the cloud trusts (default: system)")->type_name("FILE");
    auto* o_domains = app.add_option("--verified-domain", verified_domains, "an organisation's verified domain (repeatable)")->type_name("DOMAIN");
    auto* o_rules = app.add_option("--identity-rules", identity_rules, "Hyperscan rules for TLS identities")->type_name("FILE");
    std::string sip_rules, sip_max, cache_dir, dns_rules;
    auto* o_dns_rules = app.add_option("--dns-rules", dns_rules, "Hyperscan rules for watched DNS names")->type_name("FILE");
    auto* o_cache = app.add_option("--cache-dir", cache_dir,
                                   "cache of compiled signatures (default /var/cache/callsentry; '' for none)")->type_name("DIR");
    auto* o_sip_rules = app.add_option("--sip-rules", sip_rules, "Hyperscan rules for SIP messages")->type_name("FILE");
    auto* o_sip_max = app.add_option("--sip-max-message-bytes", sip_max,
                                     "SIP messages larger than this are too large for the receiver (default 5000)")->type_name("N");
    app.add_flag("--version", version, "print the version and exit");

    try {
        app.parse(cli_argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        if (exit_now) *exit_now = true;
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        fail(error, "", one_line(e.what()));
        return std::nullopt;
    }
    if (version) {
        std::cout << kVersion << "\n";
        if (exit_now) *exit_now = true;
        return std::nullopt;
    }

    Config cfg;
    {
        std::string why;
        auto ps = PortSet::parse(PortSet::kDefaultSpec, &why);
        if (!ps) {
            fail(error, "internal", "default port spec: " + why);
            return std::nullopt;
        }
        cfg.monitor_ports = std::move(*ps);
    }

    std::vector<std::string> input_where;
    std::string wait_where = "zmq.wait_subscribers";
    if (o_config->count()) {
        cfg.config_file = config_file;
        if (!FileLoader(config_file, cfg, error, &input_where).load()) return std::nullopt;
        wait_where = "config " + config_file + ": zmq.wait_subscribers";
    }

    // Flags over the file; a list given as flags replaces the file's list.
    if (o_pcap->count() || o_iface->count()) {
        cfg.inputs.clear();
        input_where.clear();
        auto add = [&](InputSpec::Kind kind, const char* flag, const std::vector<std::string>& args) {
            for (const auto& a : args) {
                InputSpec in;
                if (!parse_input_arg(kind, flag, a, in, error)) return false;
                cfg.inputs.push_back(in);
                input_where.push_back(flag);
            }
            return true;
        };
        if (!add(InputSpec::kPcap, "--pcap", pcaps) || !add(InputSpec::kIface, "--iface", ifaces)) return std::nullopt;
    }
    if (o_nets->count()) {
        cfg.local_nets.clear();
        for (const auto& n : nets) {
            IpPrefix p;
            if (!get_prefix(Value::cli("--local-net", n), p, error)) return std::nullopt;
            cfg.local_nets.push_back(p);
        }
    }
    bool good = true;
    auto flag = [&](CLI::Option* o, const char* name, const std::string& text, auto&& apply) {
        if (good && o->count()) good = apply(Value::cli(name, text));
    };
    flag(o_ports, "--monitor-ports", ports, [&](const Value& v) { return get_ports(v, cfg.monitor_ports, error); });
    flag(o_workers, "--workers", workers, [&](const Value& v) { return get_uint_as(v, 1, 64, cfg.workers, error); });
    flag(o_events, "--events-out", events_out, [&](const Value& v) { return get_string(v, "a file path", cfg.events_out, error); });
    flag(o_zmq, "--zmq-pub", zmq_pub, [&](const Value& v) { return get_endpoint(v, cfg.zmq_pub, error); });
    flag(o_wait, "--zmq-wait-subscribers", wait_subs, [&](const Value& v) {
        wait_where = "--zmq-wait-subscribers";
        return get_uint_as(v, 0, 1024, cfg.zmq_wait_subscribers, error);
    });
    flag(o_wait_t, "--zmq-wait-timeout", wait_timeout, [&](const Value& v) { return get_seconds(v, cfg.zmq_wait_timeout_s, error); });
    flag(o_max, "--max-packets", max_packets, [&](const Value& v) {
        return get_uint(v, 0, std::numeric_limits<uint64_t>::max(), cfg.max_packets, error);
    });
    flag(o_syn, "--syn-timeout", syn_timeout, [&](const Value& v) { return get_seconds(v, cfg.timeouts.syn_timeout_s, error); });
    flag(o_failover, "--failover-window", failover, [&](const Value& v) { return get_seconds(v, cfg.timeouts.failover_window_s, error); });
    flag(o_fold, "--fold-window", fold, [&](const Value& v) { return get_seconds(v, cfg.timeouts.fold_window_s, error); });
    flag(o_stats, "--stats-interval", stats, [&](const Value& v) { return get_seconds(v, cfg.timeouts.stats_interval_s, error); });
    flag(o_cloud_cas, "--trust-cloud-cas", cloud_cas, [&](const Value& v) { return get_bundle(v, cfg.tls.cloud_cas, false, error); });
    flag(o_public_roots, "--trust-public-roots", public_roots, [&](const Value& v) { return get_bundle(v, cfg.tls.public_roots, true, error); });
    flag(o_rules, "--identity-rules", identity_rules, [&](const Value& v) { return get_file(v, cfg.tls.identity_rules, error); });
    if (good && o_cache->count()) cfg.cache_dir = cache_dir;
    flag(o_dns_rules, "--dns-rules", dns_rules, [&](const Value& v) { return get_file(v, cfg.dns.rules, error); });
    flag(o_sip_rules, "--sip-rules", sip_rules, [&](const Value& v) { return get_file(v, cfg.sip.rules, error); });
    flag(o_sip_max, "--sip-max-message-bytes", sip_max, [&](const Value& v) {
        return get_uint_as(v, 256, 1u << 20, cfg.sip.max_message_bytes, error);
    });
    if (good && o_domains->count()) cfg.tls.verified_domains = verified_domains;
    if (!good) return std::nullopt;
    if (o_no_zmq->count()) {
        if (o_zmq->count()) {
            fail(error, "--no-zmq", "cannot be combined with --zmq-pub");
            return std::nullopt;
        }
        cfg.zmq_pub.clear();
    }
    if (o_loop->count()) cfg.pcap_loop = pcap_loop;
    if (o_no_ok->count()) cfg.emit_ok_events = false;
    if (has_eal) cfg.eal_args = eal;

    if (!check_inputs(cfg, input_where, error)) return std::nullopt;
    if (cfg.zmq_wait_subscribers > 0 && cfg.zmq_pub.empty()) {
        fail(error, wait_where, "needs the ZeroMQ publisher, which is disabled");
        return std::nullopt;
    }
    return cfg;
}

}  // namespace cs
