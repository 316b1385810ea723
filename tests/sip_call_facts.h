// SipFacts built by hand the way a worker fills them for the guide's messages
// (verbatim header values), and a sink that keeps what the call tracker
// reports: shared by the call tracker and the call diagnosis tests.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "workers/sip_calls.h"

namespace sipt {

using namespace cs;

constexpr uint64_t kMs = 1'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

// One connection (or UDP flow) on one vantage, as a worker sees it.
struct Conn {
    uint16_t vantage = 0;
    uint64_t id = 0;
    const char* client = "";
    uint16_t client_port = 0;
    const char* server = "";
    uint16_t server_port = 0;
    Direction direction = Direction::kUnknown;
    uint8_t transport = 6;
    uint32_t seq = 0;  // messages (and ends) so far
};

inline SipFact base(Conn& c, bool from_client, uint64_t ts, uint32_t frame) {
    SipFact f;
    f.transport = c.transport;
    f.direction = c.direction;
    f.vantage = c.vantage;
    f.client_ip = *IpAddr::parse(c.client);
    f.server_ip = *IpAddr::parse(c.server);
    f.client_port = c.client_port;
    f.server_port = c.server_port;
    f.from_client = from_client;
    f.conn_id = c.id;
    f.ts_ns = ts;
    f.frame = f.first_frame = frame;
    f.seq_in_conn = ++c.seq;
    return f;
}

inline SipFact request(Conn& c, bool from_client, uint64_t ts, uint32_t frame, SipMethod m, const char* method,
                       const char* ruri, const char* call_id, uint32_t cseq, const char* via) {
    SipFact f = base(c, from_client, ts, frame);
    f.is_request = true;
    f.method = m;
    f.method_text.set(method);
    f.request_uri.set(ruri);
    f.call_id.set(call_id);
    f.cseq = cseq;
    f.cseq_method = m;
    f.top_via.set(via);
    f.msg_bytes = 600;
    f.header_bytes = 600;
    return f;
}

inline SipFact invite(Conn& c, bool from_client, uint64_t ts, uint32_t frame, const char* ruri, const char* call_id,
                      uint32_t cseq, const char* from, const char* to, const char* via) {
    SipFact f = request(c, from_client, ts, frame, SipMethod::kInvite, "INVITE", ruri, call_id, cseq, via);
    f.from_uri.set(from);
    f.from_tag.set("872524918");
    f.to_uri.set(to);
    f.msg_bytes = f.header_bytes = 1500;
    return f;
}

// A request inside the dialog the INVITE made (ACK, BYE, re-INVITE): its To carries the tag.
inline SipFact in_dialog(Conn& c, bool from_client, uint64_t ts, uint32_t frame, SipMethod m, const char* method,
                         const SipFact& inv, uint32_t cseq, const char* to_tag, const char* via) {
    SipFact f = request(c, from_client, ts, frame, m, method, "", "", cseq, via);
    f.request_uri = inv.request_uri;
    f.call_id = inv.call_id;
    f.from_uri = inv.from_uri;
    f.from_tag = inv.from_tag;
    f.to_uri = inv.to_uri;
    f.to_tag.set(to_tag);
    return f;
}

// The answer to `req` from the other end of its connection (RFC 3261 §8.2.6:
// Call-ID, CSeq, From, To and Via copied from the request).
inline SipFact response(Conn& c, uint64_t ts, uint32_t frame, uint16_t status, const char* reason, const SipFact& req,
                        const char* to_tag = "96b9a0eaf669a590") {
    SipFact f = base(c, !req.from_client, ts, frame);
    f.status = status;
    f.reason_phrase.set(reason);
    f.call_id = req.call_id;
    f.cseq = req.cseq;
    f.cseq_method = req.cseq_method;
    f.from_uri = req.from_uri;
    f.from_tag = req.from_tag;
    f.to_uri = req.to_uri;
    f.top_via = req.top_via;
    if (status > 100) f.to_tag.set(to_tag);
    f.msg_bytes = f.header_bytes = 450;
    return f;
}

inline SipFact conn_end(Conn& c, bool from_client, uint64_t ts, uint32_t frame, bool rst) {
    SipFact f = base(c, from_client, ts, frame);
    f.kind = SipFact::kConnEnd;
    f.end_rst = rst;
    return f;
}

// An SDP body's audio line as sip_summary fills it.
inline void audio(SipFact& f, uint16_t port, std::initializer_list<const char*> codecs, bool any_webex,
                  bool only_auxiliary = false, bool wildcard = false) {
    f.has_sdp = f.sdp_parsed = true;
    f.audio.present = true;
    f.audio.port = port;
    f.audio.wildcard = wildcard;
    f.audio.any_webex_codec = any_webex;
    f.audio.only_auxiliary = only_auxiliary;
    for (const char* c : codecs) f.audio.codecs[f.audio.codec_count++].set(c);
}

// ---- the guide's calls -----------------------------------------------------------

// IN-4 (guide EN L1423-1597): the Expressway-E forwards Webex's INVITE to the
// Expressway-C over the traversal zone (the Expressway-C opened that
// connection to 7003, so the INVITE comes from the server side); the
// Expressway-C answers 404 "Policy Response" 6 ms later.
struct In4 {
    bool policy_tag = true;      // the signatures tagged the Warning "Policy Response"
    bool from_webex = true;      // From in *.call.ciscospark.com and Contact ;call-type=squared
    bool empty_route = false;    // the captures' log shows "Route:" empty
    uint16_t status = 404;
    const char* reason = "Not Found";
};
inline std::vector<SipFact> in4_call(In4 o = {}) {
    const uint64_t t0 = 1505844975ull * kSec + 830 * kMs;
    Conn ec{1, 0x4e4, "192.168.1.5", 26847, "192.168.1.6", 7003, Direction::kInternal};
    SipFact inv = invite(ec, false, t0, 12, "sip:jorobb@rtp.ciscotac.net", "9062bca7eca2afe71b4a225048ed5101@127.0.0.1", 1,
                         o.from_webex ? "sip:pstojano-test@dmzlab.call.ciscospark.com" : "sip:5010@rtp.ciscotac.net",
                         "sip:jorobb@rtp.ciscotac.net",
                         "SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch="
                         "z9hG4bKc8lc6cddddef7edbbe5bdce9868fb019913;proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d;rport");
    inv.egress_zone.set("HybridCallServiceTraversal");
    inv.contact.set(o.from_webex ? "<sip:192.168.1.6:5073;transport=tls>;call-type=squared" : "<sip:192.168.1.6:5073;transport=tls>");
    inv.call_type_squared = o.from_webex;
    if (o.from_webex) inv.tags |= kTagCallTypeSquared;
    inv.max_forwards = 15;
    if (o.empty_route) {
        inv.route_header_empty = true;
    } else {
        inv.route.set("<sip:cucm.rtp.ciscotac.net;lr>");
        inv.route_count = 1;
        inv.route_preloaded = true;
    }
    SipFact rej = response(ec, t0 + 6 * kMs, 13, o.status, o.reason, inv, "96b9a0eaf669a590");
    rej.server.set("TANDBERG/4135 (X8.10.2)");
    rej.warning.set("399 192.168.1.5:5061 \"Policy Response\"");
    rej.warning_code = 399;
    rej.warning_agent.set("192.168.1.5:5061");
    rej.warning_text.set("Policy Response");
    rej.session_id.set("00000000000000000000000000000000;remote=daf7c278732bb5a557fb57925dffcbf7");
    rej.tags = kTagExpresswayAgent | (o.policy_tag ? kTagPolicyResponse : 0u);
    rej.matched_rules[0] = 7;
    rej.matched_count = rej.matched_total = 1;
    SipFact ack = in_dialog(ec, false, t0 + 7 * kMs, 14, SipMethod::kAck, "ACK", inv, 1, "96b9a0eaf669a590", "");
    ack.top_via = inv.top_via;  // the ACK of a non-2xx is in the INVITE's transaction
    return {inv, rej, ack};
}

// OUT-3 / OUT-4 (guide EN L2883-2996, L3292-3405): the Expressway-C sends the
// CUCM's INVITE for pstojano-test@dmzlab.call.ciscospark.com to the
// Expressway-E (traversal client: it opened the connection), which answers
// 404 (search rule, 10.3 s later) or 403 (CPL, 5 ms later) "Policy Response".
struct Out {
    uint16_t status = 404;
    const char* reason = "Not Found";
    uint64_t latency_ns = 10327 * kMs;
    bool policy_tag = true;
    bool webex_uri = true;
    bool sent_to_cloud = false;  // the Expressway-E did send the INVITE to Webex (outside leg)
    const char* call_id = "d58f2680-9c91200a-1c7ba-1501a8c0@192.168.1.21";
    const char* to_tag = "10d2cfbc45e4373f";
};
inline std::vector<SipFact> out_call(Out o = {}) {
    const uint64_t t0 = 1506353162ull * kSec + 959 * kMs;
    Conn ce{1, 0x0b3, "192.168.1.5", 25675, "192.168.1.6", 7003, Direction::kInternal};
    const char* ruri = o.webex_uri ? "sip:pstojano-test@dmzlab.call.ciscospark.com" : "sip:5010@rtp.ciscotac.net";
    SipFact inv = invite(ce, true, t0, 40, ruri, o.call_id, 101, "sip:5010@rtp.ciscotac.net", ruri,
                         "SIP/2.0/TLS 192.168.1.5:5061;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK9a1c0e5cd3;rport");
    inv.user_agent.set("Cisco-CUCM11.5");
    inv.content_length = 714;
    inv.msg_bytes = 2100;
    audio(inv, 24580, {"PCMU/8000", "G722/8000", "telephone-event/8000"}, true);
    if (o.webex_uri) inv.tags |= kTagWebexCallUri;
    std::vector<SipFact> out{inv};
    out.push_back(response(ce, t0 + 2 * kMs, 41, 100, "Trying", inv));
    if (o.sent_to_cloud) {
        Conn eo{0, 0x0b4, "172.16.2.2", 25010, "146.20.193.64", 5062, Direction::kOutbound};
        SipFact fwd = invite(eo, true, t0 + 40 * kMs, 42, ruri, o.call_id, 101, "sip:5010@rtp.ciscotac.net", ruri,
                             "SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK77aa;rport");
        fwd.tags |= kTagWebexCallUri;
        out.push_back(fwd);
    }
    SipFact rej = response(ce, t0 + o.latency_ns, 50, o.status, o.reason, inv, o.to_tag);
    rej.server.set("TANDBERG/4135 (X8.10.2)");
    rej.warning.set("399 192.168.1.6:7003 \"Policy Response\"");
    rej.warning_code = 399;
    rej.warning_agent.set("192.168.1.6:7003");
    rej.warning_text.set("Policy Response");
    rej.tags = kTagExpresswayAgent | (o.policy_tag ? kTagPolicyResponse : 0u);
    out.push_back(rej);
    return out;
}

// BI-1 (guide EN L3564-3887): the Expressway-E's INVITE to Webex offers G.729
// only; Webex's 200 OK zeroes the audio (m=audio 0 RTP/SAVP *); the CUCM side
// sends BYE with Reason: Q.850 ;cause=47 103 ms after the 200 OK.
struct Bi1 {
    bool audio_zeroed = true;
    bool bye = true;
    bool cause47 = true;  // else the BYE is a normal clearing (Q.850 cause 16)
    bool g729_only = true;
};
inline std::vector<SipFact> bi1_call(Bi1 o = {}) {
    const uint64_t t0 = 1505832370ull * kSec + 488 * kMs;
    Conn c{0, 0xb11, "172.16.2.2", 25034, "146.20.193.64", 5062, Direction::kOutbound};
    SipFact inv = invite(c, true, t0, 100, "sip:pstojano-test@dmzlab.call.ciscospark.com",
                         "44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21", 101, "sip:5010@rtp.ciscotac.net",
                         "sip:pstojano-test@dmzlab.call.ciscospark.com",
                         "SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK1c2d;rport");
    inv.user_agent.set("TANDBERG/4352 (X8.10.2-b2bua-1.0)");
    inv.content_length = 1407;
    inv.msg_bytes = 3100;
    inv.contact.set("<sip:172.16.2.2:5073;transport=tls>;video;audio");
    inv.tags |= kTagWebexCallUri | kTagExpresswayAgent;
    if (o.g729_only) audio(inv, 52668, {"G729/8000", "telephone-event/8000"}, false);
    else audio(inv, 52668, {"PCMU/8000", "G722/8000", "telephone-event/8000"}, true);
    inv.video_present = true;
    inv.video_port = 52670;
    SipFact ringing = response(c, t0 + 900 * kMs, 104, 180, "Ringing", inv, "1311451760");
    SipFact ok = response(c, t0 + 16584 * kMs, 160, 200, "OK", inv, "1311451760");
    ok.user_agent.set("Cisco-L2SIP");
    ok.content_length = 503;
    ok.msg_bytes = 1300;
    if (o.audio_zeroed) {
        audio(ok, 0, {}, false, false, true);
        ok.tags |= kTagAudioRejected;
    } else {
        audio(ok, 33510, {"G729/8000"}, false);
    }
    ok.tags |= kTagWebexAgent;
    ok.video_present = true;
    ok.video_port = 33512;
    SipFact ack = in_dialog(c, true, t0 + 16590 * kMs, 161, SipMethod::kAck, "ACK", inv, 101, "1311451760",
                            "SIP/2.0/TLS 64.102.241.236:5062;branch=z9hG4bKack1;rport");
    std::vector<SipFact> out{inv, ringing, ok, ack};
    if (o.bye) {
        SipFact bye = in_dialog(c, true, t0 + 16687 * kMs, 163, SipMethod::kBye, "BYE", inv, 102, "1311451760",
                                "SIP/2.0/TLS 64.102.241.236:5062;branch=z9hG4bKbye1;rport");
        bye.request_uri.set("sip:192.168.1.6:5071;transport=tls");
        bye.user_agent.set("Cisco-CUCM11.5");
        bye.reason.set(o.cause47 ? "Q.850 ;cause=47" : "Q.850 ;cause=16");
        bye.q850_cause = o.cause47 ? 47 : 16;
        if (o.cause47) bye.tags |= kTagNoResourceCause;
        out.push_back(bye);
        out.push_back(response(c, t0 + 16730 * kMs, 165, 200, "OK", bye, "1311451760"));
    }
    return out;
}

// BI-2 (guide EN L4022-4073): a delayed-offer call; Webex's 200 OK (the offer,
// 8804 bytes: headers 4736, Content-Length 4068) is passed by the
// Expressway-C to the CUCM over TCP 5060; the CUCM reads 5000 bytes and resets
// the connection without a word. No ACK; Webex retransmits its 200 OK and
// sends 603 Decline 20.9 s after the reset, on the outside leg.
struct Bi2 {
    bool reset = true;          // the CUCM resets (else it answers with an ACK)
    bool rst_before_tail = false;  // the reset is captured before the 200 OK's last packet
    bool decline = true;
};
inline std::vector<SipFact> bi2_call(Bi2 o = {}) {
    const uint64_t reset_ns = 1483538719ull * kSec + 762 * kMs;
    const char* id = "a1b2c3d4-5e6f7081-9a0b-1c2d3e4f@10.36.100.10";
    Conn in{1, 0xb21, "10.36.100.10", 51234, "10.36.100.140", 5060, Direction::kInternal};  // CUCM -> Expressway-C
    Conn out{0, 0xb22, "172.16.2.2", 25150, "146.20.193.64", 5062, Direction::kOutbound};   // Expressway-E -> Webex
    SipFact inv_in = invite(in, true, reset_ns - 9 * kSec, 200, "sip:pstojano-test@dmzlab.call.ciscospark.com", id, 101,
                            "sip:5010@rtp.ciscotac.net", "sip:pstojano-test@dmzlab.call.ciscospark.com",
                            "SIP/2.0/TCP 10.36.100.10:5060;branch=z9hG4bK5e1f");
    inv_in.user_agent.set("Cisco-CUCM11.5");
    SipFact inv_out = invite(out, true, reset_ns - 8900 * kMs, 201, "sip:pstojano-test@dmzlab.call.ciscospark.com", id,
                             101, "sip:5010@rtp.ciscotac.net", "sip:pstojano-test@dmzlab.call.ciscospark.com",
                             "SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK6a7b;rport");
    SipFact ring_out = response(out, reset_ns - 8500 * kMs, 205, 180, "Ringing", inv_out, "c904ecb1");
    SipFact ring_in = response(in, reset_ns - 8490 * kMs, 206, 180, "Ringing", inv_in, "77e1");
    SipFact ok_out = response(out, reset_ns - 40 * kMs, 230, 200, "OK", inv_out, "c904ecb1");
    ok_out.user_agent.set("Cisco-L2SIP");
    audio(ok_out, 33500, {"PCMU/8000", "G722/8000", "MP4A-LATM/48000", "telephone-event/8000"}, true);
    ok_out.content_length = 4068;
    ok_out.header_bytes = 4736;
    ok_out.msg_bytes = 8804;
    SipFact ok_in = response(in, reset_ns - 2 * kMs, 231, 200, "OK", inv_in, "77e1");
    ok_in.content_length = 4068;
    ok_in.header_bytes = 4736;
    ok_in.msg_bytes = 8804;
    audio(ok_in, 33500, {"PCMU/8000", "G722/8000", "MP4A-LATM/48000", "telephone-event/8000"}, true);
    std::vector<SipFact> f{inv_in, inv_out, ring_out, ring_in, ok_out};
    if (o.reset) {
        SipFact rst = conn_end(in, true, reset_ns, 232, true);
        if (o.rst_before_tail) {
            rst.ts_ns = ok_in.ts_ns - 1 * kMs;
            rst.seq_in_conn = ok_in.seq_in_conn;  // the worker saw the reset first
            ok_in.seq_in_conn = rst.seq_in_conn + 1;
        }
        f.push_back(ok_in);
        f.push_back(rst);
    } else {
        f.push_back(ok_in);
        f.push_back(in_dialog(in, true, reset_ns + 10 * kMs, 233, SipMethod::kAck, "ACK", inv_in, 101, "77e1",
                              "SIP/2.0/TCP 10.36.100.10:5060;branch=z9hG4bK5e20"));
    }
    // Webex retransmits the unacknowledged 200 OK (T1 doubling), then declines.
    uint64_t t = ok_out.ts_ns;
    uint64_t gap = 500 * kMs;
    for (uint32_t k = 0; k < 4; ++k) {
        t += gap;
        gap *= 2;
        SipFact again = ok_out;
        again.ts_ns = t;
        again.frame = again.first_frame = 240 + k;
        again.seq_in_conn = ++out.seq;
        f.push_back(again);
    }
    if (o.decline) {
        SipFact decline = response(out, reset_ns + 20883 * kMs, 300, 603, "Decline", inv_out, "c904ecb1");
        decline.user_agent.set("Cisco-L2SIP");
        f.push_back(decline);
    }
    return f;
}

// IN-5 (guide EN L2058-2141): Webex's INVITE arrives on 5062 with Contact
// ;call-type=squared; the copy the Expressway-E sends to the Expressway-C
// (top Via egress-zone=HybridCallServiceTraversal) has lost it. The call is
// answered and goes on (the user just sees two toasts).
inline std::vector<SipFact> in5_call(bool stripped = true) {
    const uint64_t t0 = 1505844108ull * kSec + 140 * kMs;
    const char* id = "6bc0ca8210c0b48df69f38057ec1e48b@127.0.0.1";
    Conn out{0, 0x151, "146.20.193.73", 40342, "172.16.2.2", 5062, Direction::kInbound};
    Conn in{1, 0x152, "192.168.1.5", 26686, "192.168.1.6", 7003, Direction::kInternal};
    SipFact a = invite(out, true, t0, 500, "sip:pstojano-test@rtp.ciscotac.net", id, 1, "sip:jorobb@dmzlab.call.ciscospark.com",
                       "sip:pstojano-test@rtp.ciscotac.net",
                       "SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71");
    a.contact.set("\"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>;call-type=squared");
    a.call_type_squared = true;
    a.max_forwards = 70;
    a.route.set("<sip:l2sip@64.102.241.236:5062;transport=tls;lr>,<sip:cucm.rtp.ciscotac.net;lr>");
    a.route_count = 2;
    a.route_preloaded = true;
    a.tags |= kTagFromWebex | kTagCallTypeSquared;
    audio(a, 20000, {"MP4A-LATM/48000", "G722/8000", "PCMU/8000", "telephone-event/8000"}, true);
    SipFact b = invite(in, false, t0 + 12 * kMs, 900, "sip:pstojano-test@rtp.ciscotac.net", id, 1,
                       "sip:jorobb@dmzlab.call.ciscospark.com", "sip:pstojano-test@rtp.ciscotac.net",
                       "SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKe2c0;rport");
    b.egress_zone.set("HybridCallServiceTraversal");
    b.contact.set(stripped ? "<sip:192.168.1.6:5073;transport=tls>"
                           : "<sip:192.168.1.6:5073;transport=tls>;call-type=squared");
    b.call_type_squared = !stripped;
    b.max_forwards = 15;
    b.route.set("<sip:cucm.rtp.ciscotac.net;lr>");
    b.route_count = 1;
    audio(b, 20000, {"MP4A-LATM/48000", "G722/8000", "PCMU/8000", "telephone-event/8000"}, true);
    SipFact ring_b = response(in, t0 + 300 * kMs, 901, 180, "Ringing", b, "in5b");
    SipFact ring_a = response(out, t0 + 310 * kMs, 501, 180, "Ringing", a, "in5a");
    SipFact ok_b = response(in, t0 + 4 * kSec, 902, 200, "OK", b, "in5b");
    audio(ok_b, 30000, {"G722/8000"}, true);
    SipFact ok_a = response(out, t0 + 4 * kSec + 10 * kMs, 502, 200, "OK", a, "in5a");
    audio(ok_a, 30000, {"G722/8000"}, true);
    SipFact ack_a = in_dialog(out, true, t0 + 4 * kSec + 60 * kMs, 503, SipMethod::kAck, "ACK", a, 1, "in5a",
                              "SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bKack5");
    SipFact ack_b = in_dialog(in, false, t0 + 4 * kSec + 70 * kMs, 903, SipMethod::kAck, "ACK", b, 1, "in5b",
                              "SIP/2.0/TLS 192.168.1.6:7003;branch=z9hG4bKack6");
    return {a, b, ring_b, ring_a, ok_b, ok_a, ack_a, ack_b};
}

struct Recorder : SipCallSink {
    std::vector<SipCallEvent> events;
    void sip_call(const SipCallEvent& e) override { events.push_back(e); }
    std::vector<FailureCode> codes() const {
        std::vector<FailureCode> out;
        for (const auto& e : events) out.push_back(e.verdict.code);
        return out;
    }
};

// Facts of one scenario, pushed in order and then the capture ends.
inline std::vector<SipCallEvent> run(const std::vector<SipFact>& facts, SipCallSettings s = {}) {
    Recorder rec;
    SipCallTracker t(s, rec);
    for (const SipFact& f : facts) t.push(f);
    t.advance(UINT64_MAX);
    return rec.events;
}

}  // namespace sipt
