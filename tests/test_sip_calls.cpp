// SipCallTracker: one event per call attempt whatever the worker count and
// arrival order, packet-time timers (Timer B, linger, idle, end of capture),
// retransmissions recognised, bounded state; and the rendered event.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "signatures/engine.h"
#include "tests/sip_call_facts.h"
#include "workers/sip_event_log.h"

using namespace cs;
using namespace sipt;

namespace {

const EventContext kCtx{{"outside", "inside"}, {"net_pcap0", "net_pcap1"}};

// A UDP INVITE nobody answers, retransmitted by Timer A (0.5, 1, 2, 4, 8, 16 s).
std::vector<SipFact> unanswered_udp(uint64_t t0, const char* call_id = "3848276298220188511@10.0.0.5",
                                    uint64_t conn = 0x77) {
    Conn c{1, conn, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    SipFact inv = invite(c, true, t0, 1, "sip:7001@example.com", call_id, 1, "sip:7000@example.com",
                         "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK74bf9");
    std::vector<SipFact> out{inv};
    uint64_t at = 0;
    for (uint64_t gap = 500 * kMs, k = 0; k < 6; gap *= 2, ++k) {
        at += gap;
        SipFact again = inv;
        again.ts_ns = t0 + at;
        again.frame = again.first_frame = uint32_t(2 + k);
        again.seq_in_conn = ++c.seq;
        out.push_back(again);
    }
    return out;
}

// A call answered after a 407 challenge, then hung up by the caller.
std::vector<SipFact> challenged_call(bool retry) {
    const uint64_t t0 = 1700000000ull * kSec;
    Conn c{1, 0x407, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    const char* id = "a84b4c76e66710@10.0.0.5";
    SipFact inv1 = invite(c, true, t0, 1, "sip:7001@example.com", id, 1, "sip:7000@example.com", "sip:7001@example.com",
                          "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds");
    SipFact chal = response(c, t0 + 3 * kMs, 2, 407, "Proxy Authentication Required", inv1, "ch1");
    SipFact ack1 = in_dialog(c, true, t0 + 4 * kMs, 3, SipMethod::kAck, "ACK", inv1, 1, "ch1", "");
    ack1.top_via = inv1.top_via;
    std::vector<SipFact> out{inv1, chal, ack1};
    if (!retry) return out;
    SipFact inv2 = invite(c, true, t0 + 10 * kMs, 4, "sip:7001@example.com", id, 2, "sip:7000@example.com",
                          "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhdt");
    SipFact ok = response(c, t0 + 2 * kSec, 6, 200, "OK", inv2, "ok2");
    audio(ok, 30000, {"PCMU/8000"}, true);
    audio(inv2, 20000, {"PCMU/8000", "telephone-event/8000"}, true);
    SipFact ack2 = in_dialog(c, true, t0 + 2 * kSec + 2 * kMs, 7, SipMethod::kAck, "ACK", inv2, 2, "ok2",
                             "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKack2");
    SipFact bye = in_dialog(c, true, t0 + 62 * kSec, 8, SipMethod::kBye, "BYE", inv2, 3, "ok2",
                            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKbye2");
    SipFact bye_ok = response(c, t0 + 62 * kSec + 3 * kMs, 9, 200, "OK", bye, "ok2");
    out.insert(out.end(), {inv2, response(c, t0 + 12 * kMs, 5, 100, "Trying", inv2), ok, ack2, bye, bye_ok});
    return out;
}

std::vector<SipFact> sorted(std::vector<SipFact> v) {
    std::stable_sort(v.begin(), v.end(), [](const SipFact& a, const SipFact& b) { return a.ts_ns < b.ts_ns; });
    return v;
}

std::vector<std::string> rendered(const std::vector<SipCallEvent>& ev) {
    std::vector<std::string> out;
    for (const auto& e : ev) {
        const RenderedEvent r = render_sip_call(e, kCtx, nullptr);
        out.push_back(r.topic + " " + r.json);
    }
    return out;
}

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    EXPECT_FALSE(d.HasParseError()) << json;
    EXPECT_TRUE(d.IsObject()) << json;
    return d;
}

}  // namespace

TEST(SipCalls, TimerBFiresAtExactly32SecondsOfPacketTime) {
    const uint64_t t0 = 1700000000ull * kSec;
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : unanswered_udp(t0)) t.push(f);
    t.advance(t0 + 32 * kSec);  // the timer is due at t0 + 32 s: not before that time has passed
    EXPECT_TRUE(rec.events.empty());
    t.advance(t0 + 32 * kSec + 1);
    ASSERT_EQ(rec.events.size(), 1u);
    const SipCallEvent& e = rec.events[0];
    EXPECT_EQ(e.verdict.code, FailureCode::kSipNoFinalResponse);
    EXPECT_EQ(e.call.closed, SipClose::kTimerB);
    EXPECT_EQ(e.decided_ns, t0 + 32 * kSec);
    EXPECT_NE(e.verdict.detail.find("no response at all within Timer B (32.0 s)"), std::string::npos) << e.verdict.detail;
    // Six retransmissions of one transaction: one call, one ladder line.
    EXPECT_EQ(e.call.retransmissions, 6u);
    EXPECT_EQ(t.counters().retransmissions, 6u);
    EXPECT_EQ(t.counters().calls, 1u);
    ASSERT_EQ(e.call.ladder.size(), 1u);
    EXPECT_EQ(e.call.ladder[0].repeats, 6);
    t.advance(UINT64_MAX);
    EXPECT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(t.open_calls(), 0u);
}

TEST(SipCalls, TheEndOfCaptureLabelDependsOnPacketTimesOnly) {
    const uint64_t t0 = 1700000000ull * kSec;
    // The capture goes on (other traffic) past Timer B: it ran out, whatever the watermark had reached.
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : unanswered_udp(t0)) t.push(f);
    t.advance(t0 + 5 * kSec);
    t.end_capture(t0 + 60 * kSec);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].call.closed, SipClose::kTimerB);
    EXPECT_EQ(rec.events[0].decided_ns, t0 + 32 * kSec);
    // The capture ends before Timer B: finished at its last packet, and said so.
    Recorder early;
    SipCallTracker t2({}, early);
    for (const SipFact& f : unanswered_udp(t0)) t2.push(f);
    t2.end_capture(t0 + 31600 * kMs);
    ASSERT_EQ(early.events.size(), 1u);
    EXPECT_EQ(early.events[0].call.closed, SipClose::kEndOfCapture);
    EXPECT_EQ(early.events[0].decided_ns, t0 + 31600 * kMs);
    EXPECT_NE(early.events[0].verdict.detail.find("before the capture ended, 31.6 s after it"), std::string::npos)
        << early.events[0].verdict.detail;
}

TEST(SipCalls, AnAnswerJustBeforeTimerBStopsIt) {
    const uint64_t t0 = 1700000000ull * kSec;
    std::vector<SipFact> facts = unanswered_udp(t0);
    Conn c{1, 0x77, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    c.seq = 7;
    facts.push_back(response(c, t0 + 32 * kSec - 1, 20, 480, "Temporarily Unavailable", facts[0]));
    const std::vector<SipCallEvent> ev = run(facts);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].verdict.code, FailureCode::kSipCallFailed);
    // At exactly +32 s the timer has fired first: the late 480 joins nothing.
    facts.back().ts_ns = t0 + 32 * kSec;
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : facts) t.push(f);
    t.advance(UINT64_MAX);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].verdict.code, FailureCode::kSipNoFinalResponse);
    EXPECT_EQ(t.counters().late_facts, 1u);
}

TEST(SipCalls, ACallCutByTheEndOfTheCaptureIsNotAFailure) {
    const uint64_t t0 = 1700000000ull * kSec;
    std::vector<SipFact> facts = unanswered_udp(t0);
    facts.resize(1);
    Conn c{1, 0x77, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    c.seq = 1;
    facts.push_back(response(c, t0 + 80 * kMs, 2, 180, "Ringing", facts[0], "r1"));
    // Another call's single INVITE later in the capture: the capture ends at t0 + 40 s.
    std::vector<SipFact> other = unanswered_udp(t0 + 40 * kSec, "other@10.0.0.6", 0x78);
    facts.push_back(other[0]);
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : facts) t.push(f);
    t.advance(t0 + 39 * kSec);
    EXPECT_TRUE(rec.events.empty());  // ringing for 39 s is not a failure
    t.advance(UINT64_MAX);
    // Still ringing, and an INVITE sent once: the end of the capture proves no failure.
    EXPECT_TRUE(rec.events.empty());
    EXPECT_EQ(t.counters().calls_silent, 2u);
    // An INVITE already being resent with no answer at all is reported at the end.
    std::vector<SipFact> resent = unanswered_udp(t0, "resent@10.0.0.7", 0x79);
    resent.resize(3);  // the INVITE and two Timer A retransmissions, then the capture ends
    Recorder rec2;
    SipCallTracker t2({}, rec2);
    for (const SipFact& f : resent) t2.push(f);
    t2.advance(UINT64_MAX);
    ASSERT_EQ(rec2.events.size(), 1u);
    EXPECT_EQ(rec2.events[0].verdict.code, FailureCode::kSipNoFinalResponse);
    EXPECT_EQ(rec2.events[0].call.closed, SipClose::kEndOfCapture);
    EXPECT_EQ(rec2.events[0].decided_ns, resent.back().ts_ns);  // the capture's last packet time
    EXPECT_NE(rec2.events[0].verdict.detail.find("before the capture ended"), std::string::npos)
        << rec2.events[0].verdict.detail;
}

TEST(SipCalls, AChallengeAnsweredWithCredentialsIsAHealthyCall) {
    const std::vector<SipCallEvent> ev = run(challenged_call(true));
    ASSERT_EQ(ev.size(), 1u);
    const SipCallEvent& e = ev[0];
    EXPECT_EQ(e.verdict.code, FailureCode::kCallOk);
    EXPECT_EQ(e.verdict.outcome, SipOutcome::kAnswered);
    EXPECT_EQ(e.call.retried_after, 407);
    EXPECT_EQ(e.verdict.evidence[1].text, "INVITE (CSeq 2) retried after a 407 challenge, with credentials");
    EXPECT_EQ(e.call.invites, 2u);
    EXPECT_EQ(e.verdict.setup_ns, int64_t(2 * kSec - 10 * kMs));
    EXPECT_NE(e.verdict.detail.find("hung up by the caller (10.0.0.5:5060) 60.0 s after the answer"), std::string::npos)
        << e.verdict.detail;
    // The challenge nobody answers is the call's failure.
    const std::vector<SipCallEvent> f = run(challenged_call(false));
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].verdict.code, FailureCode::kSipCallFailed);
    EXPECT_NE(f[0].verdict.detail.find("407 Proxy Authentication Required"), std::string::npos);
}

TEST(SipCalls, AReInviteInsideTheDialogIsNotANewCallNorItsFailure) {
    std::vector<SipFact> facts = challenged_call(true);
    const SipFact inv2 = facts[3];
    Conn c{1, 0x407, "10.0.0.5", 5060, "10.0.0.9", 5060, Direction::kInternal, 17};
    c.seq = 20;
    SipFact reinvite = in_dialog(c, true, inv2.ts_ns + 30 * kSec, 30, SipMethod::kInvite, "INVITE", inv2, 3, "ok2",
                                 "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKre1");
    SipFact glare = response(c, inv2.ts_ns + 30 * kSec + 5 * kMs, 31, 491, "Request Pending", reinvite, "ok2");
    facts.push_back(reinvite);
    facts.push_back(glare);
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : sorted(facts)) t.push(f);
    t.advance(UINT64_MAX);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].verdict.code, FailureCode::kCallOk);
    EXPECT_EQ(t.counters().calls, 1u);
}

TEST(SipCalls, TheSameMessageOnTwoLegsIsNotARetransmission) {
    const std::vector<SipFact> facts = in5_call(true);
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : facts) t.push(f);
    t.advance(UINT64_MAX);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(t.counters().retransmissions, 0u);
    EXPECT_EQ(rec.events[0].call.legs.size(), 2u);
    EXPECT_EQ(rec.events[0].call.ladder.size(), facts.size());
    // The 200 OK retransmissions of BI-2 are counted once each, on their leg.
    Recorder rec2;
    SipCallTracker t2({}, rec2);
    for (const SipFact& f : bi2_call()) t2.push(f);
    t2.advance(UINT64_MAX);
    EXPECT_EQ(t2.counters().retransmissions, 4u);
    ASSERT_EQ(rec2.events.size(), 1u);
    const SipCallRecord& r = rec2.events[0].call;
    for (const SipLeg& l : r.legs) EXPECT_EQ(l.retransmissions, l.vantage == 0 ? 4u : 0u);
}

TEST(SipCalls, OutputIsTheSameForAnyWorkerCountAndArrivalOrder) {
    // Every guide call, on two vantages, plus unanswered INVITEs, in one capture.
    std::vector<SipFact> all;
    for (auto v : {in4_call(), out_call(), bi1_call(), bi2_call(), in5_call(true), challenged_call(true),
                   unanswered_udp(1700000100ull * kSec)})
        all.insert(all.end(), v.begin(), v.end());
    // Ties in packet time between vantages, which only the ordering key breaks.
    SipFact tie = all[0];
    tie.vantage = 0;
    tie.ts_ns = all[1].ts_ns;
    all.push_back(tie);
    all = sorted(all);

    // One worker, everything in order, the capture ends.
    Recorder one;
    {
        SipCallTracker t({}, one);
        for (const SipFact& f : all) t.push(f);
        t.advance(UINT64_MAX);
    }
    ASSERT_EQ(one.events.size(), 7u);

    // Two workers (split by connection), each pushing its own facts in its own
    // order; the publisher drains them in bursts and advances to the lower of
    // the two workers' clocks.
    for (unsigned seed : {1u, 2u, 3u}) {
        std::vector<SipFact> w[2];
        for (const SipFact& f : all) w[(f.conn_id * 2654435761u >> 7) & 1].push_back(f);
        std::mt19937 rng(seed);
        Recorder two;
        SipCallTracker t({}, two);
        size_t next[2] = {0, 0};
        uint64_t clock[2] = {0, 0};
        while (next[0] < w[0].size() || next[1] < w[1].size()) {
            for (int k = 0; k < 2; ++k) {
                const size_t burst = rng() % 4;
                for (size_t b = 0; b < burst && next[k] < w[k].size(); ++b) {
                    clock[k] = w[k][next[k]].ts_ns;
                    t.push(w[k][next[k]++]);
                }
                if (next[k] == w[k].size()) clock[k] = UINT64_MAX;  // this worker has reached the end
            }
            // A worker's clock says every fact before it was pushed.
            const uint64_t watermark = std::min(clock[0], clock[1]);
            if (watermark != UINT64_MAX) t.advance(watermark);
        }
        t.advance(UINT64_MAX);
        const std::vector<std::string> a = rendered(two.events), b = rendered(one.events);
        ASSERT_EQ(a.size(), b.size()) << "seed " << seed;
        for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "seed " << seed << " event " << i;
    }

    // Fully shuffled arrival, watermark held back until the end: the same.
    std::vector<SipFact> shuffled = all;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
    Recorder late;
    SipCallTracker t({}, late);
    for (const SipFact& f : shuffled) t.push(f);
    t.advance(UINT64_MAX);
    EXPECT_EQ(rendered(late.events), rendered(one.events));
    // Each call once.
    std::vector<std::string> ids;
    for (const auto& e : one.events)
        if (e.verdict.code != FailureCode::kSipCleartextOnTlsPort) ids.push_back(e.call.call_id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST(SipCalls, AFloodOfCallsIsBoundedAndCounted) {
    SipCallSettings s;
    s.max_calls = 16;
    Recorder rec;
    SipCallTracker t(s, rec);
    const uint64_t t0 = 1700000000ull * kSec;
    for (uint64_t i = 0; i < 1000; ++i) {
        Conn c{1, 1000 + i, "10.0.0.5", uint16_t(20000 + i), "10.0.0.9", 5060, Direction::kInternal, 17};
        const std::string id = "flood-" + std::to_string(i);
        t.push(invite(c, true, t0 + i * kMs, uint32_t(i + 1), "sip:7001@example.com", id.c_str(), 1,
                      "sip:7000@example.com", "sip:7001@example.com", "SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKf"));
        t.advance(t0 + i * kMs + 1);
        EXPECT_LE(t.open_calls(), 16u);
    }
    EXPECT_EQ(t.counters().calls, 16u);
    EXPECT_EQ(t.counters().calls_dropped, 984u);
    t.advance(UINT64_MAX);
    EXPECT_EQ(t.counters().calls_silent, 16u);  // single INVITEs cut by the end of the capture
    EXPECT_EQ(t.open_calls(), 0u);
}

TEST(SipCalls, PendingFactsLaddersAndLegsAreBounded) {
    SipCallSettings s;
    s.max_pending_facts = 100;
    Recorder rec;
    SipCallTracker t(s, rec);
    std::vector<SipFact> facts = unanswered_udp(1700000000ull * kSec);
    for (uint32_t i = 0; i < 1000; ++i) {
        SipFact f = facts[0];
        f.seq_in_conn = i + 1;
        f.ts_ns += i;
        t.push(f);
    }
    EXPECT_EQ(t.pending_facts(), 100u);
    EXPECT_EQ(t.counters().facts_dropped, 900u);
    // The same fact pushed twice (same time, vantage, connection, sequence) is taken once.
    t.push(facts[0]);
    EXPECT_EQ(t.counters().facts_duplicate + t.counters().facts_dropped, 901u);

    // One call on 12 connections with 50 INFO each: 8 legs and 32 ladder lines kept, the rest counted.
    Recorder rec2;
    SipCallTracker t2({}, rec2);
    const uint64_t t0 = 1700000000ull * kSec;
    SipFact first;
    for (uint32_t leg = 0; leg < 12; ++leg) {
        Conn c{uint16_t(leg % 2), 500 + leg, "10.0.1.1", uint16_t(30000 + leg), "10.0.1.2", 5060, Direction::kInternal};
        SipFact inv = invite(c, true, t0 + leg * kMs, leg * 100 + 1, "sip:7001@example.com", "wide@10.0.1.1", 1,
                             "sip:7000@example.com", "sip:7001@example.com", "SIP/2.0/TCP 10.0.1.1;branch=z9hG4bKw");
        if (leg == 0) first = inv;
        t2.push(inv);
        for (uint32_t k = 0; k < 50; ++k) {
            SipFact info = in_dialog(c, true, t0 + kSec + leg * kMs + k * 10 * kMs, leg * 100 + 2 + k, SipMethod::kInfo,
                                     "INFO", inv, 2 + k, "tt", "SIP/2.0/TCP 10.0.1.1;branch=z9hG4bKi");
            t2.push(info);
        }
    }
    // The first leg's INVITE is answered, so the call is reported at the end.
    Conn c0{0, 500, "10.0.1.1", 30000, "10.0.1.2", 5060, Direction::kInternal};
    c0.seq = 51;
    t2.push(response(c0, t0 + 900 * kMs, 9999, 200, "OK", first, "tt"));
    t2.advance(UINT64_MAX);
    ASSERT_EQ(rec2.events.size(), 1u);
    const SipCallRecord& r = rec2.events[0].call;
    EXPECT_EQ(r.legs.size(), SipCallRecord::kMaxLegs);
    EXPECT_EQ(r.unlisted_leg_facts, 4u * 51u);
    EXPECT_EQ(r.ladder.size(), SipCallRecord::kMaxSteps);
    EXPECT_EQ(r.steps_total, 12u * 51u + 1);  // and the 200 OK
    const std::string json = render_sip_call(rec2.events[0], kCtx, nullptr).json;
    EXPECT_NE(json.find(fmt::format("... {} more", 12 * 51 + 1 - 32)), std::string::npos);
}

TEST(SipCalls, HealthyCallsCanBeSwitchedOffFailuresCannot) {
    SipCallSettings s;
    s.ok_events = false;
    Recorder rec;
    SipCallTracker t(s, rec);
    for (auto v : {challenged_call(true), in4_call()})
        for (const SipFact& f : v) t.push(f);
    t.advance(UINT64_MAX);
    EXPECT_EQ(rec.codes(), std::vector<FailureCode>{FailureCode::kSipPreloadedRouteRejected});
    EXPECT_EQ(t.counters().ok_suppressed, 1u);
    EXPECT_EQ(t.counters().events, 1u);
}

TEST(SipCalls, StragglersOfAReportedCallJoinNothing) {
    std::vector<SipFact> facts = in4_call();
    // The 404 seen again 3 s later (after the linger): a retransmission of a reported call.
    SipFact again = facts[1];
    again.ts_ns += 3 * kSec;
    again.seq_in_conn = 10;
    again.frame = 40;
    facts.push_back(again);
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : facts) t.push(f);
    t.advance(UINT64_MAX);
    EXPECT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(t.counters().late_facts, 1u);
    EXPECT_EQ(t.counters().calls, 1u);
}

TEST(SipCalls, MessagesOutsideCallsOpenNoCall) {
    Conn c{0, 0x0a, "146.20.193.64", 5062, "172.16.2.2", 5062, Direction::kInbound, 6};
    SipFact ping = request(c, true, 1700000000ull * kSec, 1, SipMethod::kOptions, "OPTIONS", "sip:172.16.2.2:5062",
                           "ping-1@146.20.193.64", 1, "SIP/2.0/TLS 146.20.193.64:5062;branch=z9hG4bKo");
    SipFact pong = response(c, ping.ts_ns + 2 * kMs, 2, 200, "OK", ping);
    SipFact no_id = ping;
    no_id.call_id = {};
    no_id.seq_in_conn = 3;
    Recorder rec;
    SipCallTracker t({}, rec);
    for (const SipFact& f : {ping, pong, no_id}) t.push(f);
    t.advance(UINT64_MAX);
    EXPECT_TRUE(rec.events.empty());
    EXPECT_EQ(t.counters().non_call_messages, 2u);
    EXPECT_EQ(t.counters().no_call_id, 1u);
    EXPECT_EQ(t.counters().calls, 0u);
}

TEST(SipCalls, ArbitraryFactsNeverBreakTheTracker) {
    // Facts with every field drawn at random (within the SipFact contract),
    // over a few Call-IDs and connections, pushed with random watermarks.
    std::mt19937_64 rng(42);
    SipCallSettings s;
    s.max_calls = 8;
    s.max_pending_facts = 256;
    Recorder rec;
    SipCallTracker t(s, rec);
    const SipMethod methods[] = {SipMethod::kInvite, SipMethod::kAck, SipMethod::kBye, SipMethod::kCancel,
                                 SipMethod::kOptions, SipMethod::kUnknown, SipMethod::kInfo};
    const char* names[] = {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "FOO", "INFO"};
    const uint16_t statuses[] = {100, 180, 200, 401, 404, 403, 407, 487, 500, 603, 302, 0, 699};
    uint64_t now = 1700000000ull * kSec;
    for (int i = 0; i < 20000; ++i) {
        Conn c{uint16_t(rng() % 3), rng() % 12, "10.0.0.5", 5060, "146.20.193.64", uint16_t(rng() % 2 ? 5062 : 5060),
               Direction(rng() % 5), uint8_t(rng() % 2 ? 6 : 17)};
        c.seq = uint32_t(rng());
        now += rng() % (2 * kSec);
        const int m = int(rng() % 7);
        const std::string id = fmt::format("c{}", rng() % 20);
        SipFact f = request(c, rng() % 2, now, uint32_t(i + 1), methods[m], names[m], "sip:a@x.call.ciscospark.com",
                            id.c_str(), uint32_t(rng() % 4), rng() % 2 ? "SIP/2.0/TCP a;branch=1" : "SIP/2.0/TCP a;branch=2");
        if (rng() % 2) {
            f.is_request = false;
            f.status = statuses[rng() % 13];
            f.reason_phrase.set("Whatever");
        }
        if (rng() % 3 == 0) f.to_tag.set("t");
        if (rng() % 20 == 0) f.kind = SipFact::kConnEnd;
        f.end_rst = rng() % 2;
        f.msg_bytes = uint32_t(rng() % 12000);
        f.tags = uint32_t(rng()) & ((1u << kTagCount) - 1);
        f.on_tls_port = rng() % 50 == 0;
        f.call_type_squared = rng() % 4 == 0;
        if (rng() % 3 == 0) audio(f, uint16_t(rng() % 3 ? 4000 : 0), {"G729/8000", "PCMU/8000"}, rng() % 2, rng() % 2, rng() % 2);
        f.matched_count = f.matched_total = uint8_t(rng() % 3);
        f.matched_rules[0] = f.matched_rules[1] = 5;
        t.push(f);
        if (rng() % 8 == 0) t.advance(now - rng() % (3 * kSec));
        ASSERT_LE(t.open_calls(), 8u);
        ASSERT_LE(t.pending_facts(), 256u);
    }
    t.advance(UINT64_MAX);
    EXPECT_EQ(t.open_calls(), 0u);
    EXPECT_EQ(t.pending_facts(), 0u);
    EXPECT_GT(rec.events.size(), 100u);
    for (const SipCallEvent& e : rec.events) {
        rapidjson::Document d;
        const std::string json = render_sip_call(e, kCtx, nullptr).json;
        d.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str());
        ASSERT_FALSE(d.HasParseError()) << json;
    }
}

TEST(SipCalls, RenderedEventCarriesTheCallAndItsEvidence) {
    std::string error;
    auto file = parse_rules(R"(version: 1
rules:
  - id: 7
    name: policy_response_warning
    description: 'Warning 399 "Policy Response" from an Expressway'
    patterns: ['Policy Response']
    fields: message
    tag: policy_response
    severity: warning
    remediation: Check which zone refused the call
)", "test.rules.yaml", &error);
    ASSERT_TRUE(file) << error;
    auto rules = RuleSet::build(std::move(*file), {}, &error);
    ASSERT_TRUE(rules) << error;

    const std::vector<SipCallEvent> ev = run(in4_call());
    ASSERT_EQ(ev.size(), 1u);
    const RenderedEvent r = render_sip_call(ev[0], kCtx, rules.get());
    EXPECT_EQ(r.topic, "callsentry.failure.SIP_PRELOADED_ROUTE_REJECTED");
    const rapidjson::Document d = parse(r.json);
    EXPECT_STREQ(d["schema"].GetString(), "callsentry/1");
    EXPECT_STREQ(d["@timestamp"].GetString(), "2017-09-19T18:16:15.830Z");
    EXPECT_STREQ(d["event"]["code"].GetString(), "SIP_PRELOADED_ROUTE_REJECTED");
    EXPECT_STREQ(d["event"]["kind"].GetString(), "alert");
    EXPECT_STREQ(d["event"]["outcome"].GetString(), "failure");
    EXPECT_STREQ(d["observer"]["vantage"].GetString(), "inside");
    EXPECT_STREQ(d["observer"]["ingress"]["interface"]["name"].GetString(), "net_pcap1");
    EXPECT_STREQ(d["source"]["ip"].GetString(), "192.168.1.5");
    EXPECT_EQ(d["destination"]["port"].GetInt(), 7003);
    EXPECT_STREQ(d["network"]["protocol"].GetString(), "sip");
    EXPECT_STREQ(d["network"]["direction"].GetString(), "inbound");
    EXPECT_TRUE(d["network"].HasMember("community_id"));
    const auto& sip = d["sip"];
    EXPECT_STREQ(sip["call_id"].GetString(), "9062bca7eca2afe71b4a225048ed5101@127.0.0.1");
    EXPECT_STREQ(sip["method"].GetString(), "INVITE");
    EXPECT_STREQ(sip["request_uri"].GetString(), "sip:jorobb@rtp.ciscotac.net");
    EXPECT_STREQ(sip["from"].GetString(), "sip:pstojano-test@dmzlab.call.ciscospark.com");
    EXPECT_EQ(sip["status_code"].GetInt(), 404);
    EXPECT_STREQ(sip["reason_phrase"].GetString(), "Not Found");
    EXPECT_STREQ(sip["warning"].GetString(), "399 192.168.1.5:5061 \"Policy Response\"");
    EXPECT_STREQ(sip["server"].GetString(), "TANDBERG/4135 (X8.10.2)");
    EXPECT_STREQ(sip["route"].GetString(), "<sip:cucm.rtp.ciscotac.net;lr>");
    EXPECT_DOUBLE_EQ(sip["latency_ms"].GetDouble(), 6.0);
    EXPECT_STREQ(sip["ladder"].GetString(), "+0.000s L0 <- INVITE | +0.006s L0 404 Not Found -> | +0.007s L0 <- ACK");
    ASSERT_EQ(sip["legs"].Size(), 1u);
    EXPECT_STREQ(sip["legs"][0]["vantage"].GetString(), "inside");
    EXPECT_STREQ(sip["legs"][0]["egress_zone"].GetString(), "HybridCallServiceTraversal");
    EXPECT_TRUE(sip["legs"][0]["call_type_squared"].GetBool());
    const auto& cs = d["callsentry"];
    EXPECT_STREQ(cs["failure"].GetString(), "SIP_PRELOADED_ROUTE_REJECTED");
    ASSERT_EQ(cs["evidence"].Size(), 2u);
    EXPECT_EQ(std::string(cs["evidence"][0].GetString()).rfind("frame 12 (inside): INVITE sip:jorobb@rtp.ciscotac.net", 0), 0u)
        << cs["evidence"][0].GetString();
    EXPECT_EQ(std::string(cs["evidence"][1].GetString()).rfind("frame 13 (inside): 404 Not Found from 192.168.1.5:26847", 0), 0u)
        << cs["evidence"][1].GetString();
    EXPECT_NE(std::string(cs["remediation"].GetString()).find("PreloadedSipRoutes Accept"), std::string::npos);
    EXPECT_NE(std::string(cs["guide"].GetString()).find("Issue 4"), std::string::npos);
    EXPECT_GE(cs["candidate_causes"].Size(), 1u);
    ASSERT_EQ(cs["rules"].Size(), 1u);
    EXPECT_EQ(cs["rules"][0]["id"].GetUint(), 7u);
    EXPECT_STREQ(cs["rules"][0]["name"].GetString(), "policy_response_warning");
    EXPECT_STREQ(cs["rules"][0]["remediation"].GetString(), "Check which zone refused the call");
    EXPECT_STREQ(cs["call"]["outcome"].GetString(), "failed");
    // Without the rules in force the ids still show.
    const rapidjson::Document bare = parse(render_sip_call(ev[0], kCtx, nullptr).json);
    EXPECT_EQ(bare["callsentry"]["rules"][0]["id"].GetUint(), 7u);
    EXPECT_FALSE(bare["callsentry"]["rules"][0].HasMember("name"));
}

TEST(SipCalls, HostileBytesInTheMessagesStillMakeValidJson) {
    std::vector<SipFact> facts = in4_call();
    // A UTF-8 display name cut inside a character, a lone continuation byte,
    // an overlong '/', a surrogate, NUL, and control characters.
    facts[0].from_uri.set(std::string_view("sip:J\xc3\xb6rg\x80\xc0\xaf\xed\xa0\x80@dmzlab.call.ciscospark.com\x00x", 44));
    facts[0].request_uri.set("sip:jorobb@rtp.ciscotac.net\r\n\x1b[31m");
    facts[1].warning.set("399 192.168.1.5:5061 \"Policy \xe2\x82\"");
    const std::vector<SipCallEvent> ev = run(facts);
    ASSERT_EQ(ev.size(), 1u);
    const std::string json = render_sip_call(ev[0], kCtx, nullptr).json;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str());
    ASSERT_FALSE(d.HasParseError()) << json;
    EXPECT_STREQ(d["sip"]["from"].GetString(), "sip:J\xc3\xb6rg??????@dmzlab.call.ciscospark.com?x");
    EXPECT_STREQ(d["sip"]["request_uri"].GetString(), "sip:jorobb@rtp.ciscotac.net\r\n\x1b[31m");
    EXPECT_STREQ(d["sip"]["warning"].GetString(), "399 192.168.1.5:5061 \"Policy ??\"");
    EXPECT_NE(std::string(d["callsentry"]["evidence"][0].GetString()).find("J\xc3\xb6rg??????@"), std::string::npos);
}

TEST(SipCalls, RenderedHealthyAndCodecEventsCarryCodecsAndSetup) {
    Bi1 good;
    good.audio_zeroed = false;
    good.g729_only = false;
    good.cause47 = false;
    const std::vector<SipCallEvent> ok = run(bi1_call(good));
    ASSERT_EQ(ok.size(), 1u);
    const RenderedEvent r = render_sip_call(ok[0], kCtx, nullptr);
    EXPECT_EQ(r.topic, "callsentry.ok.CALL_OK");
    const rapidjson::Document d = parse(r.json);
    EXPECT_STREQ(d["event"]["kind"].GetString(), "event");
    EXPECT_STREQ(d["event"]["outcome"].GetString(), "success");
    EXPECT_STREQ(d["sip"]["offer"].GetString(), "early");
    ASSERT_EQ(d["sip"]["codecs_offered"].Size(), 3u);
    EXPECT_STREQ(d["sip"]["codecs_offered"][0].GetString(), "PCMU/8000");
    ASSERT_EQ(d["sip"]["codecs_answered"].Size(), 1u);
    EXPECT_DOUBLE_EQ(d["sip"]["setup_ms"].GetDouble(), 16584.0);
    EXPECT_STREQ(d["network"]["direction"].GetString(), "outbound");

    const std::vector<SipCallEvent> bad = run(bi1_call());
    const rapidjson::Document b = parse(render_sip_call(bad[0], kCtx, nullptr).json);
    EXPECT_STREQ(b["event"]["code"].GetString(), "SIP_CODEC_REJECTED");
    EXPECT_EQ(b["sip"]["audio_port_answered"].GetUint(), 0u);
    EXPECT_STREQ(b["sip"]["reason"].GetString(), "Q.850 ;cause=47");
    EXPECT_NE(std::string(b["callsentry"]["remediation"].GetString()).find("AAC-LD"), std::string::npos);
}

TEST(SipCalls, EveryEventOfEveryGuideCallRendersAsJson) {
    std::vector<SipFact> all;
    for (auto v : {in4_call(), out_call(), bi1_call(), bi2_call(), in5_call(true), challenged_call(true),
                   unanswered_udp(1700000100ull * kSec)})
        all.insert(all.end(), v.begin(), v.end());
    for (SipFact& f : all)
        if (f.conn_id == 0xb11) f.on_tls_port = true;
    std::vector<FailureCode> codes;
    for (const SipCallEvent& e : run(sorted(all))) {
        codes.push_back(e.verdict.code);
        const RenderedEvent r = render_sip_call(e, kCtx, nullptr);
        const rapidjson::Document d = parse(r.json);
        EXPECT_STREQ(d["event"]["code"].GetString(), std::string(catalog_entry(e.verdict.code).name).c_str());
        EXPECT_FALSE(std::string(d["event"]["reason"].GetString()).empty()) << r.json;
        EXPECT_TRUE(d["sip"].HasMember("ladder"));
        if (e.verdict.code != FailureCode::kCallOk) {
            EXPECT_FALSE(std::string(d["callsentry"]["remediation"].GetString()).empty()) << r.json;
        }
    }
    std::sort(codes.begin(), codes.end());
    const std::vector<FailureCode> want = {FailureCode::kSipPreloadedRouteRejected, FailureCode::kSipSearchRuleRejected,
                                           FailureCode::kSipCodecRejected,          FailureCode::kSipMessageTooLarge,
                                           FailureCode::kSipCalltypeStripped,       FailureCode::kSipNoFinalResponse,
                                           FailureCode::kSipCleartextOnTlsPort,     FailureCode::kCallOk};
    std::vector<FailureCode> sorted_want = want;
    std::sort(sorted_want.begin(), sorted_want.end());
    EXPECT_EQ(codes, sorted_want);
}
