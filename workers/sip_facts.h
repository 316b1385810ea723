// SipFact: what a worker learned from one SIP message (or from the end of a
// TCP connection that carried SIP), for the publisher's per-Call-ID state.
// Plain and fixed-size: it travels through a bounded DPDK ring by value, no
// pointers, no heap. Texts are bounded copies; a longer value is cut and
// marked truncated (the event says so).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "pipeline/ip_addr.h"
#include "workers/conn_fact.h"
#include "workers/sip_parser.h"

namespace cs {

template <size_t N>
struct SipText {
    char s[N];
    uint16_t len = 0;
    bool truncated = false;
    void set(std::string_view v) {
        len = uint16_t(std::min(v.size(), N));
        truncated = v.size() > N;
        if (len) std::memcpy(s, v.data(), len);
    }
    std::string_view view() const { return {s, len}; }
    bool empty() const { return len == 0; }
};

// Evidence the SIP signatures (signatures/sip.rules.yaml) attach to a message:
// one bit per tag the call diagnosis reads. A rule's tag name maps to a bit at
// load time (sip_tag_from_name); rules with other tags or with codes are kept
// as matched rule ids only.
enum SipTag : uint32_t {
    kTagPolicyResponse = 1u << 0,         // "policy_response": Warning 399 <host> "Policy Response"
    kTagInvalidContentFarEnd = 1u << 1,   // "invalid_content_far_end": Warning "Invalid content in far end 200 OK"
    kTagWebexCallUri = 1u << 2,           // "webex_call_uri": Request-URI in *.call.ciscospark.com
    kTagWebexMeetingUri = 1u << 3,        // "webex_meeting_uri": Request-URI in *.webex.com
    kTagFromWebex = 1u << 4,              // "from_webex": the request came from the Webex cloud
    kTagCallTypeSquared = 1u << 5,        // "call_type_squared": Contact carries ;call-type=squared
    kTagNoResourceCause = 1u << 6,        // "no_resource_cause": Reason: Q.850 ;cause=47
    kTagAudioRejected = 1u << 7,          // "audio_rejected": SDP m=audio 0
    kTagExpresswayAgent = 1u << 8,        // "expressway_agent": Server/User-Agent TANDBERG (Expressway)
    kTagWebexAgent = 1u << 9,             // "webex_agent": User-Agent Cisco-L2SIP / Webex B2BUA
    kTagCount = 10,
};
std::string_view sip_tag_name(SipTag t);          // "policy_response", ...
uint32_t sip_tag_from_name(std::string_view name);  // the bit, 0 if the name is not a tag the diagnosis reads

struct SdpAudioSummary {
    bool present = false;       // an m=audio line exists
    uint16_t port = 0;          // 0: audio rejected
    bool wildcard = false;      // "*" format list
    static constexpr int kMaxCodecs = 8;
    uint8_t codec_count = 0;
    SipText<24> codecs[kMaxCodecs];  // names ("G729/8000" style: name/clock), in offer order, auxiliary ones included
    bool any_webex_codec = false;    // webex_audio_codec() for any
    bool only_auxiliary = false;     // nothing but telephone-event / CN
};

struct alignas(8) SipFact {
    // kMessage: one SIP message. kConnEnd: the TCP connection that carried SIP
    // saw a reset or FIN (end_rst / from_client say which and who).
    enum Kind : uint8_t { kMessage = 0, kConnEnd = 1 };
    uint8_t kind = kMessage;
    uint8_t transport = 6;            // 6 TCP, 17 UDP
    Direction direction = Direction::kUnknown;  // of the connection (inbound: cloud opened it)
    uint16_t vantage = 0;
    IpAddr client_ip, server_ip;      // TCP: who opened the connection; UDP: first sender
    uint16_t client_port = 0, server_port = 0;
    bool from_client = false;         // this message / this FIN or RST came from the client
    uint64_t conn_id = 0;             // same for every fact of one connection (or UDP flow) on one vantage
    uint64_t ts_ns = 0;               // packet time of the packet that completed the message
    uint32_t frame = 0;               // that packet's frame number (on its vantage)
    uint32_t first_frame = 0;         // frame of the message's first byte (TCP)
    uint32_t seq_in_conn = 0;         // message number within the connection (ordering ties)

    // kConnEnd
    bool end_rst = false;             // RST (else FIN)

    // kMessage: start line
    bool is_request = false;
    SipMethod method = SipMethod::kUnknown;
    SipText<16> method_text;
    uint16_t status = 0;
    SipText<64> reason_phrase;
    SipText<160> request_uri;
    // headers
    SipText<160> call_id;
    uint32_t cseq = 0;
    SipMethod cseq_method = SipMethod::kUnknown;
    SipText<160> from_uri, to_uri;
    SipText<80> from_tag, to_tag;
    SipText<256> top_via;             // raw top Via value
    SipText<192> contact;             // raw first Contact value
    bool call_type_squared = false;   // Contact parameter call-type=squared (structural)
    SipText<256> route;               // every Route value, joined by ","
    uint8_t route_count = 0;
    bool route_header_empty = false;
    bool route_preloaded = false;     // a Route URI with ;lr whose host is not the receiving proxy's address
    uint8_t record_route_count = 0;
    int32_t max_forwards = -1;
    SipText<192> warning;             // raw first Warning
    uint16_t warning_code = 0;
    SipText<64> warning_agent;
    SipText<96> warning_text;
    SipText<128> reason;              // raw Reason header
    int32_t q850_cause = -1;
    SipText<96> user_agent, server;
    // Authentication (what a registration's story turns on): the request
    // carries credentials (Authorization / Proxy-Authorization), the response
    // is a challenge (WWW-Authenticate / Proxy-Authenticate); the realm of
    // that header, and the user name of the credentials.
    bool credentials = false;
    bool challenge = false;
    bool auth_proxy = false;          // the Proxy- form of that header
    SipText<48> auth_realm;
    SipText<64> auth_user;
    int64_t expires = -1;             // the first Contact's ;expires, else Expires; seconds, -1 absent
    SipText<96> session_id;
    SipText<64> egress_zone;          // top Via egress-zone parameter (the hop that forwarded it)
    uint32_t content_length = 0;
    uint32_t msg_bytes = 0;           // whole message as sent (headers + body)
    uint32_t header_bytes = 0;
    bool has_sdp = false;
    bool sdp_parsed = false;
    SdpAudioSummary audio;
    uint16_t video_port = 0;
    bool video_present = false;
    uint32_t anomalies = 0;           // SipAnomaly bits

    // Signatures: tags (SipTag bits) and the ids of every rule that matched
    // with its conditions satisfied (at most kMaxRules kept, matched_total counts all).
    uint32_t tags = 0;
    static constexpr int kMaxRules = 8;
    uint32_t matched_rules[kMaxRules] = {};
    uint8_t matched_count = 0, matched_total = 0;
    bool on_tls_port = false;         // cleartext SIP on 5061/5062
};
static_assert(sizeof(SipFact) % 4 == 0, "rte_ring element sizes are multiples of 4");

}  // namespace cs
