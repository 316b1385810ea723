// callsentry-sigcheck: compiles a rules file the way callsentry does and, given
// a message (or another field's value), says which rules match it and whether
// their conditions hold. For people writing rules and for checking a file
// before a reload.
//   callsentry-sigcheck RULES [MESSAGE|-] [--field NAME] [--cache FILE] [--crlf]
// Exit: 0 compiled (and, with MESSAGE, at least one rule matches), 1 no rule
// matches, 2 the rules or the message cannot be used (one line on stderr).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "signatures/engine.h"
#include "signatures/rules.h"

namespace {

using cs::Conditions;
using cs::Field;

int fail(const std::string& msg) {
    std::string line = msg;
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    std::fprintf(stderr, "callsentry-sigcheck: %s\n", line.c_str());
    return 2;
}

// Standard input, at most max_bytes (like read_small_file for a path).
bool read_stdin(size_t max_bytes, std::string& out, std::string& why) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = std::strerror(errno);
            return false;
        }
        if (n == 0) return true;
        if (out.size() + size_t(n) > max_bytes) {
            why = "larger than " + std::to_string(max_bytes) + " bytes";
            return false;
        }
        out.append(buf, size_t(n));
    }
}

size_t bare_lf_count(std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size(); ++i) n += s[i] == '\n' && (i == 0 || s[i - 1] != '\r');
    return n;
}

std::string lf_to_crlf(std::string_view s) {
    std::string out;
    out.reserve(s.size() + bare_lf_count(s));
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

// What the start line alone decides about a SIP message: request method or
// response status. Direction and vantage come from the capture, not the text.
struct StartLine {
    enum Kind { kNone, kRequest, kResponse } kind = kNone;
    std::string method;
    int status = 0;
};

StartLine start_line(std::string_view msg) {
    StartLine s;
    std::string_view line = msg.substr(0, msg.find_first_of("\r\n"));
    if (line.size() >= 12 && strncasecmp(line.data(), "SIP/2.0 ", 8) == 0 &&
        std::all_of(line.begin() + 8, line.begin() + 11, [](char c) { return c >= '0' && c <= '9'; }) &&
        (line.size() == 11 || line[11] == ' ')) {
        s.kind = StartLine::kResponse;
        s.status = std::stoi(std::string(line.substr(8, 3)));
        return s;
    }
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos && sp > 0 && line.find(" SIP/2.0") != std::string_view::npos) {
        s.kind = StartLine::kRequest;
        s.method = std::string(line.substr(0, sp));
    }
    return s;
}

// The rule's conditions, each with "holds" / "does not hold" where the start
// line decides it and "to hold" where only the capture can. *fails is set
// when one is decided false.
std::string describe_conditions(const Conditions& c, const StartLine& sl, bool* fails) {
    std::string out;
    auto add = [&](const std::string& what, const std::string& verdict) {
        out += (out.empty() ? "" : "; ") + what + ": " + verdict;
    };
    auto decide = [&](const std::string& what, bool holds, const std::string& why) {
        add(what, holds ? "holds" : "does not hold (" + why + ")");
        if (!holds) *fails = true;
    };
    auto list = [](const char* key, const std::vector<std::string>& names) {
        std::string s = key;
        for (size_t i = 0; i < names.size(); ++i) s += (i ? "|" : " ") + names[i];
        return s;
    };
    if (!c.methods.empty()) {
        const std::string what = list("method", c.methods);
        if (sl.kind == StartLine::kNone) add(what, "to hold (no SIP start line)");
        else if (sl.kind == StartLine::kResponse) decide(what, false, "a response");
        else
            decide(what, std::find(c.methods.begin(), c.methods.end(), sl.method) != c.methods.end(),
                   "request " + sl.method);
    }
    if (c.status_min) {
        std::string what = "status " + std::to_string(*c.status_min);
        if (*c.status_max != *c.status_min) what += ".." + std::to_string(*c.status_max);
        if (sl.kind == StartLine::kNone) add(what, "to hold (no SIP start line)");
        else if (sl.kind == StartLine::kRequest) decide(what, false, "a request");
        else
            decide(what, sl.status >= *c.status_min && sl.status <= *c.status_max,
                   "status " + std::to_string(sl.status));
    }
    if (c.direction != Conditions::Direction::kAny)
        add(std::string("direction ") + (c.direction == Conditions::Direction::kInbound ? "inbound" : "outbound"),
            "to hold (who opened the connection)");
    if (!c.vantages.empty()) add(list("vantage", c.vantages), "to hold (the capture port)");
    return out;
}

std::string severity_name(int s) {
    static const char* const kNames[] = {"info", "warning", "error", "critical"};
    return s >= 1 && s <= 4 ? kNames[s - 1] : std::to_string(s);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"callsentry-sigcheck: compile a signature rules file as callsentry does, and show which rules "
                 "match a SIP message (or another field's value).",
                 "callsentry-sigcheck"};
    std::string rules_path, message_path, field_name = "message", cache_path;
    bool crlf = false;
    app.add_option("RULES", rules_path, "rules file (*.rules.yaml)")->required();
    app.add_option("MESSAGE", message_path, "file holding one SIP message (or the value of --field); - reads stdin");
    app.add_option("--field", field_name, "field the value is scanned as: message (default), sni, subject_cn, san, "
                                          "issuer, subject")
        ->type_name("NAME");
    app.add_option("--cache", cache_path, "compiled-database cache file, used and rewritten as callsentry does")
        ->type_name("FILE");
    app.add_flag("--crlf", crlf, "turn bare LF line ends of MESSAGE into CRLF before scanning");
    app.footer(
        "MESSAGE is scanned byte for byte as callsentry would scan it off the wire. Real SIP ends lines with\n"
        "CRLF; a message pasted from a log usually has LF only. The shipped rules accept both, so a note is\n"
        "printed and nothing is changed unless --crlf asks for the conversion. For the other fields the value\n"
        "is the file without its trailing line end.\n"
        "Exit: 0 compiled / a rule matches, 1 no rule matches, 2 rules or MESSAGE unusable.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == int(CLI::ExitCodes::Success)) return app.exit(e);  // --help
        return fail(std::string(e.what()) + " (see --help)");
    }

    auto field = cs::field_from_name(field_name);
    if (!field) {
        std::string known;
        for (size_t f = 0; f < cs::kFieldCount; ++f) known += (f ? ", " : "") + std::string(cs::field_name(Field(f)));
        return fail("--field: unknown field '" + field_name + "' (known: " + known + ")");
    }
    if (crlf && *field != Field::kMessage) return fail("--crlf applies to --field message only");

    // The value first: a bad MESSAGE is reported without compiling anything.
    std::string value;
    if (!message_path.empty()) {
        std::string why;
        bool ok = message_path == "-" ? read_stdin(cs::kMaxScanBytes, value, why)
                                      : cs::read_small_file(message_path, cs::kMaxScanBytes, value, why);
        if (!ok) {
            if (why.rfind("larger", 0) == 0) why += " (the most one scan takes)";
            return fail(message_path + ": cannot read: " + why);
        }
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::string error;
    auto set = cs::load_rule_set(rules_path, cs::BuildOptions{cache_path}, &error);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!set) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
    }

    std::string per_field;
    for (size_t f = 0; f < cs::kFieldCount; ++f)
        if (size_t n = set->pattern_count(Field(f)))
            per_field += (per_field.empty() ? "" : ", ") + std::string(cs::field_name(Field(f))) + " " +
                         std::to_string(n);
    std::printf("%s: %zu rules, patterns per field: %s, compiled in %.1f ms\n", rules_path.c_str(), set->rules().size(),
                per_field.c_str(), ms);
    if (!cache_path.empty()) {
        // The engine's note already names the file ("cache FILE: why").
        const std::string outcome(cs::cache_outcome_name(set->cache_outcome()));
        std::printf("cache %s: %s%s\n", cache_path.c_str(), outcome.c_str(), set->cache_written() ? ", written" : "");
        if (!set->cache_note().empty()) std::printf("  %s\n", set->cache_note().c_str());
    }
    if (message_path.empty()) return 0;

    if (*field == Field::kMessage) {
        if (size_t lf = bare_lf_count(value)) {
            if (crlf) {
                value = lf_to_crlf(value);
                if (value.size() > cs::kMaxScanBytes)
                    return fail(message_path + ": larger than " + std::to_string(cs::kMaxScanBytes) +
                                " bytes with CRLF line ends");
                std::printf("note: %zu LF line ends turned into CRLF (--crlf)\n", lf);
            } else {
                std::printf("note: %zu line ends are LF only (real SIP uses CRLF); scanned as is, --crlf converts\n", lf);
            }
        }
    } else {
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    }

    cs::Scratch scratch = set->make_scratch();
    cs::MatchSet hits;
    if (!scratch || !set->scan(scratch, *field, value, hits)) return fail("scan failed (Hyperscan scratch)");

    const StartLine sl = *field == Field::kMessage ? start_line(value) : StartLine{};
    std::string what = "field " + field_name + ", " + std::to_string(value.size()) + " bytes";
    if (sl.kind == StartLine::kRequest) what += ", request " + sl.method;
    else if (sl.kind == StartLine::kResponse) what += ", response " + std::to_string(sl.status);
    std::printf("%s (%s):\n", message_path.c_str(), what.c_str());

    size_t matched = 0, held_back = 0;
    hits.for_each([&](size_t i) {
        const cs::Rule& r = set->rule(i);
        bool fails = false;
        std::string cond = describe_conditions(r.conditions, sl, &fails);
        std::printf("  %s %u %s  %s %s  severity %s  (line %d)\n", fails ? "pattern only" : "match", r.id,
                    r.name.c_str(), r.tag.empty() ? "code" : "tag", r.label().c_str(),
                    severity_name(r.severity).c_str(), r.line);
        if (!cond.empty()) std::printf("      conditions: %s\n", cond.c_str());
        (fails ? held_back : matched) += 1;
    });
    if (matched == 0 && held_back == 0) {
        std::printf("  no rule matches\n");
        return 1;
    }
    std::printf("%zu rule%s match%s", matched, matched == 1 ? "" : "s", matched == 1 ? "es" : "");
    if (held_back)
        std::printf(", %zu more match%s the pattern but not a condition", held_back, held_back == 1 ? "es" : "");
    std::printf("\n");
    return matched ? 0 : 1;
}
