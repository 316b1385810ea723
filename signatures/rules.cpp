#include "signatures/rules.h"

#include <hs/hs.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace cs {
namespace {

constexpr std::string_view kFieldNames[kFieldCount] = {"sni", "subject_cn", "san", "issuer", "subject", "message", "qname"};

struct FlagName {
    std::string_view name;
    unsigned flag;
};
// PREFILTER (false positives), SOM_LEFTMOST (we only want "did it match") and
// COMBINATION / QUIET (logic between patterns belongs in separate rules) are
// deliberately not offered.
constexpr FlagName kFlags[] = {
    {"caseless", HS_FLAG_CASELESS}, {"dotall", HS_FLAG_DOTALL},   {"multiline", HS_FLAG_MULTILINE},
    {"singlematch", HS_FLAG_SINGLEMATCH}, {"utf8", HS_FLAG_UTF8}, {"ucp", HS_FLAG_UCP},
    {"allowempty", HS_FLAG_ALLOWEMPTY},
};

constexpr std::string_view kSeverityNames[] = {"info", "warning", "error", "critical"};  // 1..4

// A value as it may appear inside a one-line message: control characters
// become spaces and long values are cut.
std::string shown(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    if (s.size() > 80) out += "...";
    return out + "'";
}

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

bool is_name(std::string_view s, bool upper) {
    if (s.empty() || s.size() > 64) return false;
    char first = s[0];
    if (upper ? !(first >= 'A' && first <= 'Z') : !(first >= 'a' && first <= 'z')) return false;
    for (char c : s) {
        bool letter = upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z');
        if (!letter && !(c >= '0' && c <= '9') && c != '_') return false;
    }
    return true;
}

// Strict decimal: digits only (no sign, no 0x, no spaces), within [lo, hi].
std::optional<uint64_t> decimal(std::string_view s, uint64_t lo, uint64_t hi) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint64_t(c - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

std::string describe(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Scalar: return shown(n.Scalar());
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        default: return "nothing";
    }
}

class Parser {
public:
    Parser(std::string_view source, std::string* error) : source_(source), error_(error) {}

    std::optional<RulesFile> parse(std::string_view text) {
        if (text.size() > kMaxRulesFileBytes) {
            failed_at(0, "larger than " + std::to_string(kMaxRulesFileBytes >> 20) + " MiB, not a rules file");
            return std::nullopt;
        }
        YAML::Node root;
        try {
            root = YAML::Load(std::string(text));
        } catch (const YAML::ParserException& e) {
            failed_at(e.mark.line + 1, "YAML syntax error: " + e.msg);
            return std::nullopt;
        } catch (const YAML::Exception& e) {
            failed_at(0, std::string("YAML error: ") + e.what());
            return std::nullopt;
        }
        try {
            if (!top(root)) return std::nullopt;
        } catch (const YAML::Exception& e) {  // not expected: every access is type checked first
            failed_at(0, std::string("YAML error: ") + e.what());
            return std::nullopt;
        }
        out_.source = std::string(source_);
        out_.content_hash = rules_content_hash(text);
        return std::move(out_);
    }

private:
    // Every message: "SOURCE:LINE: [rule ID: ]what", one line.
    bool failed_at(int line, const std::string& what) {
        if (error_) {
            std::string msg(source_);
            if (line > 0) msg += ":" + std::to_string(line);
            msg += ": ";
            if (!rule_label_.empty()) msg += rule_label_ + ": ";
            *error_ = one_line(msg + what);
        }
        return false;
    }
    static int line_of(const YAML::Node& n) {
        auto m = n.Mark();
        return m.is_null() ? 0 : m.line + 1;
    }
    // A null value (a key with nothing after it) has no position of its own:
    // yaml-cpp marks it where the next token starts. Name its key's line instead.
    bool failed(const YAML::Node& n, const std::string& what) {
        return failed_at(n.IsNull() && key_line_ > 0 ? key_line_ : line_of(n), what);
    }

    // Walks a mapping strictly: keys are plain names, none twice. The handler
    // answers false after reporting, or sets *unknown for a key it does not know.
    template <class F>
    bool each_key(const YAML::Node& map, const std::string& what, F&& handle) {
        if (!map.IsMap()) return failed(map, what + " must be a mapping (got " + describe(map) + ")");
        std::set<std::string> seen;
        for (const auto& kv : map) {
            if (!kv.first.IsScalar()) return failed(kv.first, "keys must be plain names in " + what);
            const std::string key = kv.first.Scalar();
            if (!seen.insert(key).second) return failed(kv.first, "duplicate key '" + key + "' in " + what);
            key_line_ = line_of(kv.first);
            bool unknown = false;
            if (!handle(key, kv.first, kv.second, unknown)) return false;
            if (unknown) return failed(kv.first, "unknown key " + shown(key) + " in " + what);
        }
        return true;
    }

    bool string_value(const YAML::Node& v, const std::string& key, bool allow_empty, std::string& out) {
        if (!v.IsScalar() && !(allow_empty && v.IsNull()))
            return failed(v, key + " must be text (got " + describe(v) + ")");
        out = v.IsScalar() ? v.Scalar() : "";
        if (!allow_empty && out.empty()) return failed(v, key + " must not be empty");
        if (out.find('\0') != std::string::npos) return failed(v, key + " must not contain a NUL character");
        return true;
    }

    // A scalar or a list of scalars, as a list.
    bool scalar_list(const YAML::Node& v, const std::string& key, std::vector<std::pair<std::string, int>>& out) {
        if (v.IsScalar()) {
            out.emplace_back(v.Scalar(), line_of(v));
            return true;
        }
        if (!v.IsSequence() || v.size() == 0)
            return failed(v, key + " must be a name or a non-empty list of names (got " + describe(v) + ")");
        for (const auto& item : v) {
            if (!item.IsScalar()) return failed(item, key + " entries must be names (got " + describe(item) + ")");
            out.emplace_back(item.Scalar(), line_of(item));
        }
        return true;
    }

    bool top(const YAML::Node& root) {
        if (root.IsNull()) return failed_at(1, "empty rules file (expected 'version: 1' and 'rules:')");
        bool have_version = false, have_rules = false;
        YAML::Node rules;
        bool ok = each_key(root, "the top level", [&](const std::string& k, const YAML::Node& kn, const YAML::Node& v,
                                                     bool& unknown) {
            if (k == "version") {
                have_version = true;
                if (!v.IsScalar() || v.Scalar() != "1")
                    return failed(v, "version must be 1 (got " + describe(v) + ")");
                return true;
            }
            if (k == "rules") {
                have_rules = true;
                rules = v;
                if (!v.IsSequence()) return failed(kn, "rules must be a list (got " + describe(v) + ")");
                if (v.size() == 0) return failed(kn, "rules is empty");
                return true;
            }
            unknown = true;
            return true;
        });
        if (!ok) return false;
        if (!have_version) return failed_at(line_of(root), "missing key 'version'");
        if (!have_rules) return failed_at(line_of(root), "missing key 'rules'");
        if (rules.size() > kMaxRules)
            return failed_at(line_of(rules), "more than " + std::to_string(kMaxRules) + " rules");
        for (size_t i = 0; i < rules.size(); ++i) {
            if (!rule(rules[i], i + 1)) return false;
        }
        rule_label_.clear();
        return true;
    }

    bool rule(const YAML::Node& node, size_t ordinal) {
        rule_label_ = "rule #" + std::to_string(ordinal);
        if (!node.IsMap()) return failed(node, "must be a mapping of keys (got " + describe(node) + ")");
        Rule r;
        r.line = line_of(node);
        // The id first, so every later message names the rule by it.
        if (const YAML::Node id = node["id"]) {
            auto v = id.IsScalar() ? decimal(id.Scalar(), 1, 0xffffffffu) : std::nullopt;
            if (!v) return failed(id, "id must be a whole number from 1 to 4294967295 (got " + describe(id) + ")");
            r.id = uint32_t(*v);
            rule_label_ = "rule " + std::to_string(r.id);
            if (auto [it, fresh] = ids_.emplace(r.id, r.line); !fresh)
                return failed(id, "duplicate id (first used at line " + std::to_string(it->second) + ")");
        } else {
            return failed(node, "missing key 'id'");
        }
        bool have[6] = {};  // name, description, patterns, fields, severity, tag|code
        bool ok = each_key(node, "a rule", [&](const std::string& k, const YAML::Node& kn, const YAML::Node& v,
                                              bool& unknown) {
            if (k == "id") return true;
            if (k == "name") {
                have[0] = true;
                if (!string_value(v, "name", false, r.name)) return false;
                if (!is_name(r.name, false))
                    return failed(v, "name must be lower case letters, digits and '_', starting with a letter (got " +
                                         shown(r.name) + ")");
                if (auto [it, fresh] = names_.emplace(r.name, line_of(v)); !fresh)
                    return failed(v, "duplicate name " + shown(r.name) + " (first used at line " +
                                         std::to_string(it->second) + ")");
                return true;
            }
            if (k == "description") {
                have[1] = true;
                return string_value(v, "description", false, r.description);
            }
            if (k == "patterns") {
                have[2] = true;
                return patterns(kn, v, r);
            }
            if (k == "fields") {
                have[3] = true;
                return fields(kn, v, r);
            }
            if (k == "severity") {
                have[4] = true;
                return severity(v, r);
            }
            if (k == "tag" || k == "code") {
                if (have[5]) return failed(kn, "set either tag or code, not both");
                have[5] = true;
                std::string& out = k == "tag" ? r.tag : r.code;
                if (!string_value(v, k, false, out)) return false;
                if (!is_name(out, k == "code"))
                    return failed(v, k == "tag" ? "tag must be lower case letters, digits and '_' (got " + shown(out) + ")"
                                                : "code must be upper case letters, digits and '_' (got " + shown(out) + ")");
                return true;
            }
            if (k == "remediation") return string_value(v, "remediation", true, r.remediation);
            if (k == "conditions") return conditions(v, r.conditions);
            unknown = true;
            return true;
        });
        if (!ok) return false;
        static constexpr const char* kRequired[6] = {"name", "description", "patterns", "fields", "severity",
                                                     "tag' or 'code"};
        for (int i = 0; i < 6; ++i)
            if (!have[i]) return failed(node, std::string("missing key '") + kRequired[i] + "'");
        out_.rules.push_back(std::move(r));
        return true;
    }

    bool patterns(const YAML::Node& key, const YAML::Node& v, Rule& r) {
        if (v.IsNull() || (v.IsSequence() && v.size() == 0)) return failed(key, "patterns is empty");
        if (!v.IsSequence()) return failed(v, "patterns must be a list (got " + describe(v) + ")");
        if (v.size() > kMaxPatternsPerRule)
            return failed(v, "more than " + std::to_string(kMaxPatternsPerRule) + " patterns in one rule");
        for (const auto& item : v) {
            Pattern p;
            p.line = line_of(item);
            if (item.IsScalar()) {
                p.regex = item.Scalar();
            } else if (item.IsMap()) {
                bool have_regex = false;
                bool ok = each_key(item, "a pattern", [&](const std::string& k, const YAML::Node&, const YAML::Node& pv,
                                                         bool& unknown) {
                    if (k == "regex") {
                        have_regex = true;
                        if (!pv.IsScalar()) return failed(pv, "regex must be text (got " + describe(pv) + ")");
                        p.regex = pv.Scalar();
                        p.line = line_of(pv);
                        return true;
                    }
                    if (k == "flags") return flags(pv, p);
                    unknown = true;
                    return true;
                });
                if (!ok) return false;
                if (!have_regex) return failed(item, "pattern is missing key 'regex'");
            } else {
                return failed(item, "a pattern must be a regex or a mapping with 'regex' and 'flags' (got " +
                                        describe(item) + ")");
            }
            if (p.regex.empty()) return failed(item, "empty regex");
            if (p.regex.size() > kMaxPatternLength)
                return failed(item, "regex longer than " + std::to_string(kMaxPatternLength) + " characters");
            if (p.regex.find('\0') != std::string::npos)
                return failed(item, "regex contains a NUL character (write \\x00 to match one)");
            if (!compiles(p)) return false;
            r.patterns.push_back(std::move(p));
        }
        return true;
    }

    bool flags(const YAML::Node& v, Pattern& p) {
        std::vector<std::pair<std::string, int>> names;
        if (v.IsSequence() && v.size() == 0) return true;  // flags: [] is "none"
        if (!scalar_list(v, "flags", names)) return false;
        for (const auto& [name, line] : names) {
            const FlagName* found = nullptr;
            for (const auto& f : kFlags)
                if (f.name == name) found = &f;
            if (!found) {
                std::string known;
                for (const auto& f : kFlags) known += (known.empty() ? "" : ", ") + std::string(f.name);
                return failed_at(line, "unknown flag " + shown(name) + " (known: " + known + ")");
            }
            p.hs_flags |= found->flag;
        }
        return true;
    }

    // Hyperscan's own parser and analysis on the single pattern, so a bad regex
    // is reported against its line here rather than somewhere in a bulk compile.
    bool compiles(const Pattern& p) {
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* err = nullptr;
        if (hs_expression_info(p.regex.c_str(), p.hs_flags | HS_FLAG_SINGLEMATCH, &info, &err) != HS_SUCCESS) {
            std::string msg = err && err->message ? err->message : "unknown error";
            hs_free_compile_error(err);
            return failed_at(p.line, "pattern " + shown(p.regex) + " does not compile: " + msg);
        }
        bool empty_ok = info->min_width > 0 || (p.hs_flags & HS_FLAG_ALLOWEMPTY);
        std::free(info);  // allocated with the misc allocator, malloc unless the program set another
        if (!empty_ok)
            return failed_at(p.line, "pattern " + shown(p.regex) +
                                    " does not compile: it matches the empty string (add flag allowempty if meant)");
        return true;
    }

    bool fields(const YAML::Node& key, const YAML::Node& v, Rule& r) {
        if (v.IsNull() || (v.IsSequence() && v.size() == 0)) return failed(key, "fields is empty");
        std::vector<std::pair<std::string, int>> names;
        if (!scalar_list(v, "fields", names)) return false;
        for (const auto& [name, line] : names) {
            auto f = field_from_name(name);
            if (!f) {
                std::string known;
                for (auto n : kFieldNames) known += (known.empty() ? "" : ", ") + std::string(n);
                return failed_at(line, "unknown field " + shown(name) + " (known: " + known + ")");
            }
            uint32_t bit = 1u << unsigned(*f);
            if (r.field_mask & bit) return failed_at(line, "field " + shown(name) + " listed twice");
            r.field_mask |= bit;
        }
        return true;
    }

    bool severity(const YAML::Node& v, Rule& r) {
        if (v.IsScalar()) {
            if (auto n = decimal(v.Scalar(), 1, 4)) {
                r.severity = int(*n);
                return true;
            }
            for (int i = 0; i < 4; ++i)
                if (v.Scalar() == kSeverityNames[i]) {
                    r.severity = i + 1;
                    return true;
                }
        }
        return failed(v, "severity must be info, warning, error, critical or 1..4 (got " + describe(v) + ")");
    }

    bool status_value(const YAML::Node& v, const std::string& key, uint16_t& out) {
        auto n = v.IsScalar() ? decimal(v.Scalar(), 100, 699) : std::nullopt;
        if (!n) return failed(v, key + " must be a SIP status code 100..699 (got " + describe(v) + ")");
        out = uint16_t(*n);
        return true;
    }

    bool conditions(const YAML::Node& v, Conditions& c) {
        return each_key(v, "conditions", [&](const std::string& k, const YAML::Node& kn, const YAML::Node& cv,
                                              bool& unknown) {
            if (k == "method") {
                std::vector<std::pair<std::string, int>> names;
                if (!scalar_list(cv, "method", names)) return false;
                for (auto& [name, line] : names) {
                    if (!is_name(name, true) || name.find('_') != std::string::npos)
                        return failed_at(line, "method must be a SIP method in upper case, e.g. INVITE (got " + shown(name) +
                                              ")");
                    c.methods.push_back(name);
                }
                return true;
            }
            if (k == "status") {
                uint16_t lo = 0, hi = 0;
                if (cv.IsScalar()) {
                    if (!status_value(cv, "status", lo)) return false;
                    hi = lo;
                } else if (cv.IsMap()) {
                    bool have_min = false, have_max = false;
                    bool ok = each_key(cv, "status", [&](const std::string& sk, const YAML::Node&, const YAML::Node& sv,
                                                          bool& sunknown) {
                        if (sk == "min") {
                            have_min = true;
                            return status_value(sv, "status.min", lo);
                        }
                        if (sk == "max") {
                            have_max = true;
                            return status_value(sv, "status.max", hi);
                        }
                        sunknown = true;
                        return true;
                    });
                    if (!ok) return false;
                    if (!have_min || !have_max) return failed(cv, "status needs both min and max");
                    if (lo > hi) return failed(cv, "status min is above max");
                } else {
                    return failed(kn, "status must be a code or a mapping with min and max (got " + describe(cv) + ")");
                }
                c.status_min = lo;
                c.status_max = hi;
                return true;
            }
            if (k == "direction") {
                std::string d = cv.IsScalar() ? cv.Scalar() : "";
                if (d == "inbound") c.direction = Conditions::Direction::kInbound;
                else if (d == "outbound") c.direction = Conditions::Direction::kOutbound;
                else if (d == "any") c.direction = Conditions::Direction::kAny;
                else return failed(cv, "direction must be inbound, outbound or any (got " + describe(cv) + ")");
                return true;
            }
            if (k == "vantage") {
                std::vector<std::pair<std::string, int>> names;
                if (!scalar_list(cv, "vantage", names)) return false;
                for (auto& [name, line] : names) {
                    bool good = !name.empty() && name.size() <= 32;
                    for (char ch : name)
                        good = good && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                        (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.');
                    if (!good) return failed_at(line, "vantage must be a label such as outside (got " + shown(name) + ")");
                    c.vantages.push_back(name);
                }
                return true;
            }
            unknown = true;
            return true;
        });
    }

    std::string_view source_;
    std::string* error_;
    std::string rule_label_;
    int key_line_ = 0;  // line of the key being handled
    RulesFile out_;
    std::map<uint32_t, int> ids_;
    std::map<std::string, int> names_;
};

}  // namespace

std::string_view field_name(Field f) {
    return size_t(f) < kFieldCount ? kFieldNames[size_t(f)] : std::string_view("?");
}

std::optional<Field> field_from_name(std::string_view name) {
    for (size_t i = 0; i < kFieldCount; ++i)
        if (kFieldNames[i] == name) return Field(i);
    return std::nullopt;
}

uint64_t rules_content_hash(std::string_view text) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::optional<RulesFile> parse_rules(std::string_view text, std::string_view source, std::string* error) {
    return Parser(source, error).parse(text);
}

std::optional<RulesFile> load_rules_file(const std::string& path, std::string* error) {
    std::string text, why;
    if (!read_small_file(path, kMaxRulesFileBytes, text, why)) {
        if (error) *error = one_line(path + ": cannot read: " + why);
        return std::nullopt;
    }
    return parse_rules(text, path, error);
}

bool read_small_file(const std::string& path, size_t max_bytes, std::string& out, std::string& why) {
    out.clear();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        why = S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file";
        ::close(fd);
        return false;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = std::strerror(errno);
            break;
        }
        if (n == 0) break;
        if (out.size() + size_t(n) > max_bytes) {
            why = "larger than " + std::to_string(max_bytes) + " bytes";
            break;
        }
        out.append(buf, size_t(n));
    }
    ::close(fd);
    return why.empty();
}

}  // namespace cs
