// DnsTracker, the worker side of DNS: BIND's and unbound's messages for the
// guide's names (OUT-1's NAPTR and 5061 SRV, the healthy call-service SRV
// with glue, seed 004's CNAME for activate.cisco.com and its six
// registration targets) in real UDP and TCP frames, decoded and fed the way
// a worker feeds them. Checked: which flows are claimed, who the querier is,
// the records each fact keeps (SRV targets linked to their glue), what is
// only counted, TCP framing at every split, oversize messages, holes,
// malformed messages by reason, mutated messages, rule conditions, caps.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <unistd.h>

#include "tests/dns_test_fixtures.h"

using namespace cs;
using namespace cs::dnstest;

namespace {

constexpr uint64_t kT0 = 1505841530565000000ull;  // 2017-09-19 17:18:50.565 UTC (guide OUT-1)
constexpr uint64_t kMs = 1000000ull;
const IpAddr kExpe = ip("64.102.241.236");
const IpAddr kResolver = ip("8.8.8.8");
const IpAddr kPhone = ip("192.168.100.4");
const IpAddr kPhoneResolver = ip("192.168.100.3");

std::vector<std::string> srv_texts(const DnsFact& f) {
    std::vector<std::string> out;
    for (int i = 0; i < f.srv_count; ++i)
        out.push_back(std::to_string(f.srv[i].priority) + " " + std::to_string(f.srv[i].weight) + " " +
                      std::to_string(f.srv[i].port) + " " + std::string(f.srv[i].target.view()));
    return out;
}

// The TCP handshake of a DNS-over-TCP connection from client to server:53.
void handshake(DnsWire& w, uint64_t t, const IpAddr& c, uint16_t cport, const IpAddr& s, uint32_t cisn, uint32_t sisn) {
    w.tcp(t, c, cport, s, 53, cisn, 0, kSyn, {});
    w.tcp(t + kMs, s, 53, c, cport, sisn, cisn + 1, kSyn | kAck, {});
    w.tcp(t + 2 * kMs, c, cport, s, 53, cisn + 1, sisn + 1, kAck, {});
}

}  // namespace

TEST(DnsTracker, Out1LookupIsAQueryAndAResponseFromTheQueriersSide) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kExpe, 41023, kResolver, 53, dig_query(0x6e08, "dmzlab.call.ciscospark.com", dns::kTypeNAPTR));
    w.udp(kT0 + 20 * kMs, kResolver, 53, kExpe, 41023, kBindNaptrDmzlab);
    w.udp(kT0 + 153 * kMs, kExpe, 41024, kResolver, 53, dig_query(0xff1d, "_sips._tcp.dmzlab.call.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + 230 * kMs, kResolver, 53, kExpe, 41024, kBindSrvDmzlab5061);
    ASSERT_EQ(w.facts().size(), 4u);
    const DnsFact& naptr = w.facts()[1];
    EXPECT_EQ(naptr.qname.view(), "dmzlab.call.ciscospark.com");
    EXPECT_EQ(naptr.tags, uint32_t(kDnsTagWebexCallNaptrName));
    ASSERT_EQ(naptr.naptr_count, 1);
    EXPECT_EQ(naptr.naptr[0].order, 10);
    EXPECT_EQ(std::string(naptr.naptr[0].services, naptr.naptr[0].services_len), "SIPS+D2T");
    EXPECT_EQ(std::string(naptr.naptr[0].flags, naptr.naptr[0].flags_len), "s");
    EXPECT_EQ(naptr.naptr[0].replacement.view(), "_sips._tcp.dmzlab.call.ciscospark.com");

    const DnsFact& q = w.facts()[2];
    const DnsFact& r = w.facts()[3];
    EXPECT_FALSE(q.is_response);
    EXPECT_TRUE(r.is_response);
    for (const DnsFact* f : {&q, &r}) {
        // The querier is the client on both messages.
        EXPECT_EQ(f->client_ip, kExpe);
        EXPECT_EQ(f->client_port, 41024);
        EXPECT_EQ(f->server_ip, kResolver);
        EXPECT_EQ(f->server_port, 53);
        EXPECT_EQ(f->direction, Direction::kOutbound);
        EXPECT_EQ(f->transport, 17);
        EXPECT_EQ(f->id, 0xff1d);
        EXPECT_EQ(f->qname.view(), "_sips._tcp.dmzlab.call.ciscospark.com");
        EXPECT_EQ(f->qtype, dns::kTypeSRV);
        EXPECT_EQ(f->tags, uint32_t(kDnsTagWebexSubdomainSrv));
        ASSERT_EQ(f->matched_count, 1);
        EXPECT_EQ(f->matched_rules[0], 3010u);
        EXPECT_FALSE(f->malformed);
    }
    EXPECT_EQ(q.frame, 3u);
    EXPECT_EQ(r.frame, 4u);
    EXPECT_EQ(q.ts_ns, kT0 + 153 * kMs);
    EXPECT_TRUE(q.rd);
    EXPECT_TRUE(r.aa);
    EXPECT_EQ(r.rcode, dns::kNoError);
    EXPECT_EQ(r.answers_of_qtype, 1);
    EXPECT_EQ(srv_texts(r), std::vector<std::string>{"5 10 5061 l2sip-cfa-01.wbx2.com"});
    EXPECT_EQ(r.srv[0].ttl, 300u);
    EXPECT_EQ(r.address_count, 0);  // the only glue is the name server's, not an SRV target's
    EXPECT_EQ(q.conn_id, r.conn_id);  // one UDP flow
    EXPECT_NE(q.conn_id, w.facts()[0].conn_id);
    EXPECT_EQ(r.seq_in_conn, q.seq_in_conn + 1);

    const DnsCounters& n = w.counters();
    EXPECT_EQ(n.flows_udp, 2u);
    EXPECT_EQ(n.messages, 4u);
    EXPECT_EQ(n.queries, 2u);
    EXPECT_EQ(n.responses, 2u);
    EXPECT_EQ(n.rcode_noerror, 2u);
    EXPECT_EQ(n.watched, 4u);
    EXPECT_EQ(n.malformed, 0u);
}

TEST(DnsTracker, SrvTargetsKeepTheirGlueAddresses) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(0x3469, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + kMs, kResolver, 53, kExpe, 5001, kBindSrvCallserviceWithA);
    ASSERT_EQ(w.facts().size(), 2u);
    const DnsFact& r = w.facts()[1];
    EXPECT_EQ(r.tags, uint32_t(kDnsTagWebexServiceSrv));
    EXPECT_EQ(srv_texts(r), (std::vector<std::string>{"5 10 5062 l2sip-cfa-02.wbx2.com", "5 10 5062 l2sip-cfa-01.wbx2.com"}));
    ASSERT_EQ(r.address_count, 2);
    EXPECT_EQ(r.address[0].ip, ip("146.20.193.64"));
    EXPECT_EQ(r.address[0].srv, 1);  // l2sip-cfa-01
    EXPECT_EQ(r.address[1].ip, ip("146.20.193.70"));
    EXPECT_EQ(r.address[1].srv, 0);  // l2sip-cfa-02
    EXPECT_EQ(r.ancount, 2);
    EXPECT_EQ(r.arcount, 3);
}

TEST(DnsTracker, CnameChainOfTheActivationName) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kPhone, 33000, kPhoneResolver, 53, dig_query(0x5534, "activate.cisco.com", dns::kTypeA));
    w.udp(kT0 + 34 * kMs, kPhoneResolver, 53, kPhone, 33000, kUnboundCnameActivate);
    ASSERT_EQ(w.facts().size(), 2u);
    const DnsFact& r = w.facts()[1];
    EXPECT_EQ(r.tags, uint32_t(kDnsTagWxcActivation));
    EXPECT_EQ(r.direction, Direction::kExternal);  // neither end is in local_networks
    ASSERT_EQ(r.cname_count, 1);
    EXPECT_EQ(r.cname[0].view(), "activate.xglb.cisco.com");
    ASSERT_EQ(r.address_count, 1);
    EXPECT_EQ(r.address[0].ip, ip("72.163.10.5"));
    EXPECT_EQ(r.address[0].srv, DnsFactAddress::kNoSrv);
    EXPECT_EQ(r.answers_of_qtype, 1);
    EXPECT_TRUE(r.ra);
    EXPECT_FALSE(r.aa);
}

TEST(DnsTracker, SixRegistrationTargetsAndAnAaaa) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kPhoneResolver, 53, kPhone, 33001, kBindSrvDa02SixTargets);  // a response seen without its query
    ASSERT_EQ(w.facts().size(), 1u);
    const DnsFact& r = w.facts()[0];
    EXPECT_TRUE(r.is_response);
    EXPECT_EQ(r.client_ip, kPhone);  // the receiver of a response is the querier
    EXPECT_EQ(r.client_port, 33001);
    EXPECT_EQ(r.server_ip, kPhoneResolver);
    EXPECT_EQ(r.tags, uint32_t(kDnsTagWxcRegistrationSrv));
    ASSERT_EQ(r.srv_count, 6);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(r.srv[i].port, 8934);
        EXPECT_EQ(r.srv[i].weight, 50);
    }
    ASSERT_EQ(r.address_count, 7);  // six A and hosted01ai's AAAA; the name server's A is not an SRV target's
    int v6 = 0;
    for (int i = 0; i < r.address_count; ++i) {
        ASSERT_NE(r.address[i].srv, DnsFactAddress::kNoSrv);
        if (!r.address[i].v6) continue;
        ++v6;
        EXPECT_EQ(r.address[i].ip, ip("2607:fcf0:9000:1::11"));
        EXPECT_EQ(r.srv[r.address[i].srv].target.view(), "hosted01ai-us10.bcld.webex.com");
    }
    EXPECT_EQ(v6, 1);
    EXPECT_EQ(r.records_not_kept, 0);
}

TEST(DnsTracker, NegativeAnswersAndTruncationAreCounted) {
    DnsWire w(&shipped_rules());
    const IpAddr cloud = ip("146.20.193.45"), auth = ip("64.102.241.53");
    w.udp(kT0, auth, 53, cloud, 40000, kBindNxdomainMtls);
    w.udp(kT0 + kMs, auth, 53, cloud, 40001, kBindRefused);
    w.udp(kT0 + 2 * kMs, auth, 53, cloud, 40002, with_rcode(kBindNxdomainMtls, dns::kNoError));
    w.udp(kT0 + 3 * kMs, kResolver, 53, kExpe, 40003, kBindTruncatedTxt);  // TXT ciscospark.com: not watched
    ASSERT_EQ(w.facts().size(), 3u);
    const DnsFact& nx = w.facts()[0];
    EXPECT_EQ(nx.rcode, dns::kNxDomain);
    EXPECT_TRUE(nx.soa_in_authority);
    EXPECT_EQ(nx.answers_of_qtype, 0);
    EXPECT_EQ(nx.tags, uint32_t(kDnsTagSipDestinationSrv));
    EXPECT_EQ(nx.direction, Direction::kInbound);  // the cloud asked the enterprise's server
    EXPECT_EQ(w.facts()[1].rcode, dns::kRefused);
    EXPECT_EQ(w.facts()[1].qname.view(), "_sips._tcp.mtls.example.com");
    EXPECT_EQ(w.facts()[2].rcode, dns::kNoError);
    EXPECT_TRUE(w.facts()[2].soa_in_authority);
    const DnsCounters& n = w.counters();
    EXPECT_EQ(n.rcode_nxdomain, 1u);
    EXPECT_EQ(n.rcode_refused, 1u);
    EXPECT_EQ(n.rcode_noerror, 2u);
    EXPECT_EQ(n.truncated, 1u);
    EXPECT_EQ(n.messages, 4u);
    EXPECT_EQ(n.watched, 3u);
}

TEST(DnsTracker, OnlyPort53FlowsThatReadAsDnsAreClaimed) {
    DnsWire w(&shipped_rules());
    const Bytes sip = {'O', 'P', 'T', 'I', 'O', 'N', 'S', ' ', 's', 'i', 'p', ':', 'a', '@', 'b', ' ', 'S', 'I', 'P', '/',
                       '2', '.', '0', '\r', '\n', '\r', '\n'};
    w.udp(kT0, kExpe, 5060, kResolver, 53, sip);
    // A DNS message on the mDNS port is not the DNS analyzer's.
    w.udp(kT0 + kMs, kExpe, 5353, ip("224.0.0.251"), 5353, dig_query(1, "callservice.ciscospark.com", dns::kTypeA));
    // Z set, four questions too many: not what a DNS speaker sends.
    Bytes z = dig_query(2, "callservice.ciscospark.com", dns::kTypeA);
    z[3] |= 0x40;
    w.udp(kT0 + 2 * kMs, kExpe, 5002, kResolver, 53, z);
    Bytes five = dig_query(3, "callservice.ciscospark.com", dns::kTypeA);
    five[5] = 5;
    w.udp(kT0 + 3 * kMs, kExpe, 5003, kResolver, 53, five);
    w.udp(kT0 + 4 * kMs, kExpe, 5004, kResolver, 53, Bytes(11, 0));  // shorter than a header
    ASSERT_EQ(w.flows(), 5u);
    for (size_t i = 0; i < w.flows(); ++i) EXPECT_FALSE(w.claimed(i)) << i;
    EXPECT_EQ(w.counters().messages, 0u);
    // The real thing on the same port is.
    w.udp(kT0 + 5 * kMs, kExpe, 5005, kResolver, 53, dig_query(4, "callservice.ciscospark.com", dns::kTypeA));
    EXPECT_TRUE(w.claimed(5));
    ASSERT_EQ(w.facts().size(), 1u);
    EXPECT_EQ(w.facts()[0].tags, uint32_t(kDnsTagWebexServiceHost));
}

TEST(DnsTracker, UnwatchedNamesAreCountedNotShipped) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(0x383f, "ciscospark.com", 16));
    w.udp(kT0 + kMs, kExpe, 5002, kResolver, 53, dig_query(7, "_sips._tcp.callservice.ciscospark.com.evil.net", dns::kTypeSRV));
    w.udp(kT0 + 2 * kMs, kExpe, 5003, kResolver, 53, dig_query(8, "www.example.com", dns::kTypeA));
    EXPECT_TRUE(w.facts().empty());
    EXPECT_EQ(w.counters().queries, 3u);
    EXPECT_EQ(w.counters().watched, 0u);
    // Without signatures nothing is watched at all.
    DnsWire none(nullptr);
    none.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(1, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    EXPECT_TRUE(none.facts().empty());
    EXPECT_EQ(none.counters().queries, 1u);
}

TEST(DnsTracker, TcpAnswerSplitAtEveryByte) {
    const Bytes q = kTcpQuerySrv, a = kTcpAnswerSrv;
    for (size_t cut = 1; cut < a.size(); ++cut) {
        DnsWire w(&shipped_rules());
        const uint32_t c = 1000, s = 9000;
        handshake(w, kT0, kExpe, 44000, kResolver, c, s);
        w.tcp(kT0 + 3 * kMs, kExpe, 44000, kResolver, 53, c + 1, s + 1, kAck | kPsh, q);
        w.tcp(kT0 + 4 * kMs, kResolver, 53, kExpe, 44000, s + 1, c + 1 + uint32_t(q.size()), kAck | kPsh,
              Bytes(a.begin(), a.begin() + long(cut)));
        w.tcp(kT0 + 5 * kMs, kResolver, 53, kExpe, 44000, s + 1 + uint32_t(cut), c + 1 + uint32_t(q.size()), kAck | kPsh,
              Bytes(a.begin() + long(cut), a.end()));
        ASSERT_EQ(w.facts().size(), 2u) << cut;
        const DnsFact& r = w.facts()[1];
        EXPECT_TRUE(r.is_response) << cut;
        EXPECT_EQ(r.transport, 6);
        EXPECT_EQ(r.client_ip, kExpe);  // the opener asked
        EXPECT_EQ(r.client_port, 44000);
        EXPECT_EQ(r.id, 0xc727);
        EXPECT_EQ(r.frame, 6u) << cut;
        EXPECT_EQ(r.first_frame, 5u) << cut;
        EXPECT_EQ(srv_texts(r), (std::vector<std::string>{"5 10 5062 l2sip-cfa-01.wbx2.com", "5 10 5062 l2sip-cfa-02.wbx2.com"}));
        EXPECT_EQ(w.counters().flows_tcp, 1u);
        w.finish();
    }
}

TEST(DnsTracker, TcpPrefixInASegmentOfItsOwnAndPipelinedQueries) {
    DnsWire w(&shipped_rules());
    const uint32_t c = 1000, s = 9000;
    handshake(w, kT0, kExpe, 44001, kResolver, c, s);
    const Bytes body(kTcpQuerySrv.begin() + 2, kTcpQuerySrv.end());
    w.tcp(kT0 + 3 * kMs, kExpe, 44001, kResolver, 53, c + 1, s + 1, kAck | kPsh, Bytes(kTcpQuerySrv.begin(), kTcpQuerySrv.begin() + 2));
    w.tcp(kT0 + 4 * kMs, kExpe, 44001, kResolver, 53, c + 3, s + 1, kAck | kPsh, body);
    ASSERT_EQ(w.facts().size(), 1u);
    EXPECT_EQ(w.facts()[0].first_frame, 4u);
    EXPECT_EQ(w.facts()[0].frame, 5u);
    // Two queries in one segment (RFC 7766 pipelining).
    Bytes two = tcp_framed(dig_query(0x1111, "activate.cisco.com", dns::kTypeA));
    const Bytes second = tcp_framed(dig_query(0x2222, "cisco.sipflash.com", dns::kTypeA));
    two.insert(two.end(), second.begin(), second.end());
    w.tcp(kT0 + 5 * kMs, kExpe, 44001, kResolver, 53, c + 3 + uint32_t(body.size()), s + 1, kAck | kPsh, two);
    ASSERT_EQ(w.facts().size(), 3u);
    EXPECT_EQ(w.facts()[1].id, 0x1111);
    EXPECT_EQ(w.facts()[2].id, 0x2222);
    EXPECT_EQ(w.facts()[2].tags, uint32_t(kDnsTagWxcProvisioning));
    EXPECT_EQ(w.facts()[2].seq_in_conn, w.facts()[1].seq_in_conn + 1);
}

TEST(DnsTracker, TcpMessageLargerThanTheBufferKeepsTheFraming) {
    DnsWire w(&shipped_rules());
    const uint32_t c = 1000, s = 9000;
    handshake(w, kT0, kExpe, 44002, kResolver, c, s);
    w.tcp(kT0 + 3 * kMs, kExpe, 44002, kResolver, 53, c + 1, s + 1, kAck | kPsh, kTcpQuerySrv);
    // BIND's answer padded to 9000 bytes (the parser counts trailing bytes),
    // sent in MSS-sized segments, then an answer of normal size.
    Bytes big(kTcpAnswerSrv.begin() + 2, kTcpAnswerSrv.end());
    big.resize(9000, 0);
    Bytes stream = tcp_framed(big);
    const Bytes next = tcp_framed(with_id(Bytes(kTcpAnswerSrv.begin() + 2, kTcpAnswerSrv.end()), 0x4242));
    stream.insert(stream.end(), next.begin(), next.end());
    uint32_t seq = s + 1;
    for (size_t at = 0; at < stream.size(); at += 1448) {
        const Bytes seg(stream.begin() + long(at), stream.begin() + long(std::min(stream.size(), at + 1448)));
        w.tcp(kT0 + 4 * kMs, kResolver, 53, kExpe, 44002, seq, c + 1 + uint32_t(kTcpQuerySrv.size()), kAck, seg);
        seq += uint32_t(seg.size());
    }
    EXPECT_EQ(w.counters().tcp_oversize, 1u);
    ASSERT_EQ(w.facts().size(), 3u);
    EXPECT_EQ(w.facts()[1].id, 0xc727);
    EXPECT_EQ(w.facts()[1].qname.view(), "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(w.facts()[2].id, 0x4242);
    EXPECT_EQ(w.facts()[2].srv_count, 2);
    EXPECT_EQ(w.counters().malformed, 0u);
}

TEST(DnsTracker, TcpHoleOrShortPrefixLosesTheFramingOfThatDirection) {
    DnsWire w(&shipped_rules());
    const uint32_t c = 1000, s = 9000;
    handshake(w, kT0, kExpe, 44003, kResolver, c, s);
    // Two pipelined queries; the first answer arrives whole.
    Bytes two = kTcpQuerySrv;
    const Bytes second = tcp_framed(dig_query(0x2222, "cisco.sipflash.com", dns::kTypeA));
    two.insert(two.end(), second.begin(), second.end());
    const uint32_t qend = c + 1 + uint32_t(two.size());
    w.tcp(kT0 + 3 * kMs, kExpe, 44003, kResolver, 53, c + 1, s + 1, kAck | kPsh, two);
    const Bytes& a = kTcpAnswerSrv;
    w.tcp(kT0 + 4 * kMs, kResolver, 53, kExpe, 44003, s + 1, qend, kAck | kPsh, a);
    ASSERT_EQ(w.facts().size(), 3u);
    // The second answer's first 100 bytes were not captured; the client acknowledged them.
    const Bytes b = tcp_framed(with_id(Bytes(a.begin() + 2, a.end()), 0x2222));
    const uint32_t b0 = s + 1 + uint32_t(a.size());
    w.tcp(kT0 + 5 * kMs, kResolver, 53, kExpe, 44003, b0 + 100, qend, kAck, Bytes(b.begin() + 100, b.end()));
    w.tcp(kT0 + 6 * kMs, kExpe, 44003, kResolver, 53, qend, b0 + uint32_t(b.size()), kAck, {});
    EXPECT_EQ(w.counters().tcp_gaps, 1u);
    EXPECT_EQ(w.counters().tcp_bytes_ignored, b.size() - 100);
    // A later, whole answer on that direction is ignored: where it starts cannot be known.
    w.tcp(kT0 + 7 * kMs, kResolver, 53, kExpe, 44003, b0 + uint32_t(b.size()), qend, kAck | kPsh, a);
    EXPECT_EQ(w.facts().size(), 3u);
    // The client's direction still frames; a length prefix below 12 loses it.
    w.tcp(kT0 + 8 * kMs, kExpe, 44003, kResolver, 53, qend, s + 1, kAck | kPsh, Bytes{0x00, 0x05, 1, 2, 3, 4, 5});
    EXPECT_EQ(w.counters().malformed_by[size_t(DnsAnomalyKind::kTcpFrameTooShort)], 1u);
    w.tcp(kT0 + 9 * kMs, kExpe, 44003, kResolver, 53, qend + 7, s + 1, kAck | kPsh, kTcpQuerySrv);
    EXPECT_EQ(w.facts().size(), 3u);
    w.finish();
}

TEST(DnsTracker, TcpFlowsBeyondThePoolAreCountedAndSlotsComeBack) {
    DnsWire w(&shipped_rules());
    constexpr int kFlows = 257;  // one more than the worker's DNS stream buffers
    for (int i = 0; i < kFlows; ++i) {
        const uint16_t port = uint16_t(20000 + i);
        handshake(w, kT0 + uint64_t(i) * 10 * kMs, kExpe, port, kResolver, 1000, 9000);
        w.tcp(kT0 + uint64_t(i) * 10 * kMs + 3 * kMs, kExpe, port, kResolver, 53, 1001, 9001, kAck | kPsh, kTcpQuerySrv);
    }
    EXPECT_EQ(w.counters().flows_tcp, uint64_t(kFlows));
    EXPECT_EQ(w.counters().tcp_pool_exhausted, 1u);
    EXPECT_EQ(w.facts().size(), size_t(kFlows - 1));
    w.finish();
    handshake(w, kT0 + 10000 * kMs, kExpe, 30000, kResolver, 1000, 9000);
    w.tcp(kT0 + 10003 * kMs, kExpe, 30000, kResolver, 53, 1001, 9001, kAck | kPsh, kTcpQuerySrv);
    EXPECT_EQ(w.facts().size(), size_t(kFlows));
}

TEST(DnsTracker, MalformedMessagesAreCountedByReason) {
    DnsWire w(&shipped_rules());
    // The first answer's owner pointer aimed past the end (0x0fff).
    Bytes bad = kBindSrvCallserviceWithA;
    ASSERT_EQ(bad[55], 0xc0);
    bad[55] = 0xcf;
    bad[56] = 0xff;
    w.udp(kT0, kResolver, 53, kExpe, 5001, bad);
    // Cut inside the question: its counts cannot fit, nothing to follow.
    w.udp(kT0 + kMs, kResolver, 53, kExpe, 5002, Bytes(kBindSrvCallserviceWithA.begin(), kBindSrvCallserviceWithA.begin() + 30));
    const DnsCounters& n = w.counters();
    EXPECT_EQ(n.malformed, 2u);
    EXPECT_EQ(n.malformed_by[size_t(DnsAnomalyKind::kBadPointer)], 1u);
    EXPECT_EQ(n.malformed_by[size_t(DnsAnomalyKind::kCountsExceedLength)], 1u);
    // The question was read before the bad pointer: the fact says what is known.
    ASSERT_EQ(w.facts().size(), 1u);
    const DnsFact& f = w.facts()[0];
    EXPECT_TRUE(f.malformed);
    EXPECT_TRUE(f.answers_unread);
    EXPECT_EQ(f.anomaly, DnsAnomalyKind::kBadPointer);
    EXPECT_EQ(f.qname.view(), "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(f.srv_count, 0);
}

TEST(DnsTracker, MutatedMessagesStayCountedAndBounded) {
    DnsWire w(&shipped_rules());
    std::mt19937 rng(5);
    const std::vector<const Bytes*> all = {&kBindSrvCallserviceWithA, &kBindNaptrDmzlab, &kBindSrvDmzlab5061, &kBindNxdomainMtls,
                                           &kUnboundCnameActivate, &kBindSrvDa02SixTargets, &kBindRefused, &kBindTruncatedTxt};
    // One flow, claimed by an intact message; then the mutants on it.
    w.udp(kT0, kResolver, 53, kExpe, 5001, kBindSrvCallserviceWithA);
    uint64_t sent = 1;
    for (int round = 0; round < 3000; ++round) {
        Bytes m = *all[size_t(round) % all.size()];
        const int flips = 1 + int(rng() % 4);
        for (int k = 0; k < flips; ++k) m[rng() % m.size()] = uint8_t(rng());
        if (rng() % 4 == 0) m.resize(rng() % m.size() + 1);
        w.udp(kT0 + uint64_t(round + 1) * kMs, kResolver, 53, kExpe, 5001, m);
        ++sent;
    }
    const DnsCounters& n = w.counters();
    EXPECT_EQ(n.messages, sent);
    EXPECT_GT(n.malformed, 0u);
    uint64_t by = 0;
    for (uint64_t x : n.malformed_by) by += x;
    EXPECT_EQ(by, n.malformed);
    for (const DnsFact& f : w.facts()) {
        EXPECT_LE(f.srv_count, DnsFact::kMaxSrv);
        EXPECT_LE(f.address_count, DnsFact::kMaxAddresses);
        EXPECT_LE(f.qname.length, DnsName::kCapacity);
        for (int i = 0; i < f.address_count; ++i)
            EXPECT_TRUE(f.address[i].srv == DnsFactAddress::kNoSrv || f.address[i].srv < f.srv_count);
    }
}

TEST(DnsTracker, RuleConditionsHoldForDirectionAndVantage) {
    char path[] = "/tmp/dns_conditions_XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << R"(version: 1
rules:
  - id: 1
    name: outbound_only
    description: the call service, asked from on-prem
    patterns: ['\Acallservice\.ciscospark\.com\z']
    fields: qname
    conditions: {direction: outbound}
    tag: webex_service_host
    severity: info
  - id: 2
    name: inside_only
    description: activation, seen inside
    patterns: ['\Aactivate\.cisco\.com\z']
    fields: qname
    conditions: {vantage: inside}
    tag: wxc_activation
    severity: info
  - id: 3
    name: sip_condition
    description: a SIP condition never holds for a name
    patterns: ['\Acisco\.sipflash\.com\z']
    fields: qname
    conditions: {method: INVITE}
    tag: wxc_provisioning
    severity: info
)";
    DnsShared shared;
    std::string why;
    ASSERT_TRUE(load_dns_shared(path, BuildOptions{}, &shared, &why)) << why;
    std::remove(path);
    DnsWire w(&shared);
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(1, "callservice.ciscospark.com", dns::kTypeA));       // outbound
    w.udp(kT0 + 1, kResolver, 5002, kExpe, 53, dig_query(2, "callservice.ciscospark.com", dns::kTypeA));   // inbound
    w.udp(kT0 + 2, kPhone, 5003, kPhoneResolver, 53, dig_query(3, "activate.cisco.com", dns::kTypeA), 0);  // outside
    w.udp(kT0 + 3, kPhone, 5004, kPhoneResolver, 53, dig_query(4, "activate.cisco.com", dns::kTypeA), 1);  // inside
    w.udp(kT0 + 4, kPhone, 5005, kPhoneResolver, 53, dig_query(5, "cisco.sipflash.com", dns::kTypeA));
    ASSERT_EQ(w.facts().size(), 2u);
    EXPECT_EQ(w.facts()[0].id, 1);
    EXPECT_EQ(w.facts()[0].direction, Direction::kOutbound);
    EXPECT_EQ(w.facts()[1].id, 4);
    EXPECT_EQ(w.facts()[1].vantage, 1);
}

TEST(DnsTracker, FullRingIsCounted) {
    DnsWire w(&shipped_rules());
    w.sink().refuse = true;
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(1, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    EXPECT_EQ(w.counters().watched, 1u);
    EXPECT_EQ(w.counters().facts_dropped, 1u);
    EXPECT_TRUE(w.facts().empty());
}
