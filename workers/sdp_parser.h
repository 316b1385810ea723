// sdp_parser: pure SDP (RFC 4566) parsing of a SIP body: the session's origin
// and connection, each media line with its port, protocol and payload types,
// the codec names from rtpmap (or the static RTP table of RFC 3551), fmtp and
// the media direction. Views into the caller's bytes; no allocation.
#pragma once
#include <cstdint>
#include <string_view>

namespace cs {

struct SdpCodec {
    uint8_t pt = 0;              // RTP payload type
    std::string_view name;       // "G729", "PCMU", "MP4A-LATM", "telephone-event" (rtpmap, else static table; empty if unknown)
    uint32_t clock = 0;          // clock rate from rtpmap (static table for static types)
    std::string_view fmtp;       // a=fmtp parameters for this type, may be empty
};

struct SdpMedia {
    std::string_view type;       // "audio", "video", "application", ...
    uint16_t port = 0;           // 0: the stream is rejected / disabled
    std::string_view proto;      // "RTP/AVP", "RTP/SAVP", ...
    bool wildcard = false;       // format list "*" (as Webex answers a rejected stream)
    static constexpr int kMaxCodecs = 16;
    SdpCodec codecs[kMaxCodecs]; // in m= line order; RTP protocols only (RTP/AVP, RTP/SAVP, ...)
    uint8_t codec_count = 0;     // kept
    uint8_t codec_total = 0;     // payload types listed (at most 255 counted)
    std::string_view direction;  // "sendrecv", "sendonly", "recvonly", "inactive"; empty: session's or default
    std::string_view connection; // media-level c= address, may be empty
};

// Bits of SdpSession::anomalies.
enum SdpAnomaly : uint32_t {
    kSdpNoVersion = 1u << 0,      // first line not v=0
    kSdpBadLine = 1u << 1,        // a line not "x=value"
    kSdpBadMediaLine = 1u << 2,   // m= line malformed (skipped)
    kSdpBadRtpmap = 1u << 3,      // rtpmap / fmtp malformed, at session level, or for a type the m= line lacks
    kSdpTooManyMedia = 1u << 4,   // more m= lines than kept
    kSdpTooManyCodecs = 1u << 5,
    kSdpBadFormat = 1u << 6,      // an RTP m= format not a payload type 0..127 (not kept)
};

struct SdpSession {
    std::string_view origin;      // o= value
    std::string_view connection;  // session-level c= address ("64.102.241.236")
    std::string_view direction;   // session-level direction attribute
    static constexpr int kMaxMedia = 8;
    SdpMedia media[kMaxMedia];
    uint8_t media_count = 0;
    uint32_t anomalies = 0;

    const SdpMedia* first(std::string_view type) const;  // first m= of that type, or null
};

// Parses an SDP body. False (with *why) only when it is not SDP at all (no
// v= line first); tolerable damage is reported in anomalies.
bool parse_sdp(std::string_view body, SdpSession& out, const char** why = nullptr);

// Audio codecs Webex Hybrid Call accepts (guide: "G.711, G.722, and AAC-LD"):
// PCMU, PCMA, G722, and AAC-LD as MP4A-LATM (or "AAC-LD"), by name, case-insensitive.
bool webex_audio_codec(const SdpCodec& c);
// telephone-event / comfort noise: not a voice codec, ignored when judging an offer.
bool sdp_auxiliary_codec(const SdpCodec& c);

}  // namespace cs
