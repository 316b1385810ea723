#include "workers/sip_parser.h"

#include <algorithm>
#include <cctype>

#include "workers/sip_text.h"

namespace cs {

using sip_text::iequal;
using sip_text::is_digit;
using sip_text::is_lws;
using sip_text::parse_decimal;
using sip_text::trim;

namespace {

constexpr size_t npos = std::string_view::npos;
constexpr std::string_view kVersion = "SIP/2.0";

std::string_view text_of(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 3261 §25.1 token.
bool is_token_char(char c) {
    if (is_alpha(c) || is_digit(c)) return true;
    switch (c) {
        case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
            return true;
    }
    return false;
}
bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }
bool is_ctl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// The inside of a quoted string that starts at s[0] == '"': the index of the
// closing quote, honouring backslash escapes; npos if it never closes.
size_t closing_quote(std::string_view s) {
    for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') ++i;
        else if (s[i] == '"') return i;
    }
    return npos;
}

std::string_view unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && closing_quote(v) == v.size() - 1) return v.substr(1, v.size() - 2);
    return v;
}

// ---- start line ------------------------------------------------------------------

enum class Fit : uint8_t { kNo, kPrefix, kYes };

struct StartLine {
    bool is_request = false;
    std::string_view method, uri, reason;
    uint16_t status = 0;
};

// Whether `uri` begins with a URI scheme and ':' (RFC 3986 §3.1), which a
// Request-URI must (so "*" and "<sip:...>" are refused). `partial`: the bytes
// may still go on.
bool scheme_fits(std::string_view uri, bool partial) {
    for (size_t i = 0; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c == ':') return i > 0;
        if (i == 0 ? !is_alpha(c) : !(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) return false;
    }
    return partial;
}

// Checks `line` (without its line end) against the start-line grammar of RFC
// 3261 §7.1/§7.2: Method SP Request-URI SP SIP-Version, or SIP-Version SP
// Status-Code SP Reason-Phrase. `whole`: the line is complete; otherwise the
// bytes seen so far are checked, and kPrefix means they may still become one.
// Tolerated: trailing white space, a status line without reason phrase.
Fit fit_start_line(std::string_view line, bool whole, StartLine* out) {
    const Fit ran_out = whole ? Fit::kNo : Fit::kPrefix;
    const size_t n = line.size();
    const size_t v = std::min(n, kVersion.size());
    if (iequal(line.substr(0, v), kVersion.substr(0, v)) && (v == kVersion.size() || !whole)) {
        if (n < kVersion.size()) return ran_out;  // "SIP/2" or a method starting "S": either way undecided
        size_t i = kVersion.size();
        if (i == n) return ran_out;
        if (line[i++] != ' ') return Fit::kNo;
        uint32_t status = 0;
        for (int k = 0; k < 3; ++k, ++i) {
            if (i == n) return ran_out;
            if (!is_digit(line[i])) return Fit::kNo;
            status = status * 10 + uint32_t(line[i] - '0');
        }
        if (status < 100 || status > 699) return Fit::kNo;
        if (i < n && line[i] != ' ') return Fit::kNo;  // a fourth digit
        const std::string_view reason = i < n ? line.substr(i + 1) : std::string_view();
        for (char c : reason)
            if (is_ctl(c) && c != '\t') return Fit::kNo;
        if (!whole) return Fit::kPrefix;
        out->is_request = false;
        out->status = uint16_t(status);
        out->reason = trim(reason);
        return Fit::kYes;
    }
    size_t i = 0;
    while (i < n && is_token_char(line[i])) ++i;
    if (i == n) return ran_out;
    if (i == 0 || line[i] != ' ') return Fit::kNo;
    const std::string_view method = line.substr(0, i++);
    const size_t u = i;
    while (i < n && line[i] != ' ') {
        if (is_ctl(line[i])) return Fit::kNo;
        ++i;
    }
    const std::string_view uri = line.substr(u, i - u);
    if (!scheme_fits(uri, i == n && !whole)) return Fit::kNo;
    if (i == n) return ran_out;
    std::string_view version = line.substr(i + 1);
    if (whole) {
        while (!version.empty() && (version.back() == ' ' || version.back() == '\t')) version.remove_suffix(1);
        if (!iequal(version, kVersion)) return Fit::kNo;
        out->is_request = true;
        out->method = method;
        out->uri = uri;
        return Fit::kYes;
    }
    const size_t k = std::min(version.size(), kVersion.size());
    if (!iequal(version.substr(0, k), kVersion.substr(0, k))) return Fit::kNo;
    for (char c : version.substr(k))
        if (c != ' ' && c != '\t') return Fit::kNo;
    return Fit::kPrefix;
}

// The first line of `t` (complete when it has a line end), without CR LF.
std::string_view first_line(std::string_view t, size_t lf) { return without_cr(lf == npos ? t : t.substr(0, lf)); }

// ---- header lines ----------------------------------------------------------------

struct HeaderField {
    std::string_view name, value;  // value trimmed; a folded one keeps its inner CR LF + WSP
    bool folded = false, bare_lf = false;
    bool bad = false;  // no "token:", or a control character outside a quoted pair
};

// Whether a header value holds a control character other than HT, a fold's
// CR LF, or one escaped in a quoted string (RFC 3261 quoted-pair allows
// %x00-09, %x0B-0C, %x0E-7F).
bool stray_control(std::string_view v) {
    // Most values hold no control byte at all: one cheap pass settles them.
    bool any = false;
    for (const char c : v) any |= (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
    if (!any) return false;
    bool quoted = false;
    for (size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c == '\n' || (c == '\r' && i + 1 < v.size() && v[i + 1] == '\n')) continue;  // a fold
        if (quoted && c == '\\' && i + 1 < v.size() && v[i + 1] != '\r' && v[i + 1] != '\n') {
            ++i;
            continue;
        }
        if (c == '"') quoted = !quoted;
        else if (is_ctl(c) && c != '\t') return true;
    }
    return false;
}

// Walks the header fields after the start line up to the blank line, joining
// folded lines. Each step consumes at least one line, so the walk is bounded
// by the bytes.
class HeaderWalker {
  public:
    HeaderWalker(std::string_view text, size_t pos) : t_(text), pos_(pos) {}

    // The next field; false at the blank line (complete() then, end() is just
    // past it) or when the bytes end first. A line cut before its LF is not
    // returned; a field whose LF is the last byte is (a datagram ends there).
    bool next(HeaderField& f) {
        if (done_) return false;
        size_t lf = t_.find('\n', pos_);
        if (lf == npos) return stop();
        const size_t start = pos_;
        size_t end = line_end(lf, &f.bare_lf);
        f.folded = false;
        if (end == start) {
            complete_ = true;
            pos_ = lf + 1;
            return stop();
        }
        pos_ = lf + 1;
        while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\t')) {
            lf = t_.find('\n', pos_);
            if (lf == npos) return stop();
            bool bare = false;
            end = line_end(lf, &bare);
            f.bare_lf = f.bare_lf || bare;
            f.folded = true;
            pos_ = lf + 1;
        }
        const std::string_view raw = t_.substr(start, end - start);
        const size_t colon = raw.find(':');
        if (colon == npos) {
            f.name = {};
            f.value = raw;
            f.bad = true;
            return true;
        }
        f.name = raw.substr(0, colon);
        while (!f.name.empty() && (f.name.back() == ' ' || f.name.back() == '\t')) f.name.remove_suffix(1);
        f.value = trim(raw.substr(colon + 1));
        f.bad = !is_token(f.name) || stray_control(f.value);
        return true;
    }
    bool complete() const { return complete_; }
    size_t end() const { return pos_; }

  private:
    size_t line_end(size_t lf, bool* bare_lf) const {
        const bool cr = lf > pos_ && t_[lf - 1] == '\r';
        *bare_lf = !cr;
        return cr ? lf - 1 : lf;
    }
    bool stop() {
        done_ = true;
        return false;
    }
    std::string_view t_;
    size_t pos_;
    bool complete_ = false, done_ = false;
};

// How many more bytes at least could close the header block after `t`: a
// blank line needs "\n\n" (bare LF tolerated), less if its start is there.
uint32_t blank_line_shortfall(std::string_view t) {
    const size_t n = t.size();
    if (n >= 1 && t[n - 1] == '\n') return 1;
    if (n >= 2 && t[n - 1] == '\r' && t[n - 2] == '\n') return 1;
    return 2;
}

enum class Hdr : uint8_t {
    kOther, kCallId, kCSeq, kFrom, kTo, kVia, kContact, kRoute, kRecordRoute, kMaxForwards,
    kContentType, kContentLength, kReason, kWarning, kUserAgent, kServer, kSessionId, kPAssertedIdentity,
    kAuthorization, kProxyAuthorization, kWwwAuthenticate, kProxyAuthenticate, kExpires,
};

struct HdrName {
    std::string_view name;
    char compact;  // RFC 3261 §7.3.3 / IANA compact form, 0 if none
    Hdr id;
};
// The headers the message struct holds. Compact forms of the others (e, k, s,
// o, u, r, x, ...) fall through to kOther and are skipped like any unknown header.
constexpr HdrName kHeaders[] = {
    {"Call-ID", 'i', Hdr::kCallId},
    {"CSeq", 0, Hdr::kCSeq},
    {"From", 'f', Hdr::kFrom},
    {"To", 't', Hdr::kTo},
    {"Via", 'v', Hdr::kVia},
    {"Contact", 'm', Hdr::kContact},
    {"Route", 0, Hdr::kRoute},
    {"Record-Route", 0, Hdr::kRecordRoute},
    {"Max-Forwards", 0, Hdr::kMaxForwards},
    {"Content-Type", 'c', Hdr::kContentType},
    {"Content-Length", 'l', Hdr::kContentLength},
    {"Reason", 0, Hdr::kReason},
    {"Warning", 0, Hdr::kWarning},
    {"User-Agent", 0, Hdr::kUserAgent},
    {"Server", 0, Hdr::kServer},
    {"Session-ID", 0, Hdr::kSessionId},
    {"P-Asserted-Identity", 0, Hdr::kPAssertedIdentity},
    {"Authorization", 0, Hdr::kAuthorization},
    {"Proxy-Authorization", 0, Hdr::kProxyAuthorization},
    {"WWW-Authenticate", 0, Hdr::kWwwAuthenticate},
    {"Proxy-Authenticate", 0, Hdr::kProxyAuthenticate},
    {"Expires", 0, Hdr::kExpires},
};

Hdr header_id(std::string_view name) {
    if (name.size() == 1) {
        for (const HdrName& h : kHeaders)
            if (h.compact == sip_text::lower(name[0])) return h.id;
        return Hdr::kOther;
    }
    for (const HdrName& h : kHeaders)
        if (iequal(name, h.name)) return h.id;
    return Hdr::kOther;
}

// ---- values ----------------------------------------------------------------------

// The next comma-separated value of a header from `pos` (RFC 3261 §7.3.1);
// commas inside quoted strings and <...> do not split. Empty values are skipped.
bool next_value(std::string_view v, size_t& pos, std::string_view& item) {
    while (pos < v.size()) {
        const size_t start = pos;
        bool angle = false;
        while (pos < v.size()) {
            const char c = v[pos];
            if (c == '"') {
                const size_t q = closing_quote(v.substr(pos));
                pos = q == npos ? v.size() : pos + q + 1;
                continue;
            }
            if (c == '<') angle = true;
            else if (c == '>') angle = false;
            else if (c == ',' && !angle) break;
            ++pos;
        }
        item = trim(v.substr(start, pos - start));
        if (pos < v.size()) ++pos;  // the comma
        if (!item.empty()) return true;
    }
    return false;
}

// Calls f(name, value) for each ";name[=value]" (value unquoted, white space
// around '=' and ';' allowed) until f returns true.
template <class F>
void for_each_param(std::string_view raw, F&& f) {
    size_t i = 0;
    while (i < raw.size()) {
        const size_t start = i;
        while (i < raw.size() && raw[i] != ';') {
            if (raw[i] == '"') {
                const size_t q = closing_quote(raw.substr(i));
                i = q == npos ? raw.size() : i + q + 1;
            } else {
                ++i;
            }
        }
        const std::string_view item = trim(raw.substr(start, i - start));
        ++i;
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        const std::string_view name = trim(item.substr(0, eq));
        const std::string_view value = eq == npos ? std::string_view() : unquote(trim(item.substr(eq + 1)));
        if (f(name, value)) return;
    }
}

// [display] <uri> params, or a bare uri params (whose ';' parameters then
// belong to the header, RFC 3261 §20.10).
bool parse_name_addr(std::string_view value, SipNameAddr& out) {
    out = SipNameAddr{};
    out.raw = value;
    std::string_view s = value;
    size_t open = npos;
    if (!s.empty() && s[0] == '"') {
        const size_t q = closing_quote(s);
        if (q == npos) return false;
        out.display = s.substr(1, q - 1);
        size_t i = q + 1;
        while (i < s.size() && is_lws(s[i])) ++i;
        if (i == s.size() || s[i] != '<') return false;
        open = i;
    } else {
        open = s.find('<');
        if (open != npos) out.display = trim(s.substr(0, open));
    }
    if (open == npos) {
        const size_t semi = s.find(';');
        out.uri = trim(s.substr(0, semi));
        if (semi != npos) out.params.raw = s.substr(semi);
        return !out.uri.empty() && std::none_of(out.uri.begin(), out.uri.end(), is_lws);
    }
    const size_t close = s.find('>', open);
    if (close == npos) return false;
    out.uri = trim(s.substr(open + 1, close - open - 1));
    const std::string_view rest = trim(s.substr(close + 1));
    out.params.raw = rest;
    return !out.uri.empty() && (rest.empty() || rest[0] == ';');
}

// sent-protocol LWS sent-by *(SEMI via-params), with white space allowed
// around the '/' of "SIP / 2.0 / UDP" (RFC 3261 §20.42, RFC 4475 §3.1.1.1).
bool parse_via(std::string_view value, SipVia& out) {
    out = SipVia{};
    out.raw = value;
    const std::string_view s = value;
    size_t i = 0;
    auto skip = [&] {
        const size_t from = i;
        while (i < s.size() && is_lws(s[i])) ++i;
        return i > from;
    };
    auto token = [&] {
        const size_t from = i;
        while (i < s.size() && is_token_char(s[i])) ++i;
        return s.substr(from, i - from);
    };
    auto slash = [&] {
        skip();
        if (i == s.size() || s[i] != '/') return false;
        ++i;
        skip();
        return true;
    };
    const std::string_view protocol = token();
    if (!iequal(protocol, "SIP") || !slash() || token().empty() || !slash()) return false;
    const std::string_view transport = token();
    if (transport.empty() || !skip()) return false;
    const size_t host = i;
    if (i < s.size() && s[i] == '[') {
        const size_t close = s.find(']', i);
        if (close == npos) return false;
        i = close + 1;
    } else {
        while (i < s.size() && !is_lws(s[i]) && s[i] != ';' && s[i] != ':' && s[i] != ',') ++i;
    }
    if (i == host) return false;
    if (i < s.size() && s[i] == ':') {
        const size_t digits = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        uint32_t port = 0;
        if (!parse_decimal(s.substr(digits, i - digits), 65535, &port)) return false;
    }
    const std::string_view sent_by = s.substr(host, i - host);
    skip();
    if (i < s.size() && s[i] != ';') return false;
    out.transport = transport;
    out.sent_by = sent_by;
    out.params.raw = s.substr(i);
    return true;
}

// "number LWS Method" (RFC 3261 §20.16).
bool parse_cseq(std::string_view v, uint32_t* number, std::string_view* method) {
    size_t i = 0;
    while (i < v.size() && is_digit(v[i])) ++i;
    if (!parse_decimal(v.substr(0, i), UINT32_MAX, number)) return false;
    const size_t gap = i;
    while (i < v.size() && is_lws(v[i])) ++i;
    *method = v.substr(i);
    return i > gap && is_token(*method);
}

// warn-code SP warn-agent SP warn-text (RFC 3261 §20.43).
bool parse_warning(std::string_view v, SipMessage& out) {
    size_t i = 0;
    while (i < v.size() && is_digit(v[i])) ++i;
    uint32_t code = 0;
    if (i != 3 || !parse_decimal(v.substr(0, 3), 999, &code)) return false;
    out.warning_code = uint16_t(code);
    while (i < v.size() && is_lws(v[i])) ++i;
    const size_t agent = i;
    while (i < v.size() && !is_lws(v[i])) ++i;
    out.warning_agent = v.substr(agent, i - agent);
    while (i < v.size() && is_lws(v[i])) ++i;
    const std::string_view text = v.substr(i);
    if (out.warning_agent.empty() || text.empty() || text[0] != '"') return false;
    const size_t q = closing_quote(text);
    if (q == npos) return false;
    out.warning_text = text.substr(1, q - 1);
    return true;
}

// Reason: protocol *(SEMI reason-params), one or more comma-separated
// (RFC 3326). "Q.850 ;cause=47" (CUCM's space before ';') and "SIP ;cause=200;text=...".
void parse_reason(std::string_view v, SipMessage& out) {
    size_t pos = 0;
    std::string_view item;
    while (next_value(v, pos, item)) {
        size_t i = 0;
        while (i < item.size() && !is_lws(item[i]) && item[i] != ';') ++i;
        const std::string_view protocol = item.substr(0, i);
        const size_t semi = item.find(';', i);
        if (semi == npos) continue;
        const SipParams params{item.substr(semi)};
        uint32_t cause = 0;
        if (!parse_decimal(params.get("cause"), INT32_MAX, &cause)) continue;
        if (iequal(protocol, "Q.850") && out.q850_cause < 0) out.q850_cause = int32_t(cause);
        if (iequal(protocol, "SIP") && out.sip_reason_cause < 0) out.sip_reason_cause = int32_t(cause);
    }
}

// What has been seen while walking the headers of one message.
struct Seen {
    bool call_id = false, cseq = false, from = false, to = false, content_length = false, warning = false;
    bool reason = false, contact = false, content_type = false, max_forwards = false;
    bool user_agent = false, server = false, session_id = false, pai = false;
    bool credentials = false, challenge = false, expires = false;
};

void first_only(bool& seen, std::string_view& field, std::string_view value) {
    if (seen) return;
    seen = true;
    field = value;
}

// Call-ID, CSeq, From, To and Content-Length may appear once (RFC 3261 §7.3.1).
bool once(bool& seen, SipMessage& out) {
    if (seen) {
        out.anomalies |= kSipDuplicateHeader;
        return false;
    }
    seen = true;
    return true;
}

void apply(const HeaderField& f, Seen& seen, SipMessage& out) {
    if (f.bare_lf) out.anomalies |= kSipBareLf;
    if (f.folded) out.anomalies |= kSipFoldedHeader;
    if (f.bad) {
        out.anomalies |= kSipBadHeaderLine;
        return;
    }
    const std::string_view v = f.value;
    size_t pos = 0;
    std::string_view item;
    const Hdr id = header_id(f.name);
    switch (id) {
        case Hdr::kOther: break;
        case Hdr::kCallId:
            if (once(seen.call_id, out)) out.call_id = v;
            break;
        case Hdr::kCSeq:
            if (!once(seen.cseq, out)) break;
            if (parse_cseq(v, &out.cseq, &out.cseq_method_text)) {
                out.cseq_method = sip_method_from(out.cseq_method_text);
            } else {
                out.cseq = 0;
                out.cseq_method_text = {};
                out.anomalies |= kSipBadCseq;
            }
            break;
        case Hdr::kFrom:
        case Hdr::kTo: {
            const bool from = id == Hdr::kFrom;
            if (!once(from ? seen.from : seen.to, out)) break;
            if (!parse_name_addr(v, from ? out.from : out.to)) out.anomalies |= kSipBadHeaderValue;
            break;
        }
        case Hdr::kVia:
            while (next_value(v, pos, item)) {
                if (out.via_total < UINT16_MAX) ++out.via_total;
                if (out.via_count == SipMessage::kMaxVias) {
                    out.anomalies |= kSipTooManyValues;
                    continue;
                }
                if (!parse_via(item, out.via[out.via_count])) out.anomalies |= kSipBadHeaderValue;
                ++out.via_count;
            }
            break;
        case Hdr::kContact:
            if (v == "*") {
                out.contact_star = true;
                break;
            }
            if (seen.contact || !next_value(v, pos, item)) break;
            seen.contact = true;
            if (!parse_name_addr(item, out.contact)) out.anomalies |= kSipBadHeaderValue;
            break;
        case Hdr::kRoute:
            if (v.empty()) out.route_header_empty = true;
            while (next_value(v, pos, item)) {
                if (out.route_total < UINT16_MAX) ++out.route_total;
                if (out.route_count == SipMessage::kMaxRoutes) {
                    out.anomalies |= kSipTooManyValues;
                    continue;
                }
                if (!parse_name_addr(item, out.route[out.route_count])) out.anomalies |= kSipBadHeaderValue;
                ++out.route_count;
            }
            break;
        case Hdr::kRecordRoute:
            while (next_value(v, pos, item))
                if (out.record_route_count < UINT8_MAX) ++out.record_route_count;
            break;
        case Hdr::kMaxForwards: {
            if (seen.max_forwards) break;
            seen.max_forwards = true;
            uint32_t hops = 0;
            if (parse_decimal(v, 255, &hops)) out.max_forwards = int32_t(hops);
            else out.anomalies |= kSipBadMaxForwards;
            break;
        }
        case Hdr::kContentType: first_only(seen.content_type, out.content_type, v); break;
        case Hdr::kContentLength: {
            const bool first = once(seen.content_length, out);
            uint32_t length = 0;
            if (!parse_decimal(v, UINT32_MAX, &length)) {
                out.anomalies |= kSipBadContentLength;
            } else if (first) {
                out.content_length = length;
                out.has_content_length = true;
            }
            break;
        }
        case Hdr::kReason:
            first_only(seen.reason, out.reason, v);
            parse_reason(v, out);
            break;
        case Hdr::kWarning:
            if (seen.warning || !next_value(v, pos, item)) break;
            seen.warning = true;
            out.warning = item;
            if (!parse_warning(item, out)) out.anomalies |= kSipBadHeaderValue;
            break;
        case Hdr::kUserAgent: first_only(seen.user_agent, out.user_agent, v); break;
        case Hdr::kServer: first_only(seen.server, out.server, v); break;
        case Hdr::kSessionId: first_only(seen.session_id, out.session_id, v); break;
        case Hdr::kPAssertedIdentity: first_only(seen.pai, out.p_asserted_identity, v); break;
        case Hdr::kAuthorization:
        case Hdr::kProxyAuthorization:
        case Hdr::kWwwAuthenticate:
        case Hdr::kProxyAuthenticate: {
            if (sip_auth_scheme(v).empty()) out.anomalies |= kSipBadHeaderValue;
            const bool credentials = id == Hdr::kAuthorization || id == Hdr::kProxyAuthorization;
            bool& first = credentials ? seen.credentials : seen.challenge;
            if (!first) {
                (credentials ? out.proxy_credentials : out.proxy_challenge) =
                    id == Hdr::kProxyAuthorization || id == Hdr::kProxyAuthenticate;
            }
            first_only(first, credentials ? out.credentials : out.challenge, v);
            break;
        }
        case Hdr::kExpires: {
            if (seen.expires) break;
            seen.expires = true;
            uint32_t seconds = 0;
            if (parse_decimal(v, UINT32_MAX, &seconds)) out.expires = seconds;
            else out.anomalies |= kSipBadHeaderValue;
            break;
        }
    }
}

SipFrame frame_invalid(const char* why) {
    SipFrame r;
    r.status = SipFrame::kInvalid;
    r.why = why;
    return r;
}

constexpr struct {
    SipMethod m;
    std::string_view name;
} kMethods[] = {
    {SipMethod::kInvite, "INVITE"},       {SipMethod::kAck, "ACK"},       {SipMethod::kBye, "BYE"},
    {SipMethod::kCancel, "CANCEL"},       {SipMethod::kRegister, "REGISTER"}, {SipMethod::kOptions, "OPTIONS"},
    {SipMethod::kInfo, "INFO"},           {SipMethod::kUpdate, "UPDATE"}, {SipMethod::kPrack, "PRACK"},
    {SipMethod::kSubscribe, "SUBSCRIBE"}, {SipMethod::kNotify, "NOTIFY"}, {SipMethod::kRefer, "REFER"},
    {SipMethod::kMessage, "MESSAGE"},     {SipMethod::kPublish, "PUBLISH"},
};

}  // namespace

std::string_view sip_method_name(SipMethod m) {
    for (const auto& e : kMethods)
        if (e.m == m) return e.name;
    return {};
}

SipMethod sip_method_from(std::string_view token) {
    for (const auto& e : kMethods)
        if (e.name == token) return e.m;
    return SipMethod::kUnknown;
}

// ---- framing -----------------------------------------------------------------------

SipFrame sip_frame(std::span<const uint8_t> bytes, uint32_t max_header_bytes, uint32_t max_body_bytes) {
    const std::string_view all = text_of(bytes);
    const std::string_view t = all.substr(0, std::min<size_t>(all.size(), max_header_bytes));
    const size_t lf = t.find('\n');
    StartLine line;
    if (fit_start_line(first_line(t, lf), lf != npos, &line) == Fit::kNo) return frame_invalid("not a SIP start line");

    HeaderWalker walk(t, lf == npos ? t.size() : lf + 1);
    HeaderField f;
    uint32_t content_length = 0;
    bool have_length = false;
    const char* bad = nullptr;
    while (walk.next(f)) {
        if (header_id(f.name) != Hdr::kContentLength) continue;
        uint32_t v = 0;
        if (f.bad || !parse_decimal(f.value, UINT32_MAX, &v)) {
            bad = "bad Content-Length";
        } else {
            if (have_length && v != content_length) bad = "conflicting Content-Length";
            content_length = v;
            have_length = true;
        }
    }
    SipFrame r;
    if (!walk.complete()) {
        if (all.size() >= max_header_bytes) return frame_invalid("header block too long");
        const uint64_t least = uint64_t(all.size()) + blank_line_shortfall(all);
        if (least > UINT32_MAX) return frame_invalid("message too long");
        r.status = SipFrame::kNeedMore;
        r.length = uint32_t(least);
        return r;
    }
    if (bad) return frame_invalid(bad);
    if (content_length > max_body_bytes) return frame_invalid("Content-Length too large");
    const uint64_t total = uint64_t(walk.end()) + content_length;
    if (total > UINT32_MAX) return frame_invalid("message too long");
    r.header_bytes = uint32_t(walk.end());
    r.content_length = content_length;
    r.length = uint32_t(total);
    r.status = all.size() >= total ? SipFrame::kComplete : SipFrame::kNeedMore;
    return r;
}

uint32_t sip_keepalive_bytes(std::span<const uint8_t> bytes) {
    uint32_t n = 0;
    while (n < bytes.size() && n < UINT32_MAX && (bytes[n] == '\r' || bytes[n] == '\n')) ++n;
    return n;
}

bool looks_like_sip(std::span<const uint8_t> bytes) {
    const std::string_view s = text_of(bytes.first(std::min<size_t>(bytes.size(), 16)));
    if (sip_text::istarts_with(s, "SIP/2.0 ")) {
        if (s.size() < 11 || s[8] < '1' || s[8] > '6' || !is_digit(s[9]) || !is_digit(s[10])) return false;
        return s.size() == 11 || s[11] == ' ' || s[11] == '\r' || s[11] == '\n';
    }
    // Every method in use is upper-case letters; a URI scheme SIP carries must follow.
    size_t i = 0;
    while (i < s.size() && i <= 10 && s[i] >= 'A' && s[i] <= 'Z') ++i;
    if (i == 0 || i > 10 || i == s.size() || s[i] != ' ') return false;
    const std::string_view uri = s.substr(i + 1);
    return sip_text::istarts_with(uri, "sip:") || sip_text::istarts_with(uri, "sips:") ||
           sip_text::istarts_with(uri, "tel:");
}

// ---- parameters and URIs -------------------------------------------------------------

std::string_view SipParams::get(std::string_view name, bool* present) const {
    std::string_view found;
    bool hit = false;
    for_each_param(raw, [&](std::string_view n, std::string_view v) {
        if (!iequal(n, name)) return false;
        found = v;
        hit = true;
        return true;
    });
    if (present) *present = hit;
    return found;
}

bool SipParams::has(std::string_view name) const {
    bool present = false;
    get(name, &present);
    return present;
}

std::string_view sip_auth_scheme(std::string_view value) {
    value = trim(value);
    size_t i = 0;
    while (i < value.size() && is_token_char(value[i])) ++i;
    // The scheme ends the value or is followed by white space before its parameters.
    if (i == 0 || (i < value.size() && !is_lws(value[i]))) return {};
    return value.substr(0, i);
}

std::string_view sip_auth_param(std::string_view value, std::string_view name) {
    value = trim(value);
    const std::string_view scheme = sip_auth_scheme(value);
    if (scheme.empty()) return {};
    const std::string_view params = value.substr(scheme.size());
    size_t pos = 0;
    std::string_view item;
    while (next_value(params, pos, item)) {
        const size_t eq = item.find('=');
        if (eq == npos) continue;
        if (iequal(trim(item.substr(0, eq)), name)) return unquote(trim(item.substr(eq + 1)));
    }
    return {};
}

bool parse_sip_uri(std::string_view uri, SipUriParts& out) {
    out = SipUriParts{};
    uri = trim(uri);
    const size_t colon = uri.find(':');
    if (colon == npos) return false;
    const std::string_view scheme = uri.substr(0, colon);
    std::string_view rest = uri.substr(colon + 1);
    if (iequal(scheme, "tel")) {  // RFC 3966: the number, then parameters
        const size_t semi = rest.find(';');
        out.scheme = scheme;
        out.user = trim(rest.substr(0, semi));
        if (semi != npos) out.params.raw = rest.substr(semi);
        return !out.user.empty();
    }
    if (!iequal(scheme, "sip") && !iequal(scheme, "sips")) return false;
    // The only '@' a SIP URI holds unescaped ends the userinfo (user and
    // password may hold '?', ';', ',' ... RFC 3261 §25.1 user-unreserved).
    const size_t at = rest.find('@');
    std::string_view user;
    if (at != npos) {
        const std::string_view userinfo = rest.substr(0, at);
        auto stray = [](char c) { return is_lws(c) || c == '<' || c == '>' || c == '"'; };
        if (std::any_of(userinfo.begin(), userinfo.end(), stray)) return false;
        user = userinfo.substr(0, userinfo.find(':'));
        rest = rest.substr(at + 1);
    }
    size_t i = 0;
    if (!rest.empty() && rest[0] == '[') {
        const size_t close = rest.find(']');
        if (close == npos || close == 1) return false;
        for (char c : rest.substr(1, close - 1))
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
        i = close + 1;
    } else {
        while (i < rest.size() && (is_alpha(rest[i]) || is_digit(rest[i]) || rest[i] == '-' || rest[i] == '.' ||
                                   rest[i] == '_'))
            ++i;
        if (i == 0) return false;
    }
    const std::string_view host = rest.substr(0, i);
    uint32_t port = 0;
    if (i < rest.size() && rest[i] == ':') {
        const size_t digits = ++i;
        while (i < rest.size() && is_digit(rest[i])) ++i;
        if (!parse_decimal(rest.substr(digits, i - digits), 65535, &port) || port == 0) return false;
    }
    while (i < rest.size() && is_lws(rest[i])) ++i;
    if (i < rest.size() && rest[i] != ';' && rest[i] != '?') return false;
    out.scheme = scheme;
    out.user = user;
    out.host = host;
    out.port = uint16_t(port);
    if (i < rest.size() && rest[i] == ';') out.params.raw = rest.substr(i, rest.find('?', i) - i);
    return true;
}

// ---- message ----------------------------------------------------------------------

bool SipMessage::has_sdp() const {
    if (body.empty()) return false;
    if (content_type.empty()) return body.substr(0, 3) == "v=0";
    return iequal(trim(content_type.substr(0, content_type.find(';'))), "application/sdp");
}

namespace {

// `whole`: the bytes are the whole message as sent (a body shorter than
// Content-Length is then the sender's or the capture's loss); otherwise the
// caller holds only its head and a short body is expected.
SipParseStatus parse_message(std::span<const uint8_t> bytes, SipMessage& out, const char** why, bool whole) {
    out = SipMessage{};
    auto fail = [&](SipParseStatus s, const char* reason) {
        if (why) *why = reason;
        return s;
    };
    const std::string_view t = text_of(bytes);
    if (t.size() > UINT32_MAX) return fail(SipParseStatus::kInvalid, "message too long");
    const size_t lf = t.find('\n');
    StartLine line;
    const Fit fit = fit_start_line(first_line(t, lf), lf != npos, &line);
    if (fit == Fit::kNo) return fail(SipParseStatus::kInvalid, "not a SIP start line");
    if (fit == Fit::kPrefix) return fail(SipParseStatus::kNeedMore, "start line incomplete");
    out.is_request = line.is_request;
    if (line.is_request) {
        out.method_text = line.method;
        out.method = sip_method_from(line.method);
        out.request_uri = line.uri;
    } else {
        out.status = line.status;
        out.reason_phrase = line.reason;
    }
    if (lf == 0 || t[lf - 1] != '\r') out.anomalies |= kSipBareLf;

    HeaderWalker walk(t, lf + 1);
    HeaderField f;
    Seen seen;
    while (walk.next(f)) apply(f, seen, out);
    if (!seen.call_id || !seen.cseq || !seen.from || !seen.to || out.via_total == 0)
        out.anomalies |= kSipMissingMandatory;
    if (!walk.complete()) {
        if (!whole || walk.end() != t.size() || t.back() != '\n')
            return fail(SipParseStatus::kNeedMore, "header block incomplete");
        out.anomalies |= kSipNoBlankLine;
    }
    out.header_bytes = uint32_t(walk.end());
    const std::string_view rest = t.substr(walk.end());
    SipParseStatus status = SipParseStatus::kOk;
    if (!out.has_content_length) {
        out.body = rest;
        if (!seen.content_length) out.anomalies |= kSipNoContentLength;
    } else {
        out.body = rest.substr(0, out.content_length);
        if (rest.size() > out.content_length || (whole && rest.size() < out.content_length))
            out.anomalies |= kSipBodyLengthMismatch;
        if (whole && rest.size() < out.content_length) status = fail(SipParseStatus::kNeedMore, "body incomplete");
    }
    out.total_bytes = out.header_bytes + uint32_t(out.body.size());
    return status;
}

}  // namespace

SipParseStatus parse_sip_message(std::span<const uint8_t> bytes, SipMessage& out, const char** why) {
    return parse_message(bytes, out, why, true);
}

SipParseStatus parse_sip_message_head(std::span<const uint8_t> bytes, SipMessage& out, const char** why) {
    return parse_message(bytes, out, why, false);
}

}  // namespace cs
