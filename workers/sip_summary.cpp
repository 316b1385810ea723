#include "workers/sip_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "workers/sdp_parser.h"
#include "workers/sip_text.h"

namespace cs {

namespace {

// A Route entry is preloaded when it asks for loose routing through a host
// other than the one receiving the request (RFC 3261 §8.1.2, §16.4): the
// Webex cloud preloads the user's Unified CM cluster (guide IN-4).
bool preloaded(const SipNameAddr& route, const IpAddr& receiver) {
    SipUriParts u;
    if (!parse_sip_uri(route.uri, u) || !u.params.has("lr")) return false;
    std::string_view host = u.host;
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const std::optional<IpAddr> a = IpAddr::parse(host);
    return !a || *a != receiver;
}

// Values joined by ',' straight into the bounded text (no heap on the worker path).
template <size_t N>
void join(SipText<N>& out, const SipNameAddr* values, uint8_t count) {
    out.len = 0;
    out.truncated = false;
    for (uint8_t i = 0; i < count; ++i) {
        const std::string_view v = values[i].raw;
        const size_t need = v.size() + (i ? 1 : 0);
        if (out.len + need > N) {
            out.truncated = true;
            return;
        }
        if (i) out.s[out.len++] = ',';
        std::memcpy(out.s + out.len, v.data(), v.size());
        out.len = uint16_t(out.len + v.size());
    }
}

// A Contact's ;expires wins over the Expires header (RFC 3261 §10.2.1.1); -1 absent.
int64_t contact_expires(const SipNameAddr& contact) {
    uint32_t seconds = 0;
    return sip_text::parse_decimal(contact.params.get("expires"), UINT32_MAX, &seconds) ? int64_t(seconds) : -1;
}

}  // namespace

void summarise_sdp(std::string_view body, SipFact& out) {
    SdpSession s;
    if (!parse_sdp(body, s)) return;
    out.sdp_parsed = true;
    if (const SdpMedia* a = s.first("audio")) {
        SdpAudioSummary& au = out.audio;
        au.present = true;
        au.port = a->port;
        au.wildcard = a->wildcard;
        au.only_auxiliary = a->codec_count > 0;
        for (uint8_t i = 0; i < a->codec_count; ++i) {
            const SdpCodec& c = a->codecs[i];
            if (webex_audio_codec(c)) au.any_webex_codec = true;
            if (!sdp_auxiliary_codec(c)) au.only_auxiliary = false;
            if (au.codec_count < SdpAudioSummary::kMaxCodecs) {
                char name[64];
                const auto r = c.name.empty() ? fmt::format_to_n(name, sizeof name, "PT{}", c.pt)
                               : c.clock     ? fmt::format_to_n(name, sizeof name, "{}/{}", c.name, c.clock)
                                             : fmt::format_to_n(name, sizeof name, "{}", c.name);
                au.codecs[au.codec_count++].set({name, std::min(r.size, sizeof name)});
            }
        }
    }
    if (const SdpMedia* v = s.first("video")) {
        out.video_present = true;
        out.video_port = v->port;
    }
}

void summarise_sip_message(const SipMessage& m, const IpAddr& receiver, SipFact& out) {
    out.is_request = m.is_request;
    out.method = m.method;
    out.method_text.set(m.method_text);
    out.status = m.status;
    out.reason_phrase.set(m.reason_phrase);
    out.request_uri.set(m.request_uri);
    out.call_id.set(m.call_id);
    out.cseq = m.cseq;
    out.cseq_method = m.cseq_method;
    out.from_uri.set(m.from.uri);
    out.from_tag.set(m.from.tag());
    out.to_uri.set(m.to.uri);
    out.to_tag.set(m.to.tag());
    if (m.via_count) {
        out.top_via.set(m.via[0].raw);
        out.egress_zone.set(m.via[0].params.get("egress-zone"));
    }
    out.contact.set(m.contact.raw);
    out.call_type_squared = m.contact.params.get("call-type") == "squared";
    join(out.route, m.route, m.route_count);
    out.route_count = m.route_count;
    out.route_header_empty = m.route_header_empty;
    for (uint8_t i = 0; i < m.route_count && !out.route_preloaded; ++i)
        out.route_preloaded = preloaded(m.route[i], receiver);
    out.record_route_count = m.record_route_count;
    out.max_forwards = m.max_forwards;
    out.warning.set(m.warning);
    out.warning_code = m.warning_code;
    out.warning_agent.set(m.warning_agent);
    out.warning_text.set(m.warning_text);
    out.reason.set(m.reason);
    out.q850_cause = m.q850_cause;
    out.user_agent.set(m.user_agent);
    out.server.set(m.server);
    out.session_id.set(m.session_id);
    out.credentials = !m.credentials.empty();
    out.challenge = !m.challenge.empty();
    const std::string_view auth = out.credentials ? m.credentials : m.challenge;
    out.auth_proxy = out.credentials ? m.proxy_credentials : m.proxy_challenge;
    out.auth_realm.set(sip_auth_param(auth, "realm"));
    if (out.credentials) out.auth_user.set(sip_auth_param(auth, "username"));
    out.expires = contact_expires(m.contact);
    if (out.expires < 0) out.expires = m.expires;
    out.content_length = m.content_length;
    out.header_bytes = m.header_bytes;
    out.msg_bytes = m.header_bytes + m.content_length;
    out.anomalies = m.anomalies;
    out.has_sdp = m.has_sdp();
    if (out.has_sdp) summarise_sdp(m.body, out);
}

}  // namespace cs
