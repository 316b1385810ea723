// sip_parser: pure SIP (RFC 3261) message parsing. Framing of a byte stream
// (where the next message ends: Content-Length, CRLF keep-alives), the start
// line and the headers a call diagnosis reads, each as a view into the caller's
// bytes. No state, no allocation, never reads past the span. Incomplete input
// answers "need N more bytes"; buffering is the caller's (workers/sip_stream.h).
//
// Case rules (RFC 3261 §7.3.1): header names are case-insensitive and have
// compact forms (i, m, f, t, v, l, c, e, k, s, o, u, r...); methods are
// case-sensitive; parameter names are case-insensitive. Folded header lines
// (a line starting with SP/HT continues the previous one) are allowed; a
// folded value's view keeps the CRLF and leading whitespace of the fold, and
// every helper here treats CRLF+WSP as one space.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace cs {

enum class SipMethod : uint8_t {
    kUnknown = 0, kInvite, kAck, kBye, kCancel, kRegister, kOptions, kInfo, kUpdate, kPrack,
    kSubscribe, kNotify, kRefer, kMessage, kPublish,
};
std::string_view sip_method_name(SipMethod m);            // "INVITE", ... ("" for kUnknown)
SipMethod sip_method_from(std::string_view token);          // exact, case-sensitive

// Things the parser tolerated or could not read; bits of SipMessage::anomalies.
enum SipAnomaly : uint32_t {
    kSipFoldedHeader = 1u << 0,        // a header line continued on the next line
    kSipDuplicateHeader = 1u << 1,     // Call-ID / CSeq / From / To / Content-Length repeated
    kSipBadCseq = 1u << 2,             // CSeq not "number METHOD"
    kSipBadContentLength = 1u << 3,    // Content-Length not a number
    kSipNoContentLength = 1u << 4,     // no Content-Length (stream framing assumed 0)
    kSipMissingMandatory = 1u << 5,    // no Call-ID, CSeq, From, To or Via
    kSipBadMaxForwards = 1u << 6,
    kSipTooManyValues = 1u << 7,       // more Route / Via values than kept (counted, not kept)
    kSipBareLf = 1u << 8,              // lines ended by LF alone
    kSipBodyLengthMismatch = 1u << 9,  // datagram body length != Content-Length
    kSipBadHeaderLine = 1u << 10,      // a line not "name: value", or with a raw control character (skipped)
    kSipBadHeaderValue = 1u << 11,     // a From/To/Contact/Route/Via/Warning/auth value that does not split, an Expires
                                       // that is not a number (raw kept)
    kSipNoBlankLine = 1u << 12,        // the bytes ended after a header line without the blank line (taken whole)
};

// ---- stream framing -----------------------------------------------------------

struct SipFrame {
    enum Status : uint8_t { kComplete, kNeedMore, kInvalid };
    Status status = kNeedMore;
    // kComplete: bytes of the whole message (headers + blank line + body).
    // kNeedMore: the least total length that could complete it (> bytes given).
    // kInvalid: 0.
    uint32_t length = 0;
    uint32_t header_bytes = 0;     // start line + headers + blank line (kComplete, or once known)
    uint32_t content_length = 0;   // from Content-Length / l (0 when absent)
    const char* why = nullptr;     // kInvalid: a short reason ("not a SIP start line", ...)
};

// Where the message that starts at bytes[0] ends. Leading CRLFs are NOT
// skipped here: see sip_keepalive_bytes. The header block may not exceed
// max_header_bytes (kInvalid beyond it) and Content-Length may not exceed
// max_body_bytes (kInvalid beyond it), so a hostile stream cannot demand an
// unbounded buffer. A Content-Length that is not a number, or two that differ,
// make the stream unframeable: kInvalid. Before the blank line is seen the
// answer is a lower bound (the shortest line ends that could close the header
// block, LF alone tolerated); once it is seen, the exact length.
SipFrame sip_frame(std::span<const uint8_t> bytes, uint32_t max_header_bytes, uint32_t max_body_bytes);

// Number of leading CR/LF bytes (RFC 5626 keep-alives, stray line ends) to drop
// before a message.
uint32_t sip_keepalive_bytes(std::span<const uint8_t> bytes);

// Whether bytes start like a SIP message: "SIP/2.0 " + 3 digits, or a method
// token followed by SP and a sip:/sips:/tel: URI (or "*" for OPTIONS is not
// needed). For content detection on any port; needs at most 16 bytes.
bool looks_like_sip(std::span<const uint8_t> bytes);

// ---- message ------------------------------------------------------------------

struct SipParams {
    std::string_view raw;  // ";a=b;c" (after the URI / value), may be empty
    // The value of parameter `name` (case-insensitive); a parameter without
    // "=" gives an empty view with *present = true. Absent: empty, false.
    std::string_view get(std::string_view name, bool* present = nullptr) const;
    bool has(std::string_view name) const;
};

// Authorization / WWW-Authenticate style value: `Digest realm="BroadWorks",
// nonce="...", algorithm=MD5` (RFC 2617 §1.2: a scheme token, then
// comma-separated name=value pairs, each value a token or a quoted string).
// The scheme; empty when the value does not start with one.
std::string_view sip_auth_scheme(std::string_view value);
// The value of auth-param `name` (case-insensitive), quotes taken off
// (escapes kept as sent); empty when absent or when the value has no scheme.
std::string_view sip_auth_param(std::string_view value, std::string_view name);

// From / To / Contact / Route style value: [display] <uri>;params, or a bare uri;params.
struct SipNameAddr {
    std::string_view raw;      // the whole value (one value of a comma list)
    std::string_view display;  // without quotes
    std::string_view uri;      // inside <> (or the bare URI)
    SipParams params;          // header parameters after the URI (";tag=..", ";call-type=squared")
    std::string_view tag() const { return params.get("tag"); }
};

struct SipUriParts {
    std::string_view scheme;  // "sip", "sips", "tel"
    std::string_view user;    // may be empty
    std::string_view host;    // without port; IPv6 references keep their []
    uint16_t port = 0;        // 0: absent
    SipParams params;         // URI parameters (";lr;transport=tls")
};
// Splits a URI ("sip:user@host:port;params"); false if it is not one.
bool parse_sip_uri(std::string_view uri, SipUriParts& out);

struct SipVia {
    std::string_view raw;        // one Via value
    std::string_view transport;  // "TLS", "TCP", "UDP"
    std::string_view sent_by;    // host[:port]
    SipParams params;            // branch, received, rport, egress-zone, ingress-zone, ...
    std::string_view branch() const { return params.get("branch"); }
};

struct SipMessage {
    // Start line.
    bool is_request = false;
    SipMethod method = SipMethod::kUnknown;  // requests
    std::string_view method_text;            // requests: the token as sent
    std::string_view request_uri;            // requests
    uint16_t status = 0;                     // responses: 100..699
    std::string_view reason_phrase;          // responses

    // Headers (views into the message; empty when absent).
    std::string_view call_id;
    uint32_t cseq = 0;
    SipMethod cseq_method = SipMethod::kUnknown;
    std::string_view cseq_method_text;
    SipNameAddr from, to;
    static constexpr int kMaxVias = 8;
    SipVia via[kMaxVias];      // in order, top first; comma lists and repeated headers both
    uint8_t via_count = 0;     // kept (at most kMaxVias)
    uint16_t via_total = 0;    // seen
    SipNameAddr contact;       // first Contact value
    bool contact_star = false; // "Contact: *"
    static constexpr int kMaxRoutes = 8;
    SipNameAddr route[kMaxRoutes];  // every Route value, in order
    uint8_t route_count = 0;   // kept (at most kMaxRoutes)
    uint16_t route_total = 0;  // seen
    bool route_header_empty = false;  // a Route header with no value (as the guide's IN-4 log shows)
    uint8_t record_route_count = 0;
    int32_t max_forwards = -1;        // -1: absent
    std::string_view content_type;
    uint32_t content_length = 0;
    bool has_content_length = false;
    std::string_view reason;          // Reason header value, raw
    int32_t q850_cause = -1;          // Reason: Q.850 ;cause=N
    int32_t sip_reason_cause = -1;    // Reason: SIP ;cause=N
    std::string_view warning;         // first Warning value, raw
    uint16_t warning_code = 0;        // e.g. 399
    std::string_view warning_agent;   // e.g. "192.168.1.5:5061"
    std::string_view warning_text;    // without quotes, e.g. "Policy Response"
    std::string_view user_agent, server, session_id, p_asserted_identity;
    // Authentication (RFC 3261 §22, RFC 2617): the first Authorization or
    // Proxy-Authorization value (the request carries credentials) and the
    // first WWW-Authenticate or Proxy-Authenticate value (the response is a
    // challenge), raw; sip_auth_param reads their parameters.
    std::string_view credentials;
    bool proxy_credentials = false;   // credentials came in Proxy-Authorization
    std::string_view challenge;
    bool proxy_challenge = false;     // the challenge came in Proxy-Authenticate
    int64_t expires = -1;             // Expires (delta-seconds, RFC 3261 §20.19); -1: absent or not a number

    std::string_view body;            // Content-Length bytes after the blank line (what is present)
    uint32_t header_bytes = 0;        // start line through the blank line
    uint32_t total_bytes = 0;         // header_bytes + body.size()
    uint32_t anomalies = 0;           // SipAnomaly bits

    bool has_sdp() const;             // body non-empty and Content-Type application/sdp (or absent type with "v=0")
};

enum class SipParseStatus : uint8_t { kOk, kNeedMore, kInvalid };

// Parses one whole message (as framed by sip_frame, or one UDP datagram).
// kNeedMore when the header block or the body announced by Content-Length is
// not complete (stream framing should have prevented that); kInvalid with *why
// when the start line is not SIP or the header block is malformed beyond
// tolerance. Headers the parser does not know are skipped.
// With kNeedMore `out` still holds what the bytes gave: a datagram cut inside
// its body has its headers and the body present (kSipBodyLengthMismatch); one
// cut inside a header line has the complete lines before it (header_bytes 0).
// Bytes that end right after a header line, without the blank line, are taken
// as a whole message without body (kSipNoBlankLine): some UDP stacks send
// ACK and BYE like that; stream framing never hands such bytes over.
// Without Content-Length the body is the rest of the bytes (RFC 3261 §18.3:
// a datagram's body runs to its end; stream framing passes no more).
SipParseStatus parse_sip_message(std::span<const uint8_t> bytes, SipMessage& out, const char** why = nullptr);

// The same for a message the caller could not hold whole (larger than its
// buffer): the header block must be complete; the body is whatever part of it
// is present (Content-Length still reports the announced length).
SipParseStatus parse_sip_message_head(std::span<const uint8_t> bytes, SipMessage& out, const char** why = nullptr);

}  // namespace cs
