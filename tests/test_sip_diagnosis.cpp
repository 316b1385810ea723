// SIP call diagnosis on the guide's calls (hand-built SipFacts with its
// verbatim values, through the call tracker): every SIP catalog code, and each
// look-alike the catalog says must be told apart.
#include <gtest/gtest.h>

#include "tests/sip_call_facts.h"

using namespace cs;
using namespace sipt;

namespace {

// The one call event of a scenario (cleartext-port events are separate and not expected here).
SipCallEvent only_call(const std::vector<SipFact>& facts, SipCallSettings s = {}) {
    std::vector<SipCallEvent> ev = run(facts, s);
    EXPECT_EQ(ev.size(), 1u);
    return ev.empty() ? SipCallEvent{} : ev.front();
}

bool evidence_has(const SipVerdict& v, std::string_view needle) {
    for (const auto& e : v.evidence)
        if (e.text.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(SipDiagnosis, PreloadedRouteRejectedNamesTheRejectingExpresswayAndTheRoute) {
    const SipCallEvent e = only_call(in4_call());
    const SipVerdict& v = e.verdict;
    EXPECT_EQ(v.code, FailureCode::kSipPreloadedRouteRejected);
    EXPECT_TRUE(v.inbound);
    EXPECT_EQ(v.outcome, SipOutcome::kFailed);
    EXPECT_EQ(v.latency_ns, int64_t(6 * kMs));
    EXPECT_NE(v.detail.find("192.168.1.5 rejected"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("<sip:cucm.rtp.ciscotac.net;lr>"), std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "Warning: 399 192.168.1.5:5061 \"Policy Response\"")) << v.evidence.back().text;
    EXPECT_TRUE(evidence_has(v, "Server: TANDBERG/4135 (X8.10.2)"));
    // The 404 came from the Expressway-C, the client of the traversal connection.
    EXPECT_TRUE(evidence_has(v, "404 Not Found from 192.168.1.5:26847"));
    ASSERT_EQ(v.evidence.size(), 2u);
    EXPECT_EQ(v.evidence[0].frame, 12u);
    EXPECT_EQ(v.evidence[1].frame, 13u);

    // The captures' log shows the INVITE with an empty Route: said as such.
    In4 empty;
    empty.empty_route = true;
    const SipVerdict ve = only_call(in4_call(empty)).verdict;
    EXPECT_EQ(ve.code, FailureCode::kSipPreloadedRouteRejected);
    EXPECT_NE(ve.detail.find("an empty Route header"), std::string::npos) << ve.detail;
}

TEST(SipDiagnosis, A404WithoutPolicyResponseIsAPlainFailure) {
    In4 o;
    o.policy_tag = false;
    const SipVerdict v = only_call(in4_call(o)).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCallFailed);
    EXPECT_NE(v.detail.find("404 Not Found from 192.168.1.5:26847"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("Warning: 399"), std::string::npos) << v.detail;
}

TEST(SipDiagnosis, SearchRuleRejectedOnlyWhenNothingWentTowardsTheCloud) {
    const SipVerdict v = only_call(out_call()).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipSearchRuleRejected);
    EXPECT_FALSE(v.inbound);
    EXPECT_EQ(v.latency_ns, int64_t(10327 * kMs));
    EXPECT_NE(v.detail.find("192.168.1.6 answered the call to sip:pstojano-test@dmzlab.call.ciscospark.com"),
              std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "Warning: 399 192.168.1.6:7003 \"Policy Response\""));

    // The same 404 after the Expressway-E did send the INVITE to Webex: not a search rule.
    Out sent;
    sent.sent_to_cloud = true;
    EXPECT_EQ(only_call(out_call(sent)).verdict.code, FailureCode::kSipCallFailed);
    // A 404 "Policy Response" to a call that is not for Webex: a plain failure.
    Out other;
    other.webex_uri = false;
    EXPECT_EQ(only_call(out_call(other)).verdict.code, FailureCode::kSipCallFailed);
}

TEST(SipDiagnosis, InboundAndOutboundPolicy404sSplitByWhereTheInviteCameFrom) {
    // IN-4's 404 to an INVITE that did not come from Webex (From on-prem, no
    // call-type) and is not for *.call.ciscospark.com: neither IN-4 nor OUT-3.
    In4 o;
    o.from_webex = false;
    EXPECT_EQ(only_call(in4_call(o)).verdict.code, FailureCode::kSipCallFailed);
    EXPECT_EQ(only_call(in4_call()).verdict.code, FailureCode::kSipPreloadedRouteRejected);
    EXPECT_EQ(only_call(out_call()).verdict.code, FailureCode::kSipSearchRuleRejected);
}

TEST(SipDiagnosis, CallPolicyRejectedIsAFast403) {
    Out o;
    o.status = 403;
    o.reason = "Forbidden";
    o.latency_ns = 5 * kMs;
    o.call_id = "c030f100-9c916d13-1cdcb-1501a8c0@192.168.1.21";
    o.to_tag = "64fe7f9eab37029d";
    const SipVerdict v = only_call(out_call(o)).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCallPolicyRejected);
    EXPECT_NE(v.detail.find("in 5.0 ms"), std::string::npos) << v.detail;

    // At the limit still CPL; slower than 100 ms: a 403 from somewhere else.
    o.latency_ns = 100 * kMs;
    EXPECT_EQ(only_call(out_call(o)).verdict.code, FailureCode::kSipCallPolicyRejected);
    o.latency_ns = 150 * kMs;
    EXPECT_EQ(only_call(out_call(o)).verdict.code, FailureCode::kSipCallFailed);
    // The threshold is the setting's.
    SipCallSettings s;
    s.policy_fast_ns = 200 * kMs;
    EXPECT_EQ(only_call(out_call(o), s).verdict.code, FailureCode::kSipCallPolicyRejected);
    // No "Policy Response" Warning: a plain 403.
    o.latency_ns = 5 * kMs;
    o.policy_tag = false;
    EXPECT_EQ(only_call(out_call(o)).verdict.code, FailureCode::kSipCallFailed);
}

namespace {

// Seed 003: the delayed-offer INVITE (Content-Length: 0) to a WebEx meeting,
// answered 500 with Warning "Invalid content in far end 200 OK" 1.129 s later.
std::vector<SipFact> seed003(bool with_sdp, bool warning_tag = true) {
    const uint64_t t0 = 1436149803ull * kSec + 758 * kMs;
    Conn c{0, 0x003, "172.28.252.1", 25129, "114.29.200.10", 5061, Direction::kOutbound};
    SipFact inv = invite(c, true, t0, 30, "sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com",
                         "e7672380-5991e82c-e0ca3-64151cac@172.28.21.100", 101, "sip:172.28.21.100",
                         "sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com",
                         "SIP/2.0/TLS 58.162.48.4:5061;egress-zone=DNSZoneB2B;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417."
                         "3f21ed7645b445bb8e55e174caa5935c;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1;rport");
    inv.user_agent.set("Cisco-CUCM10.5");
    inv.max_forwards = 14;
    inv.tags |= kTagWebexMeetingUri;
    if (with_sdp) audio(inv, 16384, {"PCMU/8000", "telephone-event/8000"}, true);
    SipFact err = response(c, t0 + 1129 * kMs, 33, 500, "Internal Server Error", inv, "38659d409ccec3f7");
    err.server.set("TANDBERG/4352 (X8.5.2-b2bua-1.0)");
    err.warning.set("399 114.29.213.174:5071 \"Invalid content in far end 200 OK\"");
    err.warning_code = 399;
    err.warning_agent.set("114.29.213.174:5071");
    err.warning_text.set("Invalid content in far end 200 OK");
    if (warning_tag) err.tags |= kTagInvalidContentFarEnd;
    return {inv, err};
}

}  // namespace

TEST(SipDiagnosis, DelayedOfferRejectedNeedsAnInviteWithoutSdp) {
    const SipVerdict v = only_call(seed003(false)).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipDelayedOfferRejected);
    EXPECT_NE(v.detail.find("114.29.213.174"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("Invalid content in far end 200 OK"), std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "no SDP (delayed offer)"));
    // The same 500 to an early offer is another problem.
    EXPECT_EQ(only_call(seed003(true)).verdict.code, FailureCode::kSipCallFailed);
    // And a 500 without that Warning too.
    EXPECT_EQ(only_call(seed003(false, false)).verdict.code, FailureCode::kSipCallFailed);
}

TEST(SipDiagnosis, CodecRejectedReportsTheOfferAndTheTeardown) {
    const SipCallEvent e = only_call(bi1_call());
    const SipVerdict& v = e.verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCodecRejected);
    EXPECT_EQ(v.outcome, SipOutcome::kFailed);
    EXPECT_NE(v.detail.find("m=audio 0"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("G729/8000, telephone-event/8000"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("103.0 ms after the 200"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("cause 47"), std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "Reason: Q.850 ;cause=47"));
    EXPECT_EQ(v.setup_ns, int64_t(16584 * kMs));
}

TEST(SipDiagnosis, AudioZeroedWithoutTeardownAndUnsupportedOffersAreNotCodecRejected) {
    // m=audio 0 but the call stays up (no BYE): answered; the G.729-only offer is the warning.
    Bi1 no_bye;
    no_bye.bye = false;
    EXPECT_EQ(only_call(bi1_call(no_bye)).verdict.code, FailureCode::kSipCodecOfferUnsupported);
    // The G.729-only offer answered with audio and hung up normally later is the warning too.
    Bi1 kept;
    kept.audio_zeroed = false;
    kept.bye = false;
    const SipVerdict w = only_call(bi1_call(kept)).verdict;
    EXPECT_EQ(w.code, FailureCode::kSipCodecOfferUnsupported);
    EXPECT_EQ(w.outcome, SipOutcome::kAnswered);
    EXPECT_NE(w.detail.find("G729/8000"), std::string::npos) << w.detail;
    // A Webex codec in the offer, answered, no teardown: a healthy call.
    Bi1 good;
    good.audio_zeroed = false;
    good.bye = false;
    good.g729_only = false;
    EXPECT_EQ(only_call(bi1_call(good)).verdict.code, FailureCode::kCallOk);
}

TEST(SipDiagnosis, TeardownWithCause47RightAfterTheAnswerIsCodecRejected) {
    // Variants 1/3 of the guide: audio answered, yet the CUCM side tears the
    // call down at once with cause 47.
    Bi1 o;
    o.audio_zeroed = false;
    o.g729_only = false;
    const SipVerdict v = only_call(bi1_call(o)).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCodecRejected);
    EXPECT_NE(v.detail.find("no common audio codec"), std::string::npos) << v.detail;
}

TEST(SipDiagnosis, MessageTooLargeJoinsTheLateDeclineAndNotesTheMissingAck) {
    const SipCallEvent e = only_call(bi2_call());
    const SipVerdict& v = e.verdict;
    EXPECT_EQ(v.code, FailureCode::kSipMessageTooLarge);
    EXPECT_NE(v.detail.find("10.36.100.10:51234 reset the TCP connection"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("8804-byte 200 OK (limit 5000 bytes)"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("603 Decline followed 20.9 s later"), std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "3804 over the 5000-byte limit"));
    EXPECT_TRUE(evidence_has(v, "no ACK for this 200 OK"));
    EXPECT_EQ(v.response, SipVerdict::kFailureResponse);
    // The leg that decided is the CUCM's connection (inside vantage).
    ASSERT_NE(e.call.leg(v.leg), nullptr);
    EXPECT_EQ(e.call.leg(v.leg)->vantage, 1);
    // The event waited for the 603 (the capture's last message).
    EXPECT_EQ(e.decided_ns, 1483538719ull * kSec + 762 * kMs + 20883 * kMs);
    EXPECT_EQ(e.call.closed, SipClose::kSettled);
}

TEST(SipDiagnosis, MessageTooLargeLookAlikes) {
    // The CUCM acknowledged the large 200 OK: no size problem; Webex's 603
    // after an acknowledged answer does not make it one either.
    Bi2 acked;
    acked.reset = false;
    EXPECT_NE(only_call(bi2_call(acked)).verdict.code, FailureCode::kSipMessageTooLarge);
    // A limit above the message: the same reset is not about size.
    SipCallSettings s;
    s.max_message_bytes = 18000;
    EXPECT_NE(only_call(bi2_call(), s).verdict.code, FailureCode::kSipMessageTooLarge);
    // The reset captured before the 200 OK's last packet still counts.
    Bi2 early;
    early.rst_before_tail = true;
    EXPECT_EQ(only_call(bi2_call(early)).verdict.code, FailureCode::kSipMessageTooLarge);
    // No 603 ever: the event still comes (here at the end of the capture, the
    // last of Webex's 200 OK retransmissions, 7.5 s after the first).
    Bi2 quiet;
    quiet.decline = false;
    const SipCallEvent q = only_call(bi2_call(quiet));
    EXPECT_EQ(q.verdict.code, FailureCode::kSipMessageTooLarge);
    EXPECT_EQ(q.decided_ns, 1483538719ull * kSec + 762 * kMs - 40 * kMs + 7500 * kMs);
}

TEST(SipDiagnosis, CalltypeStrippedNamesTheStrippingHop) {
    const SipCallEvent e = only_call(in5_call(true));
    const SipVerdict& v = e.verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCalltypeStripped);
    EXPECT_EQ(v.stripping_hop, "HybridCallServiceTraversal");
    EXPECT_EQ(v.outcome, SipOutcome::kAnswered);
    EXPECT_TRUE(v.inbound);
    EXPECT_TRUE(evidence_has(v, ";call-type=squared"));
    EXPECT_TRUE(evidence_has(v, "without call-type=squared, Via egress-zone=HybridCallServiceTraversal"));
    ASSERT_NE(e.call.leg(v.leg), nullptr);
    EXPECT_EQ(e.call.leg(v.leg)->vantage, 1);
    // Both legs keep it: a healthy call.
    EXPECT_EQ(only_call(in5_call(false)).verdict.code, FailureCode::kCallOk);
}

TEST(SipDiagnosis, OtherFinalResponsesAreCallFailedWithTheirHeaders) {
    Conn c{1, 77, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    SipFact inv = invite(c, true, 5 * kSec, 1, "sip:7001@example.com", "busy@10.0.0.5", 1, "sip:7000@example.com",
                         "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKbusy");
    SipFact busy = response(c, 5 * kSec + 40 * kMs, 2, 486, "Busy Here", inv);
    busy.user_agent.set("Cisco-CUCM11.5");
    busy.reason.set("Q.850;cause=17");
    busy.q850_cause = 17;
    const SipVerdict v = only_call({inv, busy}).verdict;
    EXPECT_EQ(v.code, FailureCode::kSipCallFailed);
    EXPECT_NE(v.detail.find("486 Busy Here from 10.0.0.9:5060"), std::string::npos) << v.detail;
    EXPECT_NE(v.detail.find("Reason: Q.850;cause=17"), std::string::npos) << v.detail;
    EXPECT_TRUE(evidence_has(v, "User-Agent: Cisco-CUCM11.5"));
}

TEST(SipDiagnosis, CancelledAndRedirectedCallsAreNotFailures) {
    Conn c{1, 78, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    SipFact inv = invite(c, true, 5 * kSec, 1, "sip:7001@example.com", "cancel@10.0.0.5", 1, "sip:7000@example.com",
                         "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKc1");
    SipFact ring = response(c, 5 * kSec + 50 * kMs, 2, 180, "Ringing", inv, "t1");
    SipFact cancel = request(c, true, 9 * kSec, 3, SipMethod::kCancel, "CANCEL", "sip:7001@example.com",
                             "cancel@10.0.0.5", 1, "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKc1");
    SipFact ok_cancel = response(c, 9 * kSec + 5 * kMs, 4, 200, "OK", cancel, "t1");
    SipFact terminated = response(c, 9 * kSec + 6 * kMs, 5, 487, "Request Terminated", inv, "t1");
    const SipVerdict v = only_call({inv, ring, cancel, ok_cancel, terminated}).verdict;
    EXPECT_EQ(v.code, FailureCode::kCallOk);
    EXPECT_EQ(v.outcome, SipOutcome::kCancelled);
    // A 487 nobody asked for (no CANCEL seen) is a failure.
    EXPECT_EQ(only_call({inv, ring, terminated}).verdict.code, FailureCode::kSipCallFailed);
    // A 302 ends the attempt without a fault.
    SipFact moved = response(c, 5 * kSec + 60 * kMs, 6, 302, "Moved Temporarily", inv, "t1");
    const SipVerdict r = only_call({inv, moved}).verdict;
    EXPECT_EQ(r.code, FailureCode::kCallOk);
    EXPECT_EQ(r.outcome, SipOutcome::kRedirected);
}

TEST(SipDiagnosis, CleartextOnATlsPortIsItsOwnEventOncePerConnection) {
    std::vector<SipFact> facts = bi1_call();
    for (SipFact& f : facts) f.on_tls_port = true;  // in clear on 5062
    const std::vector<SipCallEvent> ev = run(facts);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].verdict.code, FailureCode::kSipCleartextOnTlsPort);
    EXPECT_EQ(ev[0].verdict.outcome, SipOutcome::kConnection);
    EXPECT_NE(ev[0].verdict.detail.find("SIP in clear on TLS port 5062: INVITE from 172.16.2.2:25034"), std::string::npos)
        << ev[0].verdict.detail;
    EXPECT_EQ(ev[1].verdict.code, FailureCode::kSipCodecRejected);
}

TEST(SipDiagnosis, WhereTheMessageCameFrom) {
    Conn in{0, 1, "146.20.193.73", 40342, "172.16.2.2", 5062, Direction::kInbound};
    Conn out{0, 2, "172.16.2.2", 25034, "146.20.193.64", 5062, Direction::kOutbound};
    Conn inside{1, 3, "192.168.1.5", 26686, "192.168.1.6", 7003, Direction::kInternal};
    const char* via = "SIP/2.0/TLS x;branch=z9hG4bK1";
    // By connection: the cloud's end of an inbound or outbound connection.
    EXPECT_TRUE(sip_from_cloud(invite(in, true, 1, 1, "sip:a@b", "x", 1, "sip:u@rtp.ciscotac.net", "sip:a@b", via)));
    EXPECT_TRUE(sip_from_cloud(invite(out, false, 1, 1, "sip:a@b", "x", 1, "sip:u@rtp.ciscotac.net", "sip:a@b", via)));
    EXPECT_FALSE(sip_from_cloud(invite(out, true, 1, 1, "sip:a@b", "x", 1, "sip:u@rtp.ciscotac.net", "sip:a@b", via)));
    EXPECT_TRUE(sip_towards_cloud(invite(out, true, 1, 1, "sip:a@b", "x", 1, "sip:u@b", "sip:a@b", via)));
    EXPECT_TRUE(sip_towards_cloud(invite(in, false, 1, 1, "sip:a@b", "x", 1, "sip:u@b", "sip:a@b", via)));
    EXPECT_FALSE(sip_towards_cloud(invite(inside, true, 1, 1, "sip:a@b", "x", 1, "sip:u@b", "sip:a@b", via)));
    // Inside, by content: From host in *.call.ciscospark.com (any case), the tag, or call-type=squared.
    EXPECT_TRUE(sip_from_cloud(
        invite(inside, false, 1, 1, "sip:a@b", "x", 1, "sip:jorobb@DMZLAB.Call.CiscoSpark.com:5062;transport=tls", "sip:a@b", via)));
    EXPECT_FALSE(sip_from_cloud(
        invite(inside, false, 1, 1, "sip:a@b", "x", 1, "sip:call.ciscospark.com.evil.example@rtp.ciscotac.net", "sip:a@b", via)));
    SipFact tagged = invite(inside, false, 1, 1, "sip:a@b", "x", 1, "sip:u@rtp.ciscotac.net", "sip:a@b", via);
    EXPECT_FALSE(sip_from_cloud(tagged));
    tagged.tags |= kTagFromWebex;
    EXPECT_TRUE(sip_from_cloud(tagged));
    tagged.tags = 0;
    tagged.call_type_squared = true;
    EXPECT_TRUE(sip_from_cloud(tagged));
}

TEST(SipDiagnosis, UnsupportedAudioOffer) {
    SipFact f;
    audio(f, 52668, {"G729/8000", "telephone-event/8000"}, false);
    EXPECT_TRUE(sip_audio_unsupported(f.audio));
    SipFact good;
    audio(good, 52668, {"G729/8000", "PCMU/8000"}, true);
    EXPECT_FALSE(sip_audio_unsupported(good.audio));
    SipFact dtmf_only;
    audio(dtmf_only, 52668, {"telephone-event/8000"}, false, true);
    EXPECT_FALSE(sip_audio_unsupported(dtmf_only.audio));
    SipFact rejected;
    audio(rejected, 0, {}, false, false, true);
    EXPECT_FALSE(sip_audio_unsupported(rejected.audio));
    EXPECT_FALSE(sip_audio_unsupported(SdpAudioSummary{}));
}

TEST(SipDiagnosis, AFinishedRecordWithoutAnInviteSaysNothing) {
    Conn c{1, 90, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    SipFact inv = invite(c, true, 5 * kSec, 1, "sip:7001@example.com", "mid@10.0.0.5", 1, "sip:7000@example.com",
                         "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKm");
    // The capture started mid-call: only the BYE and its 200.
    SipFact bye = in_dialog(c, false, 7 * kSec, 2, SipMethod::kBye, "BYE", inv, 2, "tt", "SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKb");
    SipFact ok = response(c, 7 * kSec + kMs, 3, 200, "OK", bye, "tt");
    EXPECT_TRUE(run({bye, ok}).empty());
    SipCallRecord empty;
    EXPECT_EQ(diagnose_sip_call(empty, 100 * kMs).code, FailureCode::kNone);
}

TEST(SipTags, NamesRoundTrip) {
    for (uint32_t i = 0; i < kTagCount; ++i) {
        const SipTag t = SipTag(1u << i);
        const std::string_view name = sip_tag_name(t);
        EXPECT_FALSE(name.empty()) << i;
        EXPECT_EQ(sip_tag_from_name(name), uint32_t(t)) << name;
    }
    EXPECT_EQ(sip_tag_name(kTagPolicyResponse), "policy_response");
    EXPECT_EQ(sip_tag_from_name("call_type_squared"), uint32_t(kTagCallTypeSquared));
    EXPECT_EQ(sip_tag_from_name("Policy_Response"), 0u);  // tags are lower case in the rules file
    EXPECT_EQ(sip_tag_from_name(""), 0u);
    EXPECT_EQ(sip_tag_from_name("webex_identity"), 0u);
    EXPECT_TRUE(sip_tag_name(SipTag(3)).empty());  // not one tag
}
