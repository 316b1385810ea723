#include "workers/sdp_parser.h"

#include "workers/sip_text.h"

namespace cs {

using sip_text::iequal;
using sip_text::parse_decimal;
using sip_text::trim;

namespace {

struct StaticType {
    uint8_t pt;
    std::string_view name;
    uint32_t clock;
};
// RFC 3551 §6, Tables 4 and 5: the payload types that need no rtpmap.
constexpr StaticType kStaticTypes[] = {
    {0, "PCMU", 8000},   {3, "GSM", 8000},    {4, "G723", 8000},   {5, "DVI4", 8000},   {6, "DVI4", 16000},
    {7, "LPC", 8000},    {8, "PCMA", 8000},   {9, "G722", 8000},   {10, "L16", 44100},  {11, "L16", 44100},
    {12, "QCELP", 8000}, {13, "CN", 8000},    {14, "MPA", 90000},  {15, "G728", 8000},  {16, "DVI4", 11025},
    {17, "DVI4", 22050}, {18, "G729", 8000},  {25, "CelB", 90000}, {26, "JPEG", 90000}, {28, "nv", 90000},
    {31, "H261", 90000}, {32, "MPV", 90000},  {33, "MP2T", 90000}, {34, "H263", 90000},
};

// Splits off the first white-space separated field of `s`.
std::string_view next_field(std::string_view& s) {
    s = trim(s);
    size_t i = 0;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    const std::string_view f = s.substr(0, i);
    s.remove_prefix(i);
    return f;
}

bool is_rtp_proto(std::string_view proto) {
    for (size_t i = 0; i + 4 <= proto.size(); ++i)
        if (iequal(proto.substr(i, 4), "RTP/")) return true;
    return false;
}

bool is_direction(std::string_view a) {
    return a == "sendrecv" || a == "sendonly" || a == "recvonly" || a == "inactive";
}

// c=<nettype> <addrtype> <address>[/ttl[/count]] (RFC 4566 §5.7): the address.
bool connection_address(std::string_view value, std::string_view* address) {
    next_field(value);
    next_field(value);
    std::string_view a = next_field(value);
    a = a.substr(0, a.find('/'));
    if (a.empty() || !trim(value).empty()) return false;
    *address = a;
    return true;
}

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 4566 §5.14).
// Null when the line is malformed or there is no room: its attributes are then skipped.
SdpMedia* start_media(std::string_view value, SdpSession& out) {
    const std::string_view type = next_field(value);
    const std::string_view port_field = next_field(value);
    const std::string_view proto = next_field(value);
    uint32_t port = 0;
    if (type.empty() || proto.empty() || !parse_decimal(port_field.substr(0, port_field.find('/')), 65535, &port)) {
        out.anomalies |= kSdpBadMediaLine;
        return nullptr;
    }
    if (out.media_count == SdpSession::kMaxMedia) {
        out.anomalies |= kSdpTooManyMedia;
        return nullptr;
    }
    SdpMedia& m = out.media[out.media_count++];
    m = SdpMedia{};
    m.type = type;
    m.port = uint16_t(port);
    m.proto = proto;
    const bool rtp = is_rtp_proto(proto);
    for (std::string_view fmt = next_field(value); !fmt.empty(); fmt = next_field(value)) {
        if (fmt == "*") {
            m.wildcard = true;
            continue;
        }
        if (!rtp) continue;  // udptl t38, TCP/MSRP *: formats, not payload types
        uint32_t pt = 0;
        if (!parse_decimal(fmt, 127, &pt)) {
            out.anomalies |= kSdpBadFormat;
            continue;
        }
        if (m.codec_total < UINT8_MAX) ++m.codec_total;
        if (m.codec_count == SdpMedia::kMaxCodecs) {
            out.anomalies |= kSdpTooManyCodecs;
            continue;
        }
        SdpCodec& c = m.codecs[m.codec_count++];
        c = SdpCodec{};
        c.pt = uint8_t(pt);
        for (const StaticType& s : kStaticTypes)
            if (s.pt == pt) {
                c.name = s.name;
                c.clock = s.clock;
            }
    }
    return &m;
}

SdpCodec* codec_of(SdpMedia& m, std::string_view pt_text) {
    uint32_t pt = 0;
    if (!parse_decimal(pt_text, 127, &pt)) return nullptr;
    for (uint8_t i = 0; i < m.codec_count; ++i)
        if (m.codecs[i].pt == pt) return &m.codecs[i];
    return nullptr;
}

// a=rtpmap:<pt> <encoding name>/<clock rate>[/<parameters>] and
// a=fmtp:<pt> <parameters> (RFC 4566 §6).
bool codec_attribute(std::string_view name, std::string_view arg, SdpMedia& m) {
    std::string_view rest = arg;
    SdpCodec* c = codec_of(m, next_field(rest));
    if (!c) return false;
    rest = trim(rest);
    if (name == "fmtp") {
        c->fmtp = rest;
        return !rest.empty();
    }
    const size_t slash = rest.find('/');
    const std::string_view encoding = rest.substr(0, slash);
    if (encoding.empty()) return false;
    c->name = encoding;
    c->clock = 0;
    if (slash == std::string_view::npos) return false;  // a name without clock rate: kept, but malformed
    const std::string_view clock = rest.substr(slash + 1);
    return parse_decimal(clock.substr(0, clock.find('/')), UINT32_MAX, &c->clock);
}

}  // namespace

const SdpMedia* SdpSession::first(std::string_view type) const {
    for (uint8_t i = 0; i < media_count; ++i)
        if (iequal(media[i].type, type)) return &media[i];
    return nullptr;
}

bool parse_sdp(std::string_view body, SdpSession& out, const char** why) {
    out = SdpSession{};
    bool seen_version = false;
    bool in_media = false;     // past the first m= line
    SdpMedia* media = nullptr;  // the current m= section, null when it was skipped
    size_t pos = 0;
    while (pos < body.size()) {
        const size_t lf = body.find('\n', pos);
        const size_t end = lf == std::string_view::npos ? body.size() : lf;
        std::string_view line = body.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;  // stray blank lines (a trailing extra CRLF is common)
        if (!seen_version) {
            if (line.substr(0, 2) != "v=") {
                if (why) *why = "not SDP: the first line is not v=";
                return false;
            }
            seen_version = true;
            if (line != "v=0") out.anomalies |= kSdpNoVersion;
            continue;
        }
        if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
            out.anomalies |= kSdpBadLine;
            continue;
        }
        const std::string_view value = line.substr(2);
        switch (line[0]) {
            case 'o':
                if (!in_media) out.origin = value;
                break;
            case 'c': {
                std::string_view address;
                if (!connection_address(value, &address)) out.anomalies |= kSdpBadLine;
                else if (!in_media) out.connection = address;
                else if (media) media->connection = address;
                break;
            }
            case 'm':
                in_media = true;
                media = start_media(value, out);
                break;
            case 'a': {
                const size_t colon = value.find(':');
                const std::string_view name = value.substr(0, colon);
                if (is_direction(name) && colon == std::string_view::npos) {
                    if (!in_media) out.direction = name;
                    else if (media) media->direction = name;
                } else if (name == "rtpmap" || name == "fmtp") {
                    if (!in_media) out.anomalies |= kSdpBadRtpmap;
                    else if (media && (colon == std::string_view::npos ||
                                       !codec_attribute(name, value.substr(colon + 1), *media)))
                        out.anomalies |= kSdpBadRtpmap;
                }
                break;
            }
            default: break;
        }
    }
    if (!seen_version) {
        if (why) *why = "not SDP: empty";
        return false;
    }
    return true;
}

bool webex_audio_codec(const SdpCodec& c) {
    for (std::string_view n : {"PCMU", "PCMA", "G722", "MP4A-LATM", "AAC-LD"})
        if (iequal(c.name, n)) return true;
    return false;
}

bool sdp_auxiliary_codec(const SdpCodec& c) { return iequal(c.name, "telephone-event") || iequal(c.name, "CN"); }

}  // namespace cs
