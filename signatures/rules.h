// rules: the signature rules file (YAML) read into plain structs, with every
// key validated and every rejection one line naming file:line and the rule id.
// The format is documented at the top of signatures/identity.rules.yaml.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cs {

// The values a rule can be scanned against. TLS identities: the ClientHello
// SNI and the certificate's subject CN, each SAN dNSName, the issuer and the
// subject (rendered as DN strings by the caller). `message`: a whole SIP
// message, for the SIP analyzer. `qname`: a DNS question's name, for the DNS
// analyzer.
enum class Field : uint8_t { kSni, kSubjectCn, kSan, kIssuer, kSubject, kMessage, kQname, kCount };
inline constexpr size_t kFieldCount = size_t(Field::kCount);

std::string_view field_name(Field f);                       // "sni", "subject_cn", ...
std::optional<Field> field_from_name(std::string_view name);

// Bounds the loader enforces, so a rules file cannot make the engine's fixed
// per-scan result (MatchSet) or its compile time unbounded.
inline constexpr size_t kMaxRules = 1024;
inline constexpr size_t kMaxPatternsPerRule = 64;
inline constexpr size_t kMaxPatternLength = 4096;
inline constexpr size_t kMaxRulesFileBytes = 4u << 20;

struct Pattern {
    std::string regex;      // Hyperscan syntax (PCRE subset)
    unsigned hs_flags = 0;  // HS_FLAG_* from `flags`, as written (the engine adds SINGLEMATCH)
    int line = 0;           // 1-based line of the pattern in the file
};

// Structured preconditions. Parsed and kept; deciding whether a scanned value's
// context satisfies them is the caller's job (it knows method, status, ...).
struct Conditions {
    enum class Direction : uint8_t { kAny, kInbound, kOutbound };
    std::vector<std::string> methods;    // SIP methods (upper case); empty: any
    std::optional<uint16_t> status_min;  // SIP status range, inclusive; unset: any
    std::optional<uint16_t> status_max;
    Direction direction = Direction::kAny;
    std::vector<std::string> vantages;   // capture vantage labels; empty: any

    bool empty() const {
        return methods.empty() && !status_min && direction == Direction::kAny && vantages.empty();
    }
};

struct Rule {
    uint32_t id = 0;             // unique in the file, > 0
    std::string name;            // unique, [a-z0-9_]
    std::string description;
    std::vector<Pattern> patterns;  // at least one; any one matching makes the rule match
    uint32_t field_mask = 0;     // bit (1 << Field) for each field the rule applies to
    Conditions conditions;
    std::string tag;             // exactly one of tag (lower case) and code (upper case) is set
    std::string code;
    int severity = 1;            // ECS event.severity: 1 info, 2 warning, 3 error, 4 critical
    std::string remediation;     // may be empty
    int line = 0;                // line of the rule's first key

    bool applies_to(Field f) const { return field_mask & (1u << unsigned(f)); }
    const std::string& label() const { return tag.empty() ? code : tag; }
};

struct RulesFile {
    std::string source;          // file name used in messages
    uint64_t content_hash = 0;   // rules_content_hash() of the text it was parsed from
    std::vector<Rule> rules;     // file order
};

// 64-bit FNV-1a of the text: the key of the compiled-database cache. It guards
// against stale and damaged caches, not against someone who can write the cache.
uint64_t rules_content_hash(std::string_view text);

// Parses and validates rules text: YAML syntax, unknown / duplicate / missing
// keys, duplicate id or name, bad field, flag, severity, condition, tag or code,
// empty patterns, and each pattern against Hyperscan's parser (so a pattern that
// does not compile is reported here with its line). `source` names the text in
// messages. On error: nullopt and *error = "SOURCE:LINE: rule ID: what".
std::optional<RulesFile> parse_rules(std::string_view text, std::string_view source, std::string* error);

// Reads PATH (at most kMaxRulesFileBytes) and parses it with source = PATH.
std::optional<RulesFile> load_rules_file(const std::string& path, std::string* error);

// Reads a regular file of at most max_bytes into out; false with *why set
// otherwise. (Shared with the engine's cache reader.)
bool read_small_file(const std::string& path, size_t max_bytes, std::string& out, std::string& why);

}  // namespace cs
