#include "workers/sip_diagnosis.h"

#include <fmt/format.h>

#include <algorithm>

namespace cs {

namespace {

constexpr std::string_view kWebexCallDomain = ".call.ciscospark.com";
// Guide BI-1: the BYE that tears down a call without a usable codec follows
// the answer within about 100 ms; the guide's rule allows up to 2 s.
constexpr uint64_t kCodecTeardownNs = 2'000'000'000ull;
constexpr int kNoResourceAvailable = 47;  // Q.850 cause

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iends_with(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size()) return false;
    s = s.substr(s.size() - suffix.size());
    for (size_t i = 0; i < s.size(); ++i)
        if (lower(s[i]) != lower(suffix[i])) return false;
    return true;
}

// The host of a sip:/sips: URI ("sip:user@host:port;params").
std::string_view uri_host(std::string_view uri) {
    const size_t colon = uri.find(':');
    if (colon == std::string_view::npos) return {};
    uri.remove_prefix(colon + 1);
    const size_t end_userinfo = uri.find_first_of("@;>");
    if (end_userinfo != std::string_view::npos && uri[end_userinfo] == '@') uri.remove_prefix(end_userinfo + 1);
    if (!uri.empty() && uri.front() == '[') return uri.substr(0, uri.find(']') + 1);
    return uri.substr(0, uri.find_first_of(":;>?"));
}

// "192.168.1.5:5061" -> "192.168.1.5"; "[2001:db8::1]:5061" -> "[2001:db8::1]".
std::string_view agent_host(std::string_view agent) {
    if (!agent.empty() && agent.front() == '[') return agent.substr(0, agent.find(']') + 1);
    return agent.substr(0, agent.find(':'));
}

std::string endpoint(const IpAddr& ip, uint16_t port) {
    return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port) : fmt::format("[{}]:{}", ip.to_string(), port);
}

std::string duration(int64_t ns) {
    if (ns < 10'000'000'000ll) return fmt::format("{:.1f} ms", double(ns) / 1e6);
    return fmt::format("{:.1f} s", double(ns) / 1e9);
}

// Who sent a message on its leg, as an address (or the leg's name when it is not listed).
std::string sender(const SipCallRecord& c, int leg, bool from_client) {
    const SipLeg* l = c.leg(leg);
    if (!l) return "an unlisted leg";
    return from_client ? endpoint(l->client_ip, l->client_port) : endpoint(l->server_ip, l->server_port);
}
std::string receiver(const SipCallRecord& c, int leg, bool from_client) { return sender(c, leg, !from_client); }

std::string start_line(const SipFact& f) {
    if (f.is_request) return fmt::format("{} {}", f.method_text.view(), f.request_uri.view());
    return fmt::format("{} {}", f.status, f.reason_phrase.view());
}

std::string codec_list(const SdpAudioSummary& a) {
    if (!a.present) return "no audio";
    std::string out;
    const int n = std::min<int>(a.codec_count, SdpAudioSummary::kMaxCodecs);
    for (int i = 0; i < n; ++i) fmt::format_to(std::back_inserter(out), "{}{}", i ? ", " : "", a.codecs[i].view());
    if (a.wildcard) out += out.empty() ? "*" : ", *";
    if (out.empty()) out = "no codec";
    return a.port == 0 ? fmt::format("m=audio 0 ({})", out) : out;
}

std::string route_text(const SipFact& f) {
    if (f.route_count) return fmt::format("Route: {}{}", f.route.view(), f.route.truncated ? "..." : "");
    return f.route_header_empty ? "an empty Route header" : "no Route header";
}

int64_t since(const SipFact* earlier, uint64_t later_ns) {
    return earlier && later_ns >= earlier->ts_ns ? int64_t(later_ns - earlier->ts_ns) : -1;
}

bool has_tag(const SipFact* f, uint32_t tag) { return f && (f->tags & tag); }

struct Builder {
    const SipCallRecord& c;
    SipVerdict& v;

    void add(uint64_t ns, uint32_t frame, int leg, std::string text) {
        v.evidence.push_back({ns, frame, leg, std::move(text)});
    }
    void add(const SipAt& at, std::string text) { add(at.ns, at.frame, at.leg, std::move(text)); }
    void add_fact(const SipFact& f, int leg, std::string text) { add(f.ts_ns, f.frame, leg, std::move(text)); }

    // "INVITE sip:... from A to B" and what the rule at hand needs to see of it.
    void invite_line(const SipFact& inv, int leg, std::string_view extra = {}) {
        std::string t = fmt::format("{} from {} to {}", start_line(inv), sender(c, leg, inv.from_client),
                                    receiver(c, leg, inv.from_client));
        if (!inv.from_uri.empty()) fmt::format_to(std::back_inserter(t), " (From {})", inv.from_uri.view());
        if (!extra.empty()) fmt::format_to(std::back_inserter(t), ", {}", extra);
        add_fact(inv, leg, std::move(t));
    }
    // "404 Not Found from B, 6.0 ms after the INVITE; Warning: ...; Server: ..."
    void response_line(const SipFact& r, int leg, const SipFact* inv) {
        std::string t = fmt::format("{} from {}", start_line(r), sender(c, leg, r.from_client));
        const int64_t lat = since(inv, r.ts_ns);
        if (lat >= 0) fmt::format_to(std::back_inserter(t), ", {} after the INVITE", duration(lat));
        if (!r.warning.empty()) fmt::format_to(std::back_inserter(t), "; Warning: {}", r.warning.view());
        if (!r.reason.empty()) fmt::format_to(std::back_inserter(t), "; Reason: {}", r.reason.view());
        if (!r.server.empty()) fmt::format_to(std::back_inserter(t), "; Server: {}", r.server.view());
        else if (!r.user_agent.empty()) fmt::format_to(std::back_inserter(t), "; User-Agent: {}", r.user_agent.view());
        add_fact(r, leg, std::move(t));
    }
    void invite_of(int leg, std::string_view extra = {}) {
        const SipLeg* l = c.leg(leg);
        if (l && l->invite) invite_line(*l->invite, leg, extra);
        else if (const SipFact* inv = c.invite_for(leg)) invite_line(*inv, c.first_invite_leg, extra);
    }
    void finish() {
        std::stable_sort(v.evidence.begin(), v.evidence.end(), [](const SipEvidence& a, const SipEvidence& b) {
            return a.ns != b.ns ? a.ns < b.ns : a.frame < b.frame;
        });
    }
};

// Did an initial INVITE of this call go from on-prem towards the cloud on any leg?
bool invite_sent_to_cloud(const SipCallRecord& c) {
    for (const SipLeg& l : c.legs)
        if (l.invite && sip_towards_cloud(*l.invite)) return true;
    return false;
}

const SipFact* offer_invite(const SipCallRecord& c, int leg) {
    const SipFact* inv = c.invite_for(leg);
    if (inv && inv->has_sdp) return inv;
    for (const SipLeg& l : c.legs)
        if (l.invite && l.invite->has_sdp) return &*l.invite;
    return inv;
}

void cleartext(const SipCallRecord& c, SipVerdict& v) {
    Builder b{c, v};
    v.code = FailureCode::kSipCleartextOnTlsPort;
    v.outcome = SipOutcome::kConnection;
    v.leg = 0;
    const SipLeg* l = c.leg(0);
    if (!l || c.ladder.empty()) return;
    const SipStep& s = c.ladder.front();
    v.detail = fmt::format("SIP in clear on TLS port {}: {} from {}", l->server_port, s.text.view(),
                           sender(c, 0, s.from_client));
    b.add(s.ns, s.frame, 0, fmt::format("{} in clear from {} to {} (TLS port {})", s.text.view(),
                                        sender(c, 0, s.from_client), receiver(c, 0, s.from_client), l->server_port));
}

// SIP_MESSAGE_TOO_LARGE: the receiver ended the connection instead of answering.
void too_large(const SipCallRecord& c, SipVerdict& v) {
    Builder b{c, v};
    const SipFact& m = *c.large;
    const int leg = c.large_at.leg;
    v.code = FailureCode::kSipMessageTooLarge;
    v.outcome = SipOutcome::kFailed;
    v.leg = leg;
    const std::string to = receiver(c, leg, m.from_client);
    const int64_t gap = c.large_end.ns >= m.ts_ns ? int64_t(c.large_end.ns - m.ts_ns) : 0;
    v.detail = fmt::format("{} {} the TCP connection {} after a {}-byte {} (limit {} bytes) without a SIP answer", to,
                           c.large_end_rst ? "reset" : "closed", duration(gap), m.msg_bytes, start_line(m),
                           c.size_limit);
    b.add_fact(m, leg, fmt::format("{} from {} to {}: {} bytes (headers {}, Content-Length {}), {} over the {}-byte limit",
                                   start_line(m), sender(c, leg, m.from_client), to, m.msg_bytes, m.header_bytes,
                                   m.content_length, m.msg_bytes - c.size_limit, c.size_limit));
    b.add(c.large_end, fmt::format("{} from {} {} after it, no SIP message from {} in between",
                                   c.large_end_rst ? "RST" : "FIN", to, duration(gap), to));
    if (c.failure && c.failure_at.ns >= c.large_end.ns) {
        const SipFact& f = *c.failure;
        v.response = SipVerdict::kFailureResponse;
        v.detail += fmt::format("; {} {} followed {} later", f.status, f.reason_phrase.view(),
                                duration(int64_t(f.ts_ns - c.large_end.ns)));
        b.add_fact(f, c.failure_at.leg, fmt::format("{} from {}, {} after the {}", start_line(f),
                                                    sender(c, c.failure_at.leg, f.from_client),
                                                    duration(int64_t(f.ts_ns - c.large_end.ns)),
                                                    c.large_end_rst ? "reset" : "close"));
    }
    const bool large_2xx = !m.is_request && m.status >= 200 && m.status < 300 && m.cseq_method == SipMethod::kInvite;
    if (large_2xx && !c.ack.seen) b.add_fact(m, leg, fmt::format("no ACK for this {} {} was ever seen", m.status, m.reason_phrase.view()));
    b.finish();
}

// The INVITE shown is the retry when an earlier final failure was answered with a new one.
void retry_line(Builder& b, const SipFact* inv, int leg) {
    if (!b.c.retried_after || !inv) return;
    const uint16_t st = b.c.retried_after;
    b.add_fact(*inv, leg, fmt::format("INVITE (CSeq {}) retried after a {}{}", inv->cseq, st,
                                      st == 401 || st == 407 ? " challenge, with credentials" : ""));
}

// A final response >= 300 to the initial INVITE.
void failed(const SipCallRecord& c, SipVerdict& v, uint64_t policy_fast_ns) {
    Builder b{c, v};
    const SipFact& r = *c.failure;
    const int leg = c.failure_at.leg;
    const SipFact* inv = c.invite_for(leg);
    v.leg = leg;
    v.response = SipVerdict::kFailureResponse;
    v.outcome = SipOutcome::kFailed;
    v.latency_ns = since(inv, r.ts_ns);
    const bool policy = r.tags & kTagPolicyResponse;
    const bool to_webex_call = has_tag(inv, kTagWebexCallUri);
    const std::string who = r.warning_agent.empty() ? sender(c, leg, r.from_client)
                                                     : std::string(agent_host(r.warning_agent.view()));
    const std::string ruri = inv ? std::string(inv->request_uri.view()) : std::string("?");
    const std::string lat = v.latency_ns >= 0 ? duration(v.latency_ns) : std::string("?");
    std::string invite_extra;

    if (r.status == 404 && policy && v.inbound) {
        v.code = FailureCode::kSipPreloadedRouteRejected;
        const std::string route = inv ? route_text(*inv) : std::string("its Route");
        v.detail = fmt::format("{} rejected the call from Webex with 404 \"Policy Response\" {} after the INVITE: the "
                               "zone does not accept the preloaded route ({})", who, lat, route);
        invite_extra = route;
    } else if (r.status == 404 && policy && to_webex_call && !invite_sent_to_cloud(c)) {
        v.code = FailureCode::kSipSearchRuleRejected;
        v.detail = fmt::format("{} answered the call to {} with 404 \"Policy Response\" after {} and no INVITE for this "
                               "Call-ID went towards the cloud: a search rule sent it elsewhere", who, ruri, lat);
    } else if (r.status == 403 && policy && to_webex_call && v.latency_ns >= 0 &&
               uint64_t(v.latency_ns) <= policy_fast_ns) {
        v.code = FailureCode::kSipCallPolicyRejected;
        v.detail = fmt::format("{} refused the call to {} with 403 \"Policy Response\" in {}, before any search: a "
                               "Call Policy (CPL) rule rejects it", who, ruri, lat);
    } else if (r.status == 500 && (r.tags & kTagInvalidContentFarEnd) && has_tag(inv, kTagWebexMeetingUri) &&
               !inv->has_sdp) {
        v.code = FailureCode::kSipDelayedOfferRejected;
        v.detail = fmt::format("{} answered the delayed-offer INVITE (no SDP) to {} with 500 \"{}\"", who, ruri,
                               r.warning_text.empty() ? r.reason_phrase.view() : r.warning_text.view());
        invite_extra = "no SDP (delayed offer)";
    } else if (r.status == 487 && c.cancel.seen) {
        v.code = FailureCode::kCallOk;
        v.outcome = SipOutcome::kCancelled;
        v.detail = fmt::format("the caller cancelled the call to {} before it was answered", ruri);
    } else if (r.status < 400) {
        v.code = FailureCode::kCallOk;
        v.outcome = SipOutcome::kRedirected;
        v.detail = fmt::format("the call to {} was redirected with {} {}", ruri, r.status, r.reason_phrase.view());
    } else {
        v.code = FailureCode::kSipCallFailed;
        v.detail = fmt::format("{} {} from {} to the INVITE to {}", r.status, r.reason_phrase.view(),
                               sender(c, leg, r.from_client), ruri);
        if (!r.warning.empty()) v.detail += fmt::format(" (Warning: {})", r.warning.view());
        else if (!r.reason.empty()) v.detail += fmt::format(" (Reason: {})", r.reason.view());
        if (c.answer && !c.ack.seen)
            v.detail += fmt::format(", after a {} that was never acknowledged", c.answer->status);
    }
    retry_line(b, inv, leg);
    b.invite_of(leg, invite_extra);
    if (c.ringing.seen) b.add(c.ringing, "ringing (18x) before the final response");
    if (c.cancel.seen) b.add(c.cancel, "CANCEL from the caller");
    if (c.answer) b.add(c.answer_at, fmt::format("{} from {}{}", start_line(*c.answer), sender(c, c.answer_at.leg, c.answer->from_client),
                                                 c.ack.seen ? "" : ", never acknowledged (no ACK)"));
    b.response_line(r, leg, inv);
    b.finish();
}

// SIP_CALLTYPE_STRIPPED: the leg that carries ;call-type=squared and a later leg whose copy lost it.
bool stripped(const SipCallRecord& c, SipVerdict& v) {
    int with = -1;
    for (size_t i = 0; i < c.legs.size(); ++i) {
        const SipLeg& l = c.legs[i];
        if (l.invite && l.invite->call_type_squared &&
            (with < 0 || l.invite->ts_ns < c.legs[size_t(with)].invite->ts_ns))
            with = int(i);
    }
    if (with < 0) return false;
    const SipFact& sq = *c.legs[size_t(with)].invite;
    int without = -1;
    for (size_t i = 0; i < c.legs.size() && without < 0; ++i) {
        const SipLeg& l = c.legs[i];
        if (int(i) != with && l.invite && !l.invite->call_type_squared && l.invite->ts_ns >= sq.ts_ns) without = int(i);
    }
    if (without < 0) return false;
    const SipFact& st = *c.legs[size_t(without)].invite;
    Builder b{c, v};
    v.code = FailureCode::kSipCalltypeStripped;
    v.leg = without;
    v.stripping_hop = std::string(st.egress_zone.view());
    v.detail = fmt::format("the INVITE from Webex carried ;call-type=squared on leg L{} but its copy on leg L{} lost it "
                           "({}): Webex cannot recognise and cancel the looped call", with, without,
                           v.stripping_hop.empty() ? std::string("no egress-zone named")
                                                   : fmt::format("forwarded by zone {}", v.stripping_hop));
    b.invite_line(sq, with, fmt::format("Contact: {}", sq.contact.view()));
    b.invite_line(st, without, fmt::format("Contact: {} without call-type=squared{}", st.contact.view(),
                                           v.stripping_hop.empty() ? std::string()
                                                                   : fmt::format(", Via egress-zone={}", v.stripping_hop)));
    return true;
}

void answered(const SipCallRecord& c, SipVerdict& v) {
    Builder b{c, v};
    const SipFact& a = *c.answer;
    const int leg = c.answer_at.leg;
    const SipFact* inv = c.invite_for(leg);
    v.leg = leg;
    v.response = SipVerdict::kAnswerResponse;
    v.outcome = SipOutcome::kAnswered;
    v.setup_ns = since(inv, a.ts_ns);
    const SipFact* offer = offer_invite(c, leg);
    const bool early = offer && offer->has_sdp;
    const SdpAudioSummary* offered = early ? &offer->audio : a.has_sdp ? &a.audio : nullptr;
    const SipFact* bye = c.bye ? &*c.bye : nullptr;
    const bool cause47 = bye && (bye->q850_cause == kNoResourceAvailable || (bye->tags & kTagNoResourceCause));
    const bool audio_zeroed = a.audio.present && a.audio.port == 0;
    const bool quick_teardown = bye && bye->ts_ns >= a.ts_ns && bye->ts_ns - a.ts_ns <= kCodecTeardownNs;

    if (bye && (audio_zeroed || (cause47 && quick_teardown))) {
        v.code = FailureCode::kSipCodecRejected;
        v.outcome = SipOutcome::kFailed;
        const std::string teardown = fmt::format("BYE from {} {} after the {}{}", sender(c, c.bye_at.leg, bye->from_client),
                                                 duration(since(&a, bye->ts_ns)), a.status,
                                                 cause47 ? " with Q.850 cause 47 (no resource available)" : "");
        v.detail = audio_zeroed
                       ? fmt::format("the answer rejected the audio stream (m=audio 0) and the call was torn down: {}; "
                                     "offered audio: {}", teardown, offered ? codec_list(*offered) : "not seen")
                       : fmt::format("the call was torn down right after the answer: {}; no common audio codec "
                                     "(offered: {})", teardown, offered ? codec_list(*offered) : "not seen");
        if (early) b.add_fact(*offer, c.first_invite_leg, fmt::format("offer: audio {}", codec_list(offer->audio)));
        b.add(c.answer_at, fmt::format("{} from {}, answer audio: {}", start_line(a), sender(c, leg, a.from_client),
                                       codec_list(a.audio)));
        b.add(c.bye_at, teardown + (bye->reason.empty() ? "" : fmt::format(" (Reason: {})", bye->reason.view())));
        b.finish();
        return;
    }
    if (stripped(c, v)) {
        b.finish();
        return;
    }
    if (offered && sip_audio_unsupported(*offered)) {
        v.code = FailureCode::kSipCodecOfferUnsupported;
        v.detail = fmt::format("the call was answered, but its audio offer has no codec Webex supports (G.711, G.722, "
                               "AAC-LD): {}", codec_list(*offered));
        b.add_fact(early ? *offer : a, early ? c.first_invite_leg : leg,
                   fmt::format("{} offer: audio {}", early ? "INVITE" : "2xx", codec_list(*offered)));
        b.finish();
        return;
    }
    v.code = FailureCode::kCallOk;
    std::string end;
    if (bye) {
        const SipFact* bye_inv = c.invite_for(c.bye_at.leg);
        const char* role = bye_inv && bye_inv->from_client == bye->from_client ? "the caller" : "the callee";
        end = fmt::format("hung up by {} ({}) {} after the answer", role, sender(c, c.bye_at.leg, bye->from_client),
                          duration(since(&a, bye->ts_ns)));
    } else if (c.closed == SipClose::kEndOfCapture) {
        end = "still up at the end of the capture";
    } else {
        end = "no BYE seen before the call went idle";
    }
    v.detail = fmt::format("answered with {} {}{}; {}", a.status, a.reason_phrase.view(),
                           v.setup_ns >= 0 ? fmt::format(" after {}", duration(v.setup_ns)) : std::string(), end);
    if (!c.ack.seen) v.detail += "; no ACK seen";
    b.invite_of(leg);
    retry_line(b, inv, leg);
    b.add(c.answer_at, fmt::format("{} from {}", start_line(a), sender(c, leg, a.from_client)));
    if (c.ack.seen) b.add(c.ack, "ACK");
    if (bye) b.add(c.bye_at, fmt::format("BYE from {}", sender(c, c.bye_at.leg, bye->from_client)));
    b.finish();
}

void unanswered(const SipCallRecord& c, SipVerdict& v) {
    Builder b{c, v};
    const int leg = c.first_invite_leg;
    const SipFact* inv = c.invite_for(leg);
    v.leg = leg;
    if (c.cancel.seen) {
        v.code = FailureCode::kCallOk;
        v.outcome = SipOutcome::kCancelled;
        v.detail = fmt::format("the caller cancelled the call to {} (no final response seen)", inv->request_uri.view());
        b.invite_of(leg);
        b.add(c.cancel, "CANCEL from the caller");
        b.finish();
        return;
    }
    // The capture ending first proves no failure, unless the INVITE was already
    // being resent with not even a provisional answer (UDP's Timer A: as a
    // SYN's retransmissions prove an unanswered connect). A ringing call, or
    // one INVITE over TCP, cut by the end of the capture is not reported.
    const SipLeg& l = c.legs[size_t(leg)];
    if (c.closed == SipClose::kEndOfCapture && (c.first_provisional.seen || l.retransmissions == 0)) return;
    v.code = FailureCode::kSipNoFinalResponse;
    v.outcome = SipOutcome::kUnanswered;
    const int64_t waited = since(inv, c.closed_ns);
    const std::string to = receiver(c, leg, inv->from_client);
    switch (c.closed) {
        case SipClose::kTimerB:
            v.detail = fmt::format("{} never answered the INVITE to {}: no response at all within Timer B ({})", to,
                                   inv->request_uri.view(), duration(waited));
            break;
        case SipClose::kEndOfCapture:
            v.detail = fmt::format("no final response to the INVITE to {} before the capture ended, {} after it", inv->request_uri.view(),
                                   duration(waited));
            break;
        default:
            v.detail = fmt::format("no final response to the INVITE to {}: the call went idle {} after it", inv->request_uri.view(),
                                   duration(waited));
            break;
    }
    if (c.first_provisional.seen) v.detail += fmt::format(" (only {} provisional)", c.provisional_status);
    std::string retx;
    if (const SipLeg* l = c.leg(leg); l && l->retransmissions)
        retx = fmt::format("retransmitted; {} retransmissions on this leg", l->retransmissions);
    b.invite_of(leg, retx);
    if (c.first_provisional.seen) b.add(c.first_provisional, fmt::format("{} (provisional), then no final response", c.provisional_status));
    b.finish();
}

}  // namespace

const char* sip_close_name(SipClose c) {
    switch (c) {
        case SipClose::kSettled: return "settled";
        case SipClose::kTimerB: return "timer_b";
        case SipClose::kIdle: return "idle";
        case SipClose::kEndOfCapture: return "end_of_capture";
    }
    return "?";
}

const char* sip_outcome_name(SipOutcome o) {
    switch (o) {
        case SipOutcome::kNone: return "none";
        case SipOutcome::kAnswered: return "answered";
        case SipOutcome::kFailed: return "failed";
        case SipOutcome::kCancelled: return "cancelled";
        case SipOutcome::kRedirected: return "redirected";
        case SipOutcome::kUnanswered: return "unanswered";
        case SipOutcome::kConnection: return "connection";
    }
    return "?";
}

const SipFact* SipCallRecord::invite_for(int i) const {
    if (const SipLeg* l = leg(i); l && l->invite) return &*l->invite;
    if (const SipLeg* l = leg(first_invite_leg); l && l->invite) return &*l->invite;
    return nullptr;
}

bool sip_from_cloud(const SipFact& f) {
    return (f.tags & kTagFromWebex) || f.call_type_squared || iends_with(uri_host(f.from_uri.view()), kWebexCallDomain) ||
           (f.direction == Direction::kInbound && f.from_client) || (f.direction == Direction::kOutbound && !f.from_client);
}

bool sip_towards_cloud(const SipFact& f) {
    return (f.direction == Direction::kOutbound && f.from_client) || (f.direction == Direction::kInbound && !f.from_client);
}

bool sip_audio_unsupported(const SdpAudioSummary& a) {
    return a.present && a.port != 0 && !a.wildcard && a.codec_count > 0 && !a.any_webex_codec && !a.only_auxiliary;
}

const SipFact* deciding_response(const SipCallRecord& call, const SipVerdict& v) {
    switch (v.response) {
        case SipVerdict::kFailureResponse: return call.failure ? &*call.failure : nullptr;
        case SipVerdict::kAnswerResponse: return call.answer ? &*call.answer : nullptr;
        default: return nullptr;
    }
}

SipVerdict diagnose_sip_call(const SipCallRecord& c, uint64_t policy_fast_ns) {
    SipVerdict v;
    if (c.cleartext) {
        cleartext(c, v);
        return v;
    }
    for (const SipLeg& l : c.legs)
        if (l.invite && sip_from_cloud(*l.invite)) v.inbound = true;
    if (c.large && c.large_end.seen) {
        too_large(c, v);
        return v;
    }
    if (!c.invite_for(c.first_invite_leg)) return v;  // no INVITE seen: nothing to say about a call
    // A final failure decides, unless the call had been answered and acknowledged first.
    const bool answered_first = c.answer && c.ack.seen && (!c.failure || c.answer_at.ns <= c.failure_at.ns);
    if (c.failure && !answered_first) failed(c, v, policy_fast_ns);
    else if (c.answer) answered(c, v);
    else unanswered(c, v);
    return v;
}

}  // namespace cs
