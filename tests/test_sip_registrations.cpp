// SipRegistrations, fed the way the publisher feeds it (through
// SipCallTracker, which orders the facts and runs the timers): seed 004's
// REGISTER / 401 / REGISTER with credentials / final ladder decides
// WXC_REGISTRATION_FAILED only when the credentials are rejected or the
// REGISTER goes unanswered by Timer F; challenges, retransmissions, retries
// and the end of the capture do not; the same facts in any interleaving give
// the same events; state is bounded; and the rendered event.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/sip_call_facts.h"
#include "workers/sip_event_log.h"

using namespace cs;
using namespace sipt;

namespace {

const EventContext kCtx{{"outside", "inside"}, {"net_pcap0", "net_pcap1"}};

// Seed 004's exchange (22:51:08.127871 REGISTER, .176087 401, .186602
// REGISTER with Authorization, .236092 final), in clear on TCP 5060 in a lab.
constexpr uint64_t kT0 = 1693867868ull * kSec + 127871 * 1000;
constexpr uint64_t k401 = kT0 + 48216 * 1000;
constexpr uint64_t kRetry = kT0 + 58731 * 1000;
constexpr uint64_t kFinal = kT0 + 108221 * 1000;
constexpr const char* kCallId = "98126dba-9df06bd9@192.168.100.6";
constexpr const char* kAor = "sip:w3nca1a025@XXXXX.example.com";

Conn phone_conn(uint64_t id = 0x6, uint16_t vantage = 0, uint8_t transport = 6) {
    return Conn{vantage, id, "192.168.100.6", 51324, "139.177.64.13", 5060, Direction::kOutbound, transport};
}

SipFact reg(Conn& c, uint64_t ts, uint32_t frame, uint32_t cseq, bool credentials, const char* call_id = kCallId) {
    SipFact f = request(c, true, ts, frame, SipMethod::kRegister, "REGISTER", "sip:XXXXX.example.com", call_id, cseq,
                        credentials ? "SIP/2.0/TCP 192.168.100.6:5060;branch=z9hG4bK-be588fb"
                                    : "SIP/2.0/TCP 192.168.100.6:5060;branch=z9hG4bK-c77bd320");
    f.from_uri.set(kAor);
    f.from_tag.set("fcd8304d2abdd95co0");
    f.to_uri.set(kAor);
    f.contact.set("<sip:w3nca1a025@192.168.100.6:5060;transport=tcp>;expires=3600");
    f.expires = 3600;
    f.user_agent.set("Cisco-CP-8865-3PCC/12.0.2_2c01b5e753d5_47cfff26a-4713-41a1-8d75-28d7b638ffe8_2c01b5e7-53d5");
    if (credentials) {
        f.credentials = true;
        f.auth_realm.set("BroadWorks");
        f.auth_user.set("+1XXXXXXXXXX");
    }
    return f;
}

SipFact answer(Conn& c, uint64_t ts, uint32_t frame, uint16_t status, const char* reason, const SipFact& req) {
    SipFact f = response(c, ts, frame, status, reason, req, "799618563-1693867868150");
    if (status == 401 || status == 407) {
        f.challenge = true;
        f.auth_proxy = status == 407;
        f.auth_realm.set("BroadWorks");
    }
    return f;
}

// REGISTER (frame 21), 401 (22), REGISTER with credentials (24), `final` (26).
std::vector<SipFact> exchange(uint16_t final_status, const char* reason, Conn c = phone_conn(),
                              const char* call_id = kCallId, uint64_t shift = 0) {
    const SipFact r1 = reg(c, kT0 + shift, 21, 6367, false, call_id);
    const SipFact ch = answer(c, k401 + shift, 22, 401, "Unauthorized", r1);
    const SipFact r2 = reg(c, kRetry + shift, 24, 6368, true, call_id);
    return {r1, ch, r2, answer(c, kFinal + shift, 26, final_status, reason, r2)};
}

struct BothSinks : SipCallSink {
    std::vector<SipCallEvent> calls;
    std::vector<SipRegistrationEvent> regs;
    void sip_call(const SipCallEvent& e) override { calls.push_back(e); }
    void sip_registration(const SipRegistrationEvent& e) override { regs.push_back(e); }
};

struct Outcome {
    std::vector<SipRegistrationEvent> regs;
    SipCallCounters n;
};

// The facts pushed in this order, then the capture ends at `end_ns` (0: its last SIP fact).
Outcome registrations_of(const std::vector<SipFact>& facts, uint64_t end_ns = 0, SipCallSettings s = {}) {
    BothSinks rec;
    SipCallTracker t(s, rec);
    for (const SipFact& f : facts) t.push(f);
    t.end_capture(end_ns);
    EXPECT_TRUE(rec.calls.empty());
    EXPECT_EQ(t.open_registrations(), 0u);
    return {rec.regs, t.counters()};
}

// The rendered event, parsed.
rapidjson::Document json_of(const SipRegistrationEvent& e) {
    const std::string json = render_sip_registration(e, kCtx, nullptr).json;
    rapidjson::Document d;
    d.Parse(json.c_str());
    EXPECT_FALSE(d.HasParseError()) << json;
    return d;
}

}  // namespace

TEST(SipRegistrations, ChallengeThenSuccessIsARegistrationNotAnEvent) {
    const Outcome r = registrations_of(exchange(200, "OK"));
    EXPECT_TRUE(r.regs.empty());
    const SipRegistrationCounters& g = r.n.registrations;
    EXPECT_EQ(g.messages, 4u);
    EXPECT_EQ(g.attempts, 1u);
    EXPECT_EQ(g.transactions, 2u);
    EXPECT_EQ(g.challenges, 1u);
    EXPECT_EQ(g.registered, 1u);
    EXPECT_EQ(g.rejected + g.no_response + g.cut_by_end + g.challenges_unanswered, 0u);
    // REGISTER is the registration state's, not a call's.
    EXPECT_EQ(r.n.calls, 0u);
    EXPECT_EQ(r.n.non_call_messages, 0u);
    EXPECT_EQ(r.n.messages, 4u);
}

TEST(SipRegistrations, RejectedAfterCredentialsIsDecidedByTheFinalsFrame) {
    std::vector<SipFact> facts = exchange(403, "Forbidden");
    // Other SIP traffic goes on past the retry window: it ran out.
    Conn other{0, 0x99, "146.20.193.64", 5062, "172.16.2.2", 5062, Direction::kInbound, 6};
    facts.push_back(request(other, true, kFinal + 5 * kSec, 90, SipMethod::kOptions, "OPTIONS", "sip:172.16.2.2:5062",
                            "ping-1@146.20.193.64", 1, "SIP/2.0/TLS 146.20.193.64:5062;branch=z9hG4bKo"));
    const Outcome r = registrations_of(facts);
    ASSERT_EQ(r.regs.size(), 1u);
    const SipRegistrationEvent& e = r.regs[0];
    EXPECT_EQ(e.code, FailureCode::kWxcRegistrationFailed);
    EXPECT_EQ(e.failure, SipRegFailure::kRejected);
    EXPECT_EQ(e.decided_ns, kFinal + 2 * kSec);  // the retry window after the 403
    EXPECT_FALSE(e.reg.end_of_capture);
    ASSERT_TRUE(e.reg.response);
    EXPECT_EQ(e.reg.response->status, 403);
    EXPECT_EQ(e.reg.response_at.frame, 26u);
    EXPECT_EQ(e.reg.request_at.frame, 24u);
    ASSERT_TRUE(e.reg.challenge);
    EXPECT_EQ(e.reg.challenge_at.frame, 22u);
    EXPECT_EQ(e.reg.transactions, 2u);
    ASSERT_EQ(e.evidence.size(), 4u);
    EXPECT_EQ(e.evidence.back().frame, 26u);
    EXPECT_NE(e.evidence.back().text.find("403 Forbidden from 139.177.64.13:5060 to the REGISTER with Authorization "
                                          "(user \"+1XXXXXXXXXX\", realm \"BroadWorks\")"),
              std::string::npos)
        << e.evidence.back().text;
    EXPECT_NE(e.evidence[1].text.find("WWW-Authenticate challenge (realm \"BroadWorks\")"), std::string::npos)
        << e.evidence[1].text;
    EXPECT_NE(e.detail.find("Registration of sip:w3nca1a025@XXXXX.example.com rejected after credentials: 403 Forbidden"),
              std::string::npos)
        << e.detail;
    EXPECT_NE(e.detail.find("after the 401 challenge"), std::string::npos) << e.detail;
    EXPECT_EQ(r.n.registrations.rejected, 1u);

    // The rendered event: the phone as source, the registrar as destination, the ladder with frames.
    const auto d = json_of(e);
    EXPECT_STREQ(d["event"]["code"].GetString(), "WXC_REGISTRATION_FAILED");
    EXPECT_STREQ(d["event"]["action"].GetString(), "sip_register");
    EXPECT_STREQ(d["source"]["ip"].GetString(), "192.168.100.6");
    EXPECT_STREQ(d["destination"]["ip"].GetString(), "139.177.64.13");
    EXPECT_EQ(d["destination"]["port"].GetInt(), 5060);
    EXPECT_STREQ(d["network"]["direction"].GetString(), "outbound");
    const auto& sip = d["sip"];
    EXPECT_STREQ(sip["call_id"].GetString(), kCallId);
    EXPECT_STREQ(sip["aor"].GetString(), kAor);
    EXPECT_STREQ(sip["registrar"].GetString(), "139.177.64.13:5060");
    EXPECT_STREQ(sip["phone"].GetString(), "192.168.100.6:51324");
    EXPECT_EQ(sip["status_code"].GetInt(), 403);
    EXPECT_EQ(sip["cseq"].GetInt(), 6368);
    EXPECT_TRUE(sip["credentials"].GetBool());
    EXPECT_EQ(sip["expires"].GetInt(), 3600);
    EXPECT_EQ(sip["challenge"]["status_code"].GetInt(), 401);
    EXPECT_STREQ(sip["challenge"]["realm"].GetString(), "BroadWorks");
    EXPECT_TRUE(std::string(sip["user_agent"].GetString()).starts_with("Cisco-CP-8865-3PCC/12.0.2"));
    EXPECT_STREQ(sip["ladder"].GetString(),
                 "+0.000s #21 L0 REGISTER -> | +0.048s #22 L0 <- 401 Unauthorized | "
                 "+0.059s #24 L0 REGISTER with Authorization -> | +0.108s #26 L0 <- 403 Forbidden");
    const auto& evidence = d["callsentry"]["evidence"];
    ASSERT_EQ(evidence.Size(), 4u);
    EXPECT_TRUE(std::string(evidence[0].GetString())
                    .starts_with("frame 21 (outside): REGISTER sip:XXXXX.example.com for " + std::string(kAor)))
        << evidence[0].GetString();
    EXPECT_TRUE(std::string(evidence[3].GetString()).starts_with("frame 26 (outside): 403 Forbidden"))
        << evidence[3].GetString();
    EXPECT_GE(d["callsentry"]["candidate_causes"].Size(), 1u);
    EXPECT_GT(std::string(d["callsentry"]["remediation"].GetString()).size(), 0u);
    EXPECT_STREQ(d["callsentry"]["registration"]["failure"].GetString(), "rejected");
    EXPECT_STREQ(d["callsentry"]["registration"]["closed_by"].GetString(), "settled");

    // The capture ending right after the 403 cuts the retry window, not the story.
    const Outcome cut = registrations_of(exchange(403, "Forbidden"));
    ASSERT_EQ(cut.regs.size(), 1u);
    EXPECT_TRUE(cut.regs[0].reg.end_of_capture);
    EXPECT_EQ(cut.regs[0].decided_ns, kFinal);
    EXPECT_EQ(cut.regs[0].reg.response_at.frame, 26u);
}

TEST(SipRegistrations, A401ToTheRegisterWithCredentialsIsARejection) {
    const Outcome r = registrations_of(exchange(401, "Unauthorized"));
    ASSERT_EQ(r.regs.size(), 1u);
    EXPECT_EQ(r.regs[0].failure, SipRegFailure::kRejected);
    EXPECT_EQ(r.regs[0].reg.response->status, 401);
    EXPECT_EQ(r.n.registrations.challenges, 1u);  // the first 401 only: the second answered credentials
    // A 407 (proxy challenge) then Proxy-Authorization, then 403: the same story through the proxy.
    Conn c = phone_conn();
    const SipFact r1 = reg(c, kT0, 21, 1, false);
    SipFact r2 = reg(c, kRetry, 24, 2, true);
    r2.auth_proxy = true;
    const Outcome p = registrations_of({r1, answer(c, k401, 22, 407, "Proxy Authentication Required", r1), r2,
                       answer(c, kFinal, 26, 403, "Forbidden", r2)});
    ASSERT_EQ(p.regs.size(), 1u);
    EXPECT_NE(p.regs[0].detail.find("REGISTER with Proxy-Authorization"), std::string::npos) << p.regs[0].detail;
    EXPECT_NE(p.regs[0].detail.find("after the 407 challenge"), std::string::npos) << p.regs[0].detail;
}

TEST(SipRegistrations, RetransmittedRegistersAreNotNewTransactions) {
    // Over UDP the phone resends each REGISTER (Timer E) until answered.
    Conn c = phone_conn(0x7, 0, 17);
    const SipFact r1 = reg(c, kT0, 21, 6367, false);
    SipFact r1b = r1;
    r1b.ts_ns = kT0 + 500 * kMs;
    r1b.frame = r1b.first_frame = 23;
    r1b.seq_in_conn = ++c.seq;
    const SipFact ch = answer(c, kT0 + 520 * kMs, 24, 401, "Unauthorized", r1);
    SipFact ch_again = ch;  // the registrar answers the resent REGISTER again
    ch_again.ts_ns += 1 * kMs;
    ch_again.frame = ch_again.first_frame = 25;
    ch_again.seq_in_conn = ++c.seq;
    const SipFact r2 = reg(c, kT0 + 530 * kMs, 26, 6368, true);
    SipFact r2b = r2;
    r2b.ts_ns += 500 * kMs;
    r2b.frame = r2b.first_frame = 27;
    r2b.seq_in_conn = ++c.seq;
    const SipFact rej = answer(c, kT0 + 1100 * kMs, 28, 403, "Forbidden", r2);
    // And a copy of the rejected REGISTER after the 403 supersedes nothing.
    SipFact r2c = r2;
    r2c.ts_ns = kT0 + 1200 * kMs;
    r2c.frame = r2c.first_frame = 29;
    r2c.seq_in_conn = ++c.seq;
    const Outcome r = registrations_of({r1, r1b, ch, ch_again, r2, r2b, rej, r2c});
    ASSERT_EQ(r.regs.size(), 1u);
    const SipRegistrationRecord& g = r.regs[0].reg;
    EXPECT_EQ(g.transactions, 2u);
    EXPECT_EQ(g.retransmissions, 4u);
    EXPECT_EQ(r.n.registrations.transactions, 2u);
    EXPECT_EQ(r.n.registrations.retransmissions, 4u);
    EXPECT_EQ(r.n.registrations.superseded, 0u);
    ASSERT_EQ(g.ladder.size(), 4u);
    EXPECT_EQ(g.ladder[0].repeats, 1);
    EXPECT_EQ(g.ladder[1].repeats, 1);
    EXPECT_EQ(g.ladder[2].repeats, 2);
    EXPECT_EQ(g.ladder[3].repeats, 0);
    EXPECT_EQ(r.regs[0].reg.response_at.frame, 28u);
    const auto d = json_of(r.regs[0]);
    EXPECT_NE(std::string(d["sip"]["ladder"].GetString()).find("REGISTER with Authorization -> x3"), std::string::npos)
        << d["sip"]["ladder"].GetString();
    EXPECT_STREQ(d["network"]["transport"].GetString(), "udp");
}

TEST(SipRegistrations, TimerFRunsOutAtExactly32SecondsOfPacketTime) {
    Conn c = phone_conn();
    const SipFact r1 = reg(c, kT0, 21, 6367, false);
    // A final 1 ns before Timer F runs out answers the REGISTER.
    {
        Conn c2 = c;
        const Outcome r = registrations_of({r1, answer(c2, kT0 + 32 * kSec - 1, 22, 200, "OK", r1)});
        EXPECT_TRUE(r.regs.empty());
        EXPECT_EQ(r.n.registrations.registered, 1u);
    }
    // At exactly 32 s the timer fires first (a timer fires before a fact of the same time): the final is late.
    {
        Conn c2 = c;
        const Outcome r = registrations_of({r1, answer(c2, kT0 + 32 * kSec, 22, 200, "OK", r1)});
        ASSERT_EQ(r.regs.size(), 1u);
        EXPECT_EQ(r.regs[0].failure, SipRegFailure::kNoResponse);
        EXPECT_EQ(r.regs[0].decided_ns, kT0 + 32 * kSec);
        EXPECT_EQ(r.n.registrations.registered, 0u);
        EXPECT_EQ(r.n.registrations.late, 1u);
    }
    // Provisional responses do not stop it; the watermark must pass the due time.
    BothSinks rec;
    SipCallTracker t({}, rec);
    t.push(r1);
    t.push(answer(c, kT0 + 40 * kMs, 22, 100, "Trying", r1));
    t.advance(kT0 + 32 * kSec);
    EXPECT_TRUE(rec.regs.empty());
    t.advance(kT0 + 32 * kSec + 1);
    ASSERT_EQ(rec.regs.size(), 1u);
    const SipRegistrationEvent& e = rec.regs[0];
    EXPECT_EQ(e.failure, SipRegFailure::kNoResponse);
    EXPECT_EQ(e.decided_ns, kT0 + 32 * kSec);
    EXPECT_EQ(e.evidence.back().frame, 21u);  // the unanswered REGISTER
    EXPECT_NE(e.detail.find("got no final response from the registrar 139.177.64.13:5060 in 32.0 s (Timer F)"),
              std::string::npos)
        << e.detail;
    const auto d = json_of(e);
    EXPECT_STREQ(d["callsentry"]["registration"]["failure"].GetString(), "no_response");
    EXPECT_FALSE(d["sip"].HasMember("status_code"));
    t.end_capture(0);
    EXPECT_EQ(rec.regs.size(), 1u);
    // The REGISTER with credentials unanswered after the challenge: the same, after the challenge.
    Conn c3 = phone_conn();
    std::vector<SipFact> facts = exchange(200, "OK", c3);
    facts.pop_back();
    const Outcome r = registrations_of(facts, kRetry + 60 * kSec);
    ASSERT_EQ(r.regs.size(), 1u);
    EXPECT_EQ(r.regs[0].decided_ns, kRetry + 32 * kSec);
    EXPECT_NE(r.regs[0].detail.find("to the REGISTER with Authorization"), std::string::npos) << r.regs[0].detail;
}

TEST(SipRegistrations, TheEndOfTheCaptureCutsWaitsWithoutAnEvent) {
    Conn c = phone_conn();
    const SipFact r1 = reg(c, kT0, 21, 6367, false);
    Outcome r = registrations_of({r1}, kT0 + 10 * kSec);  // Timer F had 22 s to go
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.cut_by_end, 1u);
    r = registrations_of({r1, answer(c, k401, 22, 401, "Unauthorized", r1)});  // the credentials never came, nor the window's end
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.cut_by_end, 1u);
    // A challenge the phone does not answer within the window, the capture going on: counted, no event.
    r = registrations_of({r1, answer(c, k401, 22, 401, "Unauthorized", r1)}, k401 + 10 * kSec);
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.challenges_unanswered, 1u);
    // A final >= 300 to a REGISTER without credentials (no challenge) is counted, not this failure.
    r = registrations_of({r1, answer(c, k401, 22, 503, "Service Unavailable", r1)}, k401 + 10 * kSec);
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.rejected_unchallenged, 1u);
}

TEST(SipRegistrations, ANewerRegisterSupersedesARejection) {
    // A stale nonce: 401 to the credentials, the phone answers at once with fresh ones and is registered.
    Conn c = phone_conn();
    std::vector<SipFact> facts = exchange(401, "Unauthorized", c);
    c.seq = 4;
    SipFact r3 = reg(c, kFinal + 9 * kMs, 27, 6369, true);
    facts.push_back(r3);
    facts.push_back(answer(c, kFinal + 60 * kMs, 28, 200, "OK", r3));
    Outcome r = registrations_of(facts, kFinal + 60 * kSec);
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.superseded, 1u);
    EXPECT_EQ(r.n.registrations.registered, 1u);
    // Retried with a 403 again: one event, which says an earlier rejection was retried.
    facts.back() = answer(c, kFinal + 60 * kMs, 28, 403, "Forbidden", r3);
    r = registrations_of(facts, kFinal + 60 * kSec);
    ASSERT_EQ(r.regs.size(), 1u);
    EXPECT_EQ(r.regs[0].reg.superseded, 401);
    EXPECT_EQ(r.regs[0].reg.response->status, 403);
    EXPECT_EQ(r.regs[0].reg.transactions, 3u);
    EXPECT_NE(r.regs[0].detail.find("(an earlier 401 was retried)"), std::string::npos) << r.regs[0].detail;
    // A REGISTER after the window is a new attempt: the rejection was reported, the next one registers.
    facts = exchange(403, "Forbidden", c);
    c.seq = 4;
    SipFact later = reg(c, kFinal + 30 * kSec, 40, 6369, false);
    facts.push_back(later);
    facts.push_back(answer(c, kFinal + 30 * kSec + 40 * kMs, 41, 200, "OK", later));
    r = registrations_of(facts);
    ASSERT_EQ(r.regs.size(), 1u);
    EXPECT_EQ(r.regs[0].reg.response->status, 403);
    EXPECT_EQ(r.n.registrations.attempts, 2u);
    EXPECT_EQ(r.n.registrations.registered, 1u);
}

TEST(SipRegistrations, StragglersAndOrphansJoinNothing) {
    Conn c = phone_conn();
    std::vector<SipFact> facts = exchange(200, "OK", c);
    SipFact again = facts.back();  // the 200 OK seen again after the attempt finished
    again.ts_ns += 100 * kMs;
    again.frame = again.first_frame = 30;
    again.seq_in_conn = ++c.seq;
    facts.push_back(again);
    Conn o = phone_conn(0x8);
    const SipFact lonely = reg(o, kT0, 1, 7, false, "lonely@192.168.100.7");
    facts.push_back(answer(o, kT0 + 10 * kMs, 2, 401, "Unauthorized", lonely));  // its REGISTER was not captured
    const Outcome r = registrations_of(facts);
    EXPECT_TRUE(r.regs.empty());
    EXPECT_EQ(r.n.registrations.late, 1u);
    EXPECT_EQ(r.n.registrations.orphan_responses, 1u);
    EXPECT_EQ(r.n.registrations.attempts, 1u);
}

TEST(SipRegistrations, TheSameRegisterOnTwoVantagesIsTwoLegsNotARetransmission) {
    Conn lan = phone_conn(0x6, 1);
    Conn out{0, 0x60, "187.190.10.20", 40112, "139.177.64.13", 5060, Direction::kOutbound, 6};
    const std::vector<SipFact> in_lan = exchange(403, "Forbidden", lan);
    std::vector<SipFact> facts = in_lan;
    for (const SipFact& f : exchange(403, "Forbidden", out, kCallId, 300 * 1000)) facts.push_back(f);
    const Outcome r = registrations_of(facts);
    ASSERT_EQ(r.regs.size(), 1u);
    const SipRegistrationRecord& g = r.regs[0].reg;
    EXPECT_EQ(g.legs.size(), 2u);
    EXPECT_EQ(g.retransmissions, 0u);
    EXPECT_EQ(g.ladder.size(), 8u);
    EXPECT_EQ(g.transactions, 2u);
    EXPECT_EQ(r.regs[0].leg, 0);  // the REGISTER the phone sent, where it was first seen
    const auto d = json_of(r.regs[0]);
    EXPECT_STREQ(d["observer"]["vantage"].GetString(), "inside");
    EXPECT_EQ(d["observer"]["vantages"].Size(), 2u);
}

TEST(SipRegistrations, AnyInterleavingOfTwoWorkersFactsGivesTheSameEvents) {
    // Worker A: one phone rejected, one registered; worker B: one rejected
    // over UDP on another vantage, one unanswered. Each worker's facts come
    // in its own time order.
    std::vector<SipFact> a, b;
    Conn a1 = phone_conn(0xa1), a2 = phone_conn(0xa2);
    for (const SipFact& f : exchange(403, "Forbidden", a1, "a1@192.168.100.6")) a.push_back(f);
    for (const SipFact& f : exchange(200, "OK", a2, "a2@192.168.100.6", 1000)) a.push_back(f);
    Conn b1 = phone_conn(0xb1, 1, 17), b2 = phone_conn(0xb2, 1);
    for (const SipFact& f : exchange(401, "Unauthorized", b1, "b1@192.168.100.6")) b.push_back(f);
    b.push_back(reg(b2, kT0 + 2 * kSec, 9, 1, false, "b2@192.168.100.6"));
    const auto by_time = [](const SipFact& x, const SipFact& y) { return x.ts_ns < y.ts_ns; };
    std::stable_sort(a.begin(), a.end(), by_time);
    std::stable_sort(b.begin(), b.end(), by_time);
    // The publisher's way: facts arrive from either worker in any
    // interleaving; the watermark is the least time a worker may still report.
    auto play = [&](std::mt19937_64* rng) {
        BothSinks rec;
        SipCallTracker t({}, rec);
        size_t i = 0, j = 0;
        while (i < a.size() || j < b.size()) {
            const bool from_a = j == b.size() || (i < a.size() && (rng ? (*rng)() % 2 == 0 : true));
            t.push(from_a ? a[i++] : b[j++]);
            if (!rng) continue;
            const uint64_t next_a = i < a.size() ? a[i].ts_ns : UINT64_MAX - 1;
            const uint64_t next_b = j < b.size() ? b[j].ts_ns : UINT64_MAX - 1;
            t.advance(std::min(next_a, next_b));
        }
        t.end_capture(kT0 + 120 * kSec);
        std::vector<std::string> out;
        for (const SipRegistrationEvent& e : rec.regs) out.push_back(render_sip_registration(e, kCtx, nullptr).json);
        return out;
    };
    const std::vector<std::string> want = play(nullptr);  // all of A, then all of B, decided at the end
    ASSERT_EQ(want.size(), 3u);
    std::mt19937_64 rng(7);
    for (int k = 0; k < 20; ++k) EXPECT_EQ(play(&rng), want) << k;
}

TEST(SipRegistrations, StateIsBounded) {
    SipCallSettings s;
    s.registrations.max_registrations = 2;
    std::vector<SipFact> facts;
    for (uint32_t i = 0; i < 3; ++i) {
        Conn c = phone_conn(0x100 + i);
        facts.push_back(reg(c, kT0 + i * kMs, i + 1, 1, false, i == 0 ? "r0@p" : i == 1 ? "r1@p" : "r2@p"));
    }
    Outcome r = registrations_of(facts, kT0 + 60 * kSec, s);
    EXPECT_EQ(r.n.registrations.dropped, 1u);
    EXPECT_EQ(r.regs.size(), 2u);  // the two kept ran out of Timer F
    // A ladder longer than kept: the rest counted and said so.
    Conn c = phone_conn();
    facts.clear();
    for (uint32_t i = 0; i < 12; ++i) {
        const SipFact q = reg(c, kT0 + i * 100 * kMs, 2 * i + 1, 100 + i, true);
        facts.push_back(q);
        facts.push_back(answer(c, kT0 + i * 100 * kMs + 10 * kMs, 2 * i + 2, 401, "Unauthorized", q));
    }
    r = registrations_of(facts);
    ASSERT_EQ(r.regs.size(), 1u);
    const SipRegistrationRecord& g = r.regs[0].reg;
    EXPECT_EQ(g.ladder.size(), SipRegistrationRecord::kMaxSteps);
    EXPECT_EQ(g.steps_total, 24u);
    EXPECT_EQ(r.n.registrations.superseded, 11u);
    EXPECT_EQ(r.n.registrations.steps_unlisted, 8u);
    const auto d = json_of(r.regs[0]);
    EXPECT_NE(std::string(d["sip"]["ladder"].GetString()).find("... 8 more"), std::string::npos);
    EXPECT_EQ(r.regs[0].reg.response_at.frame, 24u);  // the last transaction's answer decides, listed or not
}
