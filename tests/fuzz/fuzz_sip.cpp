// libFuzzer target for the SIP parser: any bytes as one datagram (whole and
// head-only parse), as a stream framed by sip_frame under small limits (every
// complete frame must parse, and a prefix of it must ask for more, never for
// too much), and the URI and parameter helpers on every value the parse gave.
// Every view must lie inside the input; each is then read byte by byte, so an
// over-read trips ASan. Counts stay within their bounds.
//
// Input: byte 0 = flags (bits 0-2 header limit, bits 3-5 body limit, bits 6-7
// where a frame is cut for the prefix check), then the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

// Compiled into this unit so the fuzz build instruments it (see fuzz_decode).
#include "workers/sip_parser.cpp"

namespace {

struct Region {
    const char* lo = nullptr;
    size_t n = 0;
};
Region g_in;
volatile uint8_t g_sink = 0;

void inside(std::string_view v) {
    if (v.empty()) return;
    if (v.data() < g_in.lo || v.data() + v.size() > g_in.lo + g_in.n) std::abort();
    for (char c : v) g_sink = uint8_t(g_sink + uint8_t(c));
}

void check_params(const cs::SipParams& p) {
    inside(p.raw);
    for (std::string_view name : {"tag", "branch", "received", "rport", "lr", "transport", "call-type", "cause", ""}) {
        bool present = false;
        const std::string_view v = p.get(name, &present);
        inside(v);
        if (!present && !v.empty()) std::abort();
        if (p.has(name) != present) std::abort();
    }
}

void check_uri(std::string_view uri) {
    cs::SipUriParts u;
    if (!cs::parse_sip_uri(uri, u)) return;
    for (std::string_view v : {u.scheme, u.user, u.host}) inside(v);
    if (u.scheme.empty()) std::abort();
    check_params(u.params);
}

void check_name_addr(const cs::SipNameAddr& a) {
    for (std::string_view v : {a.raw, a.display, a.uri, a.tag()}) inside(v);
    check_params(a.params);
    check_uri(a.uri);
}

void check_message(const cs::SipMessage& m, size_t size) {
    for (std::string_view v : {m.method_text, m.request_uri, m.reason_phrase, m.call_id, m.cseq_method_text,
                               m.content_type, m.reason, m.warning, m.warning_agent, m.warning_text, m.user_agent,
                               m.server, m.session_id, m.p_asserted_identity, m.credentials, m.challenge, m.body})
        inside(v);
    for (std::string_view auth : {m.credentials, m.challenge}) {
        inside(cs::sip_auth_scheme(auth));
        for (std::string_view name : {"realm", "username", "nonce", ""}) inside(cs::sip_auth_param(auth, name));
    }
    if (m.expires < -1 || m.expires > int64_t(UINT32_MAX)) std::abort();
    check_uri(m.request_uri);
    check_name_addr(m.from);
    check_name_addr(m.to);
    check_name_addr(m.contact);
    if (m.via_count > cs::SipMessage::kMaxVias || m.via_count > m.via_total) std::abort();
    for (uint8_t i = 0; i < m.via_count; ++i) {
        for (std::string_view v : {m.via[i].raw, m.via[i].transport, m.via[i].sent_by, m.via[i].branch()}) inside(v);
        check_params(m.via[i].params);
    }
    if (m.route_count > cs::SipMessage::kMaxRoutes || m.route_count > m.route_total) std::abort();
    for (uint8_t i = 0; i < m.route_count; ++i) check_name_addr(m.route[i]);
    if (m.status != 0 && (m.status < 100 || m.status > 699)) std::abort();
    if (m.is_request != (m.status == 0) && !m.method_text.empty()) std::abort();
    if (m.header_bytes > size || m.total_bytes > size) std::abort();
    if (m.header_bytes && m.total_bytes != m.header_bytes + m.body.size()) std::abort();
    if (m.warning_code > 999 || m.max_forwards > 255) std::abort();
    (void)m.has_sdp();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t flags = data[0];
    const std::span<const uint8_t> in(data + 1, size - 1);
    g_in = {reinterpret_cast<const char*>(in.data()), in.size()};

    cs::SipMessage m;
    const char* why = nullptr;
    const cs::SipParseStatus whole = cs::parse_sip_message(in, m, &why);
    check_message(m, in.size());
    if (whole != cs::SipParseStatus::kOk && !why) std::abort();
    if (whole == cs::SipParseStatus::kOk && m.has_content_length && m.body.size() != m.content_length) std::abort();
    (void)cs::parse_sip_message_head(in, m);
    check_message(m, in.size());
    (void)cs::looks_like_sip(in);

    // The stream: header limit 16 B .. 2 KiB, body limit 0 .. 16 KiB.
    const uint32_t max_header = 16u << (flags & 7);
    const uint32_t max_body = (1u << (2 * ((flags >> 3) & 7))) - 1;
    size_t pos = 0;
    while (pos < in.size()) {
        pos += cs::sip_keepalive_bytes(in.subspan(pos));
        if (pos == in.size()) break;
        const std::span<const uint8_t> rest = in.subspan(pos);
        const cs::SipFrame f = cs::sip_frame(rest, max_header, max_body);
        if (f.status == cs::SipFrame::kInvalid) {
            if (!f.why || f.length != 0) std::abort();
            break;
        }
        if (f.status == cs::SipFrame::kNeedMore) {
            if (f.length <= rest.size()) std::abort();
            if (f.header_bytes && f.length != f.header_bytes + f.content_length) std::abort();
            break;
        }
        if (f.length == 0 || f.length > rest.size() || f.header_bytes > max_header || f.content_length > max_body ||
            f.length != f.header_bytes + f.content_length)
            std::abort();
        // A framed message parses whole, to the byte.
        const std::span<const uint8_t> msg = rest.first(f.length);
        if (cs::parse_sip_message(msg, m, &why) != cs::SipParseStatus::kOk) std::abort();
        if (m.total_bytes != f.length || m.header_bytes != f.header_bytes) std::abort();
        check_message(m, msg.size());
        // A prefix of it waits, and never asks for more than the message.
        const size_t cut = f.length * ((flags >> 6) + 1) / 5;
        const cs::SipFrame p = cs::sip_frame(msg.first(cut), max_header, max_body);
        if (p.status != cs::SipFrame::kNeedMore || p.length <= cut || p.length > f.length) std::abort();
        pos += f.length;
    }
    return 0;
}
