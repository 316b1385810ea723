// DNS parser, fed with messages real servers and clients sent: BIND 9.18.49
// (authoritative, named.conf `minimal-responses no`), unbound 1.17.1
// (recursive, in front of that BIND) and dig 9.18.49, captured on loopback
// for the guide's names (FAILURE_CATALOG_guide.md §9, FAILURE_CATALOG_captures.md
// §3.5). tshark 4.0 decoded every fixture the way the comments say; dig's own
// output is the reference for the values asserted. Then the same bytes cut at
// every length, split at every byte over TCP, patched into each malformed
// shape the parser names, and mutated at random.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "tests/dns_test_fixtures.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "workers/dns_parser.h"

using namespace cs;

namespace cs {
// Names print as text in assertion messages.
void PrintTo(const DnsName& n, std::ostream* os) { *os << '"' << n.view() << '"'; }
}  // namespace cs

namespace {

using namespace cs::dnstest;  // Bytes, hex() and the captured messages the analyzer tests share

// ---- fixtures ----------------------------------------------------------------------
// Zone data (addresses the guide masks are filled with placeholders in the
// same prefixes: 139.177.64.x, 72.163.10.5, 2607:fcf0:9000:1::11).

// dig SRV _sips._tcp.callservice.ciscospark.com: id 0x6db4, flags rd ad,
// EDNS udp 1232 with a client COOKIE option.
const Bytes kDigQuerySrvCallservice = hex(  // 78 bytes
    "6db401200001000000000001055f73697073045f7463700b63616c6c73657276"
    "6963650a636973636f737061726b03636f6d000021000100002904d000000000"
    "000c000a0008ced140ef769e518d"
);
// BIND, one zone "com." holding both names, so the SRV targets' A records ride
// in the additional section (RFC 2782 practice): flags qr aa rd; answer
//   _sips._tcp.callservice.ciscospark.com. 300 SRV 5 10 5062 l2sip-cfa-02.wbx2.com.
//   _sips._tcp.callservice.ciscospark.com. 300 SRV 5 10 5062 l2sip-cfa-01.wbx2.com.
// authority com. NS a.gtld-servers.net.; additional l2sip-cfa-01.wbx2.com. A
// 146.20.193.64, l2sip-cfa-02.wbx2.com. A 146.20.193.70 (owners are pointers
// into the SRV targets, which BIND writes uncompressed), OPT with COOKIE.
// (kBindSrvCallserviceWithA: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// BIND: dmzlab.call.ciscospark.com. 300 NAPTR 10 10 "s" "SIPS+D2T" ""
// _sips._tcp.dmzlab.call.ciscospark.com. (RFC 3263 §4.1 shape); authority NS
// ns1.ciscospark.com.; additional ns1 A 192.0.2.53, the SRV the NAPTR points
// at (5 10 5061 l2sip-cfa-01.wbx2.com.), OPT.
// (kBindNaptrDmzlab: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// BIND: _sips._tcp.dmzlab.call.ciscospark.com. 300 SRV 5 10 5061 l2sip-cfa-01.wbx2.com.
// (kBindSrvDmzlab5061: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// BIND: SRV _sips._tcp.mtls.rtp.ciscotac.net: NXDOMAIN, aa; authority
// ciscotac.net. 60 SOA ns1.ciscotac.net. hostmaster.ciscotac.net. 2024090401
// 3600 900 604800 60; OPT.
// (kBindNxdomainMtls: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// unbound, the same question: NXDOMAIN, rd ra (not aa), the SOA in authority.
const Bytes kUnboundNxdomainMtls = hex(  // 112 bytes
    "247f81830001000000010001055f73697073045f746370046d746c7303727470"
    "08636973636f746163036e65740000210001c020000600010000003c0027036e"
    "7331c0200a686f73746d6173746572c02078a52b2100000e100000038400093a"
    "800000003c00002904d0000000000000"
);
// unbound: A activate.cisco.com: activate.cisco.com. 292 CNAME
// activate.xglb.cisco.com.; activate.xglb.cisco.com. 52 A 72.163.10.5 (its
// owner a pointer into the CNAME's rdata); OPT udp 1232.
// (kUnboundCnameActivate: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// BIND: SRV _sips._tcp.da02.hosted-us10.bcld.webex.com: six SRV, weight 50,
// port 8934, priority 5 (hosted01ai, hosted01aj, hosted01as) and 10
// (hosted02aj, hosted02ai, hosted02as) -us10.bcld.webex.com; authority NS
// ns1.webex.com.; additional the six targets' A 139.177.64.x, ns1 A,
// hosted01ai AAAA 2607:fcf0:9000:1::11, OPT.
// (kBindSrvDa02SixTargets: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// unbound, the same question: the six SRV (its own order) and OPT only.
const Bytes kUnboundSrvDa02 = hex(  // 371 bytes
    "aca881800001000600000001055f73697073045f74637004646130320b686f73"
    "7465642d757331300462636c6405776562657803636f6d0000210001c00c0021"
    "00010000012c00260005003222e60f686f73746564303161692d757331300462"
    "636c6405776562657803636f6d00c00c002100010000012c0026000a003222e6"
    "0f686f73746564303261732d757331300462636c6405776562657803636f6d00"
    "c00c002100010000012c00260005003222e60f686f737465643031616a2d7573"
    "31300462636c6405776562657803636f6d00c00c002100010000012c00260005"
    "003222e60f686f73746564303161732d757331300462636c6405776562657803"
    "636f6d00c00c002100010000012c0026000a003222e60f686f73746564303261"
    "6a2d757331300462636c6405776562657803636f6d00c00c002100010000012c"
    "0026000a003222e60f686f73746564303261692d757331300462636c64057765"
    "62657803636f6d0000002904d0000000000000"
);
// BIND, dig +noedns +ignore TXT ciscospark.com over UDP: the eight TXT records
// exceed 512 bytes, so TC=1 with the seven that fit (ancount 7), flags qr aa
// tc rd ad.
// (kBindTruncatedTxt: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// unbound: AAAA hosted01ai-us10.bcld.webex.com. 81 AAAA 2607:fcf0:9000:1::11, OPT.
const Bytes kUnboundAaaa = hex(  // 87 bytes
    "306c818000010001000000010f686f73746564303161692d757331300462636c"
    "6405776562657803636f6d00001c0001c00c001c00010000005100102607fcf0"
    "90000001000000000000001100002904d0000000000000"
);
// dig +noedns SRV _SIPS._tcp.CallService.CiscoSpark.COM (case as typed), and
// BIND's answer: the question echoed in that case, the answer owners written
// out in the zone's case (no pointer to the question: the case differs).
const Bytes kDigQueryMixedCase = hex(  // 55 bytes
    "f50c01200001000000000000055f53495053045f7463700b43616c6c53657276"
    "6963650a436973636f537061726b03434f4d0000210001"
);
const Bytes kBindAnswerMixedCase = hex(  // 222 bytes
    "f50c85000001000200010001055f53495053045f7463700b43616c6c53657276"
    "6963650a436973636f537061726b03434f4d0000210001055f73697073045f74"
    "63700b63616c6c736572766963650a636973636f737061726b03636f6d000021"
    "00010000012c001d0005000a13c60c6c327369702d6366612d30310477627832"
    "03636f6d00c037002100010000012c001d0005000a13c60c6c327369702d6366"
    "612d3032047762783203636f6d000a636973636f737061726b03636f6d000002"
    "00010000012c0006036e7331c0aec0c8000100010000012c0004c0000235"
);
// dig +edns=1: BIND answers BADVERS (header rcode 0, OPT extended rcode 1), EDNS version 0.
const Bytes kBindBadVers = hex(  // 66 bytes
    "5d8181000001000000000001055f73697073045f7463700b63616c6c73657276"
    "6963650a636973636f737061726b03636f6d000021000100002904d001000000"
    "0000"
);
// BIND asked about a zone it does not serve (recursion off): REFUSED.
// (kBindRefused: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// unbound, the zone's only server not answering: SERVFAIL, rd ra.
const Bytes kUnboundServfail = hex(  // 59 bytes
    "5c9081820001000000000001055f73697073045f746370046578706506687962"
    "726964076578616d706c65000021000100002904d0000000000000"
);
// dig +tcp +keepopen: TXT ciscospark.com then SRV _sips._tcp.callservice.ciscospark.com
// on one connection; each segment payload is one 2-byte-length-prefixed message.
// Over TCP the eight TXT records all fit (tc=0, ancount 8).
const Bytes kTcpQueryTxt = hex(  // 57 bytes
    "003711db012000010000000000010a636973636f737061726b03636f6d000010"
    "000100002904d000000000000c000a0008c024ffb28b9117ef"
);
const Bytes kTcpAnswerTxt = hex(  // 655 bytes
    "028d11db850000010008000100020a636973636f737061726b03636f6d000010"
    "0001c00c001000010000012c002b2a6170706c652d646f6d61696e2d76657269"
    "6669636174696f6e3d486b3239644c71385a705733764e3778c00c0010000100"
    "00012c00414061646f62652d6964702d736974652d766572696669636174696f"
    "6e3d38663363316532642d376136622d346335642d396530662d316132623363"
    "346435653666c00c001000010000012c005554763d7370663120696e636c7564"
    "653a5f7370662e636973636f737061726b2e636f6d20696e636c7564653a5f73"
    "70662e776278322e636f6d20696e636c7564653a5f7370662e77656265782e63"
    "6f6d202d616c6cc00c001000010000012c00474661746c61737369616e2d646f"
    "6d61696e2d766572696669636174696f6e3d713757326552397459347549316f"
    "50366153336446386748356a4b306c5a327843377642346e4d39c00c00100001"
    "0000012c004443676f6f676c652d736974652d766572696669636174696f6e3d"
    "5a723364386e714c306d58634135705331755662543979576b45326846376a47"
    "346f49366c4e30615138c00c001000010000012c002e2d646f63757369676e3d"
    "35653166326137632d396233642d346538662d613663302d3164326233633465"
    "35663630c00c001000010000012c000e0d4d533d6d733438323139333735c00c"
    "001000010000012c003c3b66616365626f6f6b2d646f6d61696e2d7665726966"
    "69636174696f6e3d783871326e3572377431763479367a396133633565376739"
    "69326b346d36c00c000200010000012c0006036e7331c00cc250000100010000"
    "012c0004c000023500002904d000000000001c000a0018c024ffb28b9117ef01"
    "0000006b01829637b8281e5557fb0f"
);
// (kTcpQuerySrv: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)
// (kTcpAnswerSrv: the bytes live in tests/dns_test_fixtures.h, shared with the analyzer tests.)

// ---- helpers -------------------------------------------------------------------------

struct Parsed {
    DnsStatus status;
    std::unique_ptr<DnsMessage> m = std::make_unique<DnsMessage>();  // ~40 KiB: not on the stack
};
Parsed parse(std::span<const uint8_t> b) {
    Parsed p;
    p.status = parse_dns_message(b, *p.m);
    return p;
}

std::string addr(const DnsRecord& rr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(rr.type == dns::kTypeAAAA ? AF_INET6 : AF_INET, rr.address, buf, sizeof buf);
    return buf;
}
std::string str(std::span<const uint8_t> s) { return std::string(s.begin(), s.end()); }
Bytes body(const Bytes& tcp_payload) { return Bytes(tcp_payload.begin() + 2, tcp_payload.end()); }
void put16(Bytes& b, size_t at, uint16_t v) {
    b[at] = uint8_t(v >> 8);
    b[at + 1] = uint8_t(v);
}

// A query header (id 0x1234, rd) with the given counts, then `rest`.
Bytes query(uint16_t qd, uint16_t an, const Bytes& rest) {
    Bytes b = {0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    put16(b, 4, qd);
    put16(b, 6, an);
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
}
// Wire form of a dotted name, uncompressed.
Bytes wire_name(const std::string& dotted) {
    Bytes b;
    size_t i = 0;
    while (i < dotted.size()) {
        size_t j = dotted.find('.', i);
        if (j == std::string::npos) j = dotted.size();
        b.push_back(uint8_t(j - i));
        b.insert(b.end(), dotted.begin() + long(i), dotted.begin() + long(j));
        i = j + 1;
    }
    b.push_back(0);
    return b;
}
const Bytes kTypeSrvIn = {0x00, 0x21, 0x00, 0x01};

void expect_invalid(const Bytes& b, DnsAnomalyKind why, const char* what) {
    auto p = parse(b);
    EXPECT_EQ(p.status.status, DnsParseStatus::kInvalid) << what;
    EXPECT_EQ(p.status.reason, why) << what << ": got " << dns_anomaly_name(p.status.reason);
    EXPECT_LE(p.status.at, b.size()) << what;
}

// ---- real messages ----------------------------------------------------------------------

TEST(DnsParser, DigQueryHeaderQuestionAndEdns) {
    auto p = parse(kDigQuerySrvCallservice);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    const DnsHeader& h = p.m->header;
    EXPECT_EQ(h.id, 0x6db4);
    EXPECT_FALSE(h.qr);
    EXPECT_EQ(h.opcode, dns::kOpQuery);
    EXPECT_TRUE(h.rd);
    EXPECT_TRUE(h.ad);  // dig sets AD in queries (RFC 6840 §5.7)
    EXPECT_FALSE(h.aa || h.tc || h.ra || h.cd || h.z);
    EXPECT_EQ(h.qdcount, 1);
    EXPECT_EQ(h.arcount, 1);
    ASSERT_EQ(p.m->questions().size(), 1u);
    EXPECT_EQ(p.m->question[0].name, "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(p.m->question[0].name.labels, 5);
    EXPECT_EQ(p.m->question[0].type, dns::kTypeSRV);
    EXPECT_EQ(p.m->question[0].qclass, dns::kClassIN);
    ASSERT_EQ(p.m->additionals().size(), 1u);
    const DnsRecord& opt = p.m->additional[0];
    EXPECT_EQ(opt.name, ".");
    EXPECT_EQ(opt.type, dns::kTypeOPT);
    EXPECT_EQ(opt.rdlength, 12);  // COOKIE option: code 10, length 8, client cookie
    EXPECT_TRUE(p.m->edns.present);
    EXPECT_EQ(p.m->edns.udp_size, 1232);
    EXPECT_EQ(p.m->edns.version, 0);
    EXPECT_FALSE(p.m->edns.dnssec_ok);
    EXPECT_EQ(p.m->trailing_bytes, 0u);
    EXPECT_FALSE(p.m->cut_short);
}

TEST(DnsParser, BindSrvCallserviceWithAddressesInAdditional) {
    auto p = parse(kBindSrvCallserviceWithA);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    const DnsMessage& m = *p.m;
    EXPECT_EQ(m.header.id, 0x3469);
    EXPECT_TRUE(m.header.qr && m.header.aa && m.header.rd);
    EXPECT_FALSE(m.header.ra || m.header.tc);
    EXPECT_EQ(m.rcode(), dns::kNoError);
    EXPECT_STREQ(dns_rcode_name(m.rcode()), "NOERROR");
    ASSERT_EQ(m.answers().size(), 2u);
    const char* targets[2] = {"l2sip-cfa-02.wbx2.com", "l2sip-cfa-01.wbx2.com"};  // as BIND ordered them
    for (int i = 0; i < 2; ++i) {
        const DnsRecord& rr = m.answer[i];
        EXPECT_EQ(rr.name, "_sips._tcp.callservice.ciscospark.com");  // a pointer to the question
        EXPECT_EQ(rr.type, dns::kTypeSRV);
        EXPECT_EQ(rr.rclass, dns::kClassIN);
        EXPECT_EQ(rr.ttl, 300u);
        ASSERT_TRUE(rr.decoded);
        EXPECT_EQ(rr.srv.priority, 5);
        EXPECT_EQ(rr.srv.weight, 10);
        EXPECT_EQ(rr.srv.port, 5062);
        EXPECT_EQ(rr.target, targets[i]);
        EXPECT_EQ(rr.rdlength, 29);
        EXPECT_EQ(rr.rdata.data(), kBindSrvCallserviceWithA.data() + rr.rdata_offset);
    }
    ASSERT_EQ(m.authorities().size(), 1u);
    EXPECT_EQ(m.authority[0].name, "com");
    EXPECT_EQ(m.authority[0].type, dns::kTypeNS);
    EXPECT_EQ(m.authority[0].target, "a.gtld-servers.net");
    ASSERT_EQ(m.additionals().size(), 3u);
    EXPECT_EQ(m.additional[0].name, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(addr(m.additional[0]), "146.20.193.64");
    EXPECT_EQ(m.additional[1].name, "l2sip-cfa-02.wbx2.com");
    EXPECT_EQ(addr(m.additional[1]), "146.20.193.70");
    EXPECT_EQ(m.additional[1].ttl, 300u);
    EXPECT_EQ(m.additional[2].type, dns::kTypeOPT);
    EXPECT_TRUE(m.edns.present);
    // Every SRV target has its address in the same message: what an analyzer joins.
    for (const DnsRecord& srv : m.answers()) {
        int found = 0;
        for (const DnsRecord& a : m.additionals())
            if (a.type == dns::kTypeA && a.name.view() == srv.target.view()) ++found;
        EXPECT_EQ(found, 1) << srv.target.view();
    }
    EXPECT_EQ(m.answers_dropped + m.authority_dropped + m.additional_dropped + m.questions_dropped, 0);
}

TEST(DnsParser, BindNaptrDmzlabAndTheSrvItPointsAt) {
    auto p = parse(kBindNaptrDmzlab);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    const DnsMessage& m = *p.m;
    EXPECT_EQ(m.question[0].name, "dmzlab.call.ciscospark.com");
    EXPECT_EQ(m.question[0].type, dns::kTypeNAPTR);
    ASSERT_EQ(m.answers().size(), 1u);
    const DnsRecord& n = m.answer[0];
    EXPECT_EQ(n.type, dns::kTypeNAPTR);
    ASSERT_TRUE(n.decoded);
    EXPECT_EQ(n.naptr.order, 10);
    EXPECT_EQ(n.naptr.preference, 10);
    EXPECT_EQ(str(n.naptr.flags), "s");
    EXPECT_EQ(str(n.naptr.services), "SIPS+D2T");
    EXPECT_EQ(str(n.naptr.regexp), "");
    EXPECT_EQ(n.target, "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_EQ(n.rdlength, 55);
    ASSERT_EQ(m.additionals().size(), 3u);
    EXPECT_EQ(m.additional[0].name, "ns1.ciscospark.com");
    EXPECT_EQ(addr(m.additional[0]), "192.0.2.53");
    const DnsRecord& srv = m.additional[1];
    EXPECT_EQ(srv.name, "_sips._tcp.dmzlab.call.ciscospark.com");  // a pointer into the NAPTR replacement
    EXPECT_EQ(srv.type, dns::kTypeSRV);
    EXPECT_EQ(srv.srv.port, 5061);
    EXPECT_EQ(srv.target, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(m.authority[0].target, "ns1.ciscospark.com");
}

TEST(DnsParser, BindSrvDmzlabPointsAt5061) {
    auto p = parse(kBindSrvDmzlab5061);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.m->answers().size(), 1u);
    const DnsRecord& rr = p.m->answer[0];
    EXPECT_EQ(rr.name, "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_EQ(rr.srv.priority, 5);
    EXPECT_EQ(rr.srv.weight, 10);
    EXPECT_EQ(rr.srv.port, 5061);
    EXPECT_EQ(rr.target, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(rr.ttl, 300u);
}

TEST(DnsParser, NxdomainWithSoaFromBindAndUnbound) {
    for (const Bytes* b : {&kBindNxdomainMtls, &kUnboundNxdomainMtls}) {
        auto p = parse(*b);
        ASSERT_TRUE(p.status.ok());
        const DnsMessage& m = *p.m;
        const bool bind = b == &kBindNxdomainMtls;
        EXPECT_EQ(m.header.aa, bind);
        EXPECT_EQ(m.header.ra, !bind);
        EXPECT_EQ(m.rcode(), dns::kNxDomain);
        EXPECT_STREQ(dns_rcode_name(m.rcode()), "NXDOMAIN");
        EXPECT_EQ(m.question[0].name, "_sips._tcp.mtls.rtp.ciscotac.net");
        EXPECT_EQ(m.answers().size(), 0u);
        ASSERT_EQ(m.authorities().size(), 1u);
        const DnsRecord& soa = m.authority[0];
        EXPECT_EQ(soa.name, "ciscotac.net");
        EXPECT_EQ(soa.type, dns::kTypeSOA);
        ASSERT_TRUE(soa.decoded);
        EXPECT_EQ(soa.target, "ns1.ciscotac.net");
        EXPECT_EQ(soa.soa.serial, 2024090401u);
        EXPECT_EQ(soa.soa.minimum, 60u);
        EXPECT_LE(soa.ttl, 60u);  // unbound counts the TTL down
        EXPECT_EQ(soa.rdlength, 39);
    }
}

TEST(DnsParser, UnboundCnameChain) {
    auto p = parse(kUnboundCnameActivate);
    ASSERT_TRUE(p.status.ok());
    const DnsMessage& m = *p.m;
    EXPECT_TRUE(m.header.ra && m.header.rd && !m.header.aa);
    EXPECT_EQ(m.question[0].name, "activate.cisco.com");
    EXPECT_EQ(m.question[0].type, dns::kTypeA);
    ASSERT_EQ(m.answers().size(), 2u);
    EXPECT_EQ(m.answer[0].name, "activate.cisco.com");
    EXPECT_EQ(m.answer[0].type, dns::kTypeCNAME);
    EXPECT_EQ(m.answer[0].target, "activate.xglb.cisco.com");
    EXPECT_EQ(m.answer[0].ttl, 292u);
    EXPECT_EQ(m.answer[1].name, "activate.xglb.cisco.com");
    EXPECT_EQ(m.answer[1].type, dns::kTypeA);
    EXPECT_EQ(addr(m.answer[1]), "72.163.10.5");
    EXPECT_EQ(m.answer[1].ttl, 52u);
    EXPECT_EQ(m.additional[0].rdlength, 0);  // unbound's OPT carries no options
    EXPECT_EQ(m.edns.udp_size, 1232);
}

TEST(DnsParser, SixRegistrationTargetsOn8934) {
    const std::set<std::string> guide = {
        "hosted01ai-us10.bcld.webex.com", "hosted02as-us10.bcld.webex.com", "hosted01as-us10.bcld.webex.com",
        "hosted02ai-us10.bcld.webex.com", "hosted02aj-us10.bcld.webex.com", "hosted01aj-us10.bcld.webex.com"};
    for (const Bytes* b : {&kBindSrvDa02SixTargets, &kUnboundSrvDa02}) {
        auto p = parse(*b);
        ASSERT_TRUE(p.status.ok());
        const DnsMessage& m = *p.m;
        EXPECT_EQ(m.question[0].name, "_sips._tcp.da02.hosted-us10.bcld.webex.com");
        ASSERT_EQ(m.answers().size(), 6u);
        std::set<std::string> targets;
        int p5 = 0, p10 = 0;
        for (const DnsRecord& rr : m.answers()) {
            EXPECT_EQ(rr.srv.port, 8934);
            EXPECT_EQ(rr.srv.weight, 50);
            EXPECT_EQ(rr.ttl, 300u);
            targets.insert(std::string(rr.target.view()));
            (rr.srv.priority == 5 ? p5 : p10)++;
            // priority 5 are the hosted01 targets, 10 the hosted02 ones (guide L385-391)
            EXPECT_EQ(rr.srv.priority, rr.target.view().substr(0, 8) == "hosted01" ? 5 : 10) << rr.target.view();
        }
        EXPECT_EQ(targets, guide);
        EXPECT_EQ(p5, 3);
        EXPECT_EQ(p10, 3);
    }
    // BIND adds the targets' addresses: six A, the server's own A, one AAAA, OPT.
    auto p = parse(kBindSrvDa02SixTargets);
    const DnsMessage& m = *p.m;
    ASSERT_EQ(m.additionals().size(), 9u);
    std::set<std::string> with_a;
    for (const DnsRecord& rr : m.additionals()) {
        if (rr.type == dns::kTypeA && guide.count(std::string(rr.name.view()))) {
            with_a.insert(std::string(rr.name.view()));
            EXPECT_EQ(addr(rr).rfind("139.177.64.", 0), 0u) << addr(rr);
            EXPECT_EQ(rr.ttl, 81u);
        }
    }
    EXPECT_EQ(with_a, guide);
    EXPECT_EQ(m.additional[7].name, "hosted01ai-us10.bcld.webex.com");
    EXPECT_EQ(m.additional[7].type, dns::kTypeAAAA);
    EXPECT_EQ(addr(m.additional[7]), "2607:fcf0:9000:1::11");
}

TEST(DnsParser, UnboundAaaa) {
    auto p = parse(kUnboundAaaa);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.m->answers().size(), 1u);
    const DnsRecord& rr = p.m->answer[0];
    EXPECT_EQ(p.m->question[0].type, dns::kTypeAAAA);
    EXPECT_EQ(rr.name, "hosted01ai-us10.bcld.webex.com");
    EXPECT_EQ(rr.type, dns::kTypeAAAA);
    EXPECT_EQ(rr.rdlength, 16);
    EXPECT_EQ(addr(rr), "2607:fcf0:9000:1::11");
    EXPECT_EQ(rr.ttl, 81u);
    EXPECT_STREQ(dns_type_name(rr.type), "AAAA");
}

TEST(DnsParser, TruncatedUdpAnswer) {
    auto p = parse(kBindTruncatedTxt);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    const DnsMessage& m = *p.m;
    EXPECT_TRUE(m.header.tc);
    EXPECT_EQ(m.header.ancount, 7);
    EXPECT_EQ(m.answers().size(), 7u);  // BIND cut at a record and counted what it sent
    EXPECT_FALSE(m.cut_short);
    EXPECT_FALSE(m.edns.present);       // asked without EDNS: 512-byte limit
    EXPECT_LE(kBindTruncatedTxt.size(), 512u);
    for (const DnsRecord& rr : m.answers()) {
        EXPECT_EQ(rr.type, dns::kTypeTXT);
        EXPECT_FALSE(rr.decoded);  // kept as type and rdata
        EXPECT_EQ(rr.rdata.size(), rr.rdlength);
    }
    EXPECT_EQ(str(m.answer[0].rdata.subspan(1)), "MS=ms48219375");
    // Over TCP the same question gets all eight.
    auto t = parse(body(kTcpAnswerTxt));
    ASSERT_TRUE(t.status.ok());
    EXPECT_FALSE(t.m->header.tc);
    EXPECT_EQ(t.m->answers().size(), 8u);
}

// Servers that keep the full count in a truncated answer (the ancount says 8,
// seven records follow): with TC=1 the parse ends where the bytes do.
TEST(DnsParser, TruncatedAnswerShortOfItsCounts) {
    Bytes b = kBindTruncatedTxt;
    put16(b, 6, 8);
    auto p = parse(b);
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(p.m->cut_short);
    EXPECT_EQ(p.m->answers().size(), 7u);
    b[2] &= uint8_t(~0x02);  // the same bytes claiming to be whole are malformed
    expect_invalid(b, DnsAnomalyKind::kRecordPastEnd, "tc=0, ancount 8, seven records");
}

TEST(DnsParser, NamesAreLowerCased) {
    auto q = parse(kDigQueryMixedCase);
    auto a = parse(kBindAnswerMixedCase);
    ASSERT_TRUE(q.status.ok() && a.status.ok());
    EXPECT_EQ(q.m->question[0].name, "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(a.m->question[0].name, "_sips._tcp.callservice.ciscospark.com");
    // BIND echoed the question's case on the wire...
    EXPECT_NE(std::search(kBindAnswerMixedCase.begin(), kBindAnswerMixedCase.end(), kDigQueryMixedCase.begin() + 12,
                          kDigQueryMixedCase.end()),
              kBindAnswerMixedCase.end());
    // ...and wrote the answers' owners in full, lower-case: one rendering for both.
    ASSERT_EQ(a.m->answers().size(), 2u);
    EXPECT_EQ(a.m->answer[0].name.view(), a.m->question[0].name.view());
    EXPECT_FALSE(q.m->edns.present);
    EXPECT_FALSE(a.m->question[0].name.unusual);
}

TEST(DnsParser, Rcodes) {
    auto bv = parse(kBindBadVers);
    ASSERT_TRUE(bv.status.ok());
    EXPECT_EQ(bv.m->header.rcode, 0);
    EXPECT_EQ(bv.m->edns.extended_rcode, 1);
    EXPECT_EQ(bv.m->rcode(), dns::kBadVers);
    EXPECT_STREQ(dns_rcode_name(bv.m->rcode()), "BADVERS");
    auto rf = parse(kBindRefused);
    ASSERT_TRUE(rf.status.ok());
    EXPECT_EQ(rf.m->rcode(), dns::kRefused);
    EXPECT_STREQ(dns_rcode_name(rf.m->rcode()), "REFUSED");
    EXPECT_EQ(rf.m->question[0].name, "_sips._tcp.mtls.example.com");
    auto sf = parse(kUnboundServfail);
    ASSERT_TRUE(sf.status.ok());
    EXPECT_EQ(sf.m->rcode(), dns::kServFail);
    EXPECT_STREQ(dns_rcode_name(sf.m->rcode()), "SERVFAIL");
    EXPECT_TRUE(sf.m->header.ra);
    EXPECT_EQ(sf.m->answers().size(), 0u);

    const std::pair<uint16_t, const char*> names[] = {{0, "NOERROR"}, {1, "FORMERR"},  {2, "SERVFAIL"},
                                                      {3, "NXDOMAIN"}, {4, "NOTIMP"},  {5, "REFUSED"},
                                                      {9, "NOTAUTH"}, {23, "BADCOOKIE"}, {15, "unknown"}};
    for (auto [code, name] : names) EXPECT_STREQ(dns_rcode_name(code), name);
}

TEST(DnsParser, Names) {
    const std::pair<uint16_t, const char*> types[] = {{1, "A"},     {28, "AAAA"}, {5, "CNAME"}, {33, "SRV"},
                                                      {35, "NAPTR"}, {6, "SOA"},  {41, "OPT"},  {999, "unknown"}};
    for (auto [t, name] : types) EXPECT_STREQ(dns_type_name(t), name);
    EXPECT_STREQ(dns_opcode_name(0), "QUERY");
    EXPECT_STREQ(dns_opcode_name(5), "UPDATE");
    EXPECT_STREQ(dns_opcode_name(3), "unknown");
    std::set<std::string> seen;
    for (int k = 0; k < int(DnsAnomalyKind::kCount); ++k) {
        std::string n = dns_anomaly_name(DnsAnomalyKind(k));
        EXPECT_NE(n, "unknown");
        EXPECT_TRUE(seen.insert(n).second) << n;
    }
}

// ---- TCP framing ------------------------------------------------------------------------

// Deframes a byte stream handed over in the given chunks, as a TCP consumer
// would: keep what is left, ask again with more.
std::vector<Bytes> deframe(const std::vector<std::span<const uint8_t>>& chunks, bool* bad) {
    std::vector<Bytes> out;
    Bytes buf;
    for (auto c : chunks) {
        buf.insert(buf.end(), c.begin(), c.end());
        for (;;) {
            auto f = dns_tcp_frame(buf);
            if (f.status == DnsParseStatus::kInvalid) {
                *bad = true;
                return out;
            }
            if (f.status == DnsParseStatus::kIncomplete) {
                // The need is exact: the prefix, then the rest of the message.
                size_t want = buf.size() < 2 ? 2 : 2 + size_t(buf[0] << 8 | buf[1]);
                EXPECT_EQ(f.need, want - buf.size());
                break;
            }
            EXPECT_EQ(f.value.consumed, 2u + f.value.length);
            out.emplace_back(f.value.message.begin(), f.value.message.end());
            buf.erase(buf.begin(), buf.begin() + f.value.consumed);
        }
    }
    return out;
}

TEST(DnsTcpFrame, TwoMessagesInOneSegmentAndEverySplit) {
    const std::pair<const Bytes*, const Bytes*> directions[] = {{&kTcpQueryTxt, &kTcpQuerySrv},
                                                                {&kTcpAnswerTxt, &kTcpAnswerSrv}};
    for (const auto& [first, second] : directions) {
        Bytes stream = *first;
        stream.insert(stream.end(), second->begin(), second->end());
        const std::vector<Bytes> want = {body(*first), body(*second)};
        bool bad = false;
        EXPECT_EQ(deframe({stream}, &bad), want);
        for (size_t cut = 1; cut < stream.size(); ++cut) {
            std::span<const uint8_t> s(stream);
            ASSERT_EQ(deframe({s.first(cut), s.subspan(cut)}, &bad), want) << "split at " << cut;
        }
        std::vector<std::span<const uint8_t>> bytes;
        for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(std::span<const uint8_t>(stream).subspan(i, 1));
        EXPECT_EQ(deframe(bytes, &bad), want);
        EXPECT_FALSE(bad);
        for (const Bytes& msg : want) EXPECT_TRUE(parse(msg).status.ok());
    }
    auto srv = parse(body(kTcpAnswerSrv));
    EXPECT_EQ(srv.m->answer[0].target, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(srv.m->answer[1].target, "l2sip-cfa-02.wbx2.com");
    EXPECT_EQ(srv.m->header.id, parse(body(kTcpQuerySrv)).m->header.id);
}

TEST(DnsTcpFrame, ShortPrefixIsRefused) {
    const Bytes b = {0x00, 0x05, 1, 2, 3, 4, 5};
    auto f = dns_tcp_frame(b);
    EXPECT_EQ(f.status, DnsParseStatus::kInvalid);
    EXPECT_EQ(f.reason, DnsAnomalyKind::kTcpFrameTooShort);
    const Bytes empty;
    auto e = dns_tcp_frame(empty);
    EXPECT_EQ(e.status, DnsParseStatus::kIncomplete);
    EXPECT_EQ(e.need, 2u);
}

// ---- truncation at every length ------------------------------------------------------------

// The query: 12-byte header, question to byte 55 (39-byte name, type, class),
// then the 23-byte OPT. Counts need 1*5 + 1*11 bytes after the header.
TEST(DnsParser, QueryCutAtEveryLength) {
    const Bytes& full = kDigQuerySrvCallservice;
    ASSERT_EQ(full.size(), 78u);
    for (size_t n = 0; n < full.size(); ++n) {
        Bytes b(full.begin(), full.begin() + long(n));
        DnsAnomalyKind want = n < 12   ? DnsAnomalyKind::kTruncatedHeader
                              : n < 28 ? DnsAnomalyKind::kCountsExceedLength
                              : n < 55 ? DnsAnomalyKind::kQuestionPastEnd
                                       : DnsAnomalyKind::kRecordPastEnd;
        expect_invalid(b, want, ("cut at " + std::to_string(n)).c_str());
    }
}

// Every prefix of BIND's answer: records end where the full parse says they do.
TEST(DnsParser, AnswerCutAtEveryLength) {
    const Bytes& full = kBindSrvCallserviceWithA;
    const size_t floor = 12 + 5 + 6 * 11;  // 1 question, 2 + 1 + 3 records
    for (size_t n = 0; n < full.size(); ++n) {
        Bytes b(full.begin(), full.begin() + long(n));
        auto p = parse(b);
        ASSERT_EQ(p.status.status, DnsParseStatus::kInvalid) << n;
        DnsAnomalyKind want = n < 12      ? DnsAnomalyKind::kTruncatedHeader
                              : n < floor ? DnsAnomalyKind::kCountsExceedLength
                                          : DnsAnomalyKind::kRecordPastEnd;
        EXPECT_EQ(p.status.reason, want) << "cut at " << n << ": " << dns_anomaly_name(p.status.reason);
        if (n >= 12) {
            EXPECT_EQ(p.m->header.id, 0x3469) << "the header survives a bad body";
        }
    }
}

// A truncated answer cut anywhere after its header: Ok, cut short, holding
// exactly the records that fit in the prefix.
TEST(DnsParser, TruncatedAnswerCutAtEveryLength) {
    const Bytes& full = kBindTruncatedTxt;
    auto whole = parse(full);
    ASSERT_TRUE(whole.status.ok());
    for (size_t n = 12; n < full.size(); ++n) {
        Bytes b(full.begin(), full.begin() + long(n));
        auto p = parse(b);
        ASSERT_TRUE(p.status.ok()) << n << ": " << dns_anomaly_name(p.status.reason);
        EXPECT_TRUE(p.m->cut_short) << n;
        size_t fit = 0;
        for (const DnsRecord& rr : whole.m->answers()) fit += rr.rdata_offset + rr.rdlength <= n;
        EXPECT_EQ(p.m->answers().size(), fit) << n;
        for (size_t i = 0; i < fit; ++i) EXPECT_EQ(p.m->answer[i].rdata.size(), whole.m->answer[i].rdlength);
    }
}

// ---- malformed, one per reason ---------------------------------------------------------------

TEST(DnsParser, CountsAbsurdForTheLength) {
    Bytes b = kDigQuerySrvCallservice;
    put16(b, 6, 0xffff);
    expect_invalid(b, DnsAnomalyKind::kCountsExceedLength, "ancount 65535 in a 78-byte query");
    b = kBindSrvCallserviceWithA;
    put16(b, 10, 200);
    expect_invalid(b, DnsAnomalyKind::kCountsExceedLength, "arcount 200");
    b = kBindSrvCallserviceWithA;
    put16(b, 4, 0xffff);
    expect_invalid(b, DnsAnomalyKind::kCountsExceedLength, "qdcount 65535");
}

TEST(DnsParser, RdataThatDoesNotFrameItsType) {
    // AAAA relabelled A: 16 bytes of rdata for a 4-byte type.
    {
        Bytes b = kUnboundAaaa;
        auto p = parse(b);
        const size_t rdata = p.m->answer[0].rdata_offset;
        put16(b, rdata - 10, dns::kTypeA);
        expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "A with 16 bytes");
        EXPECT_EQ(parse(b).status.at, rdata);
    }
    // CNAME rdlength one short: the target's pointer straddles the rdata end.
    {
        Bytes b = kUnboundCnameActivate;
        auto p = parse(b);
        const DnsRecord& rr = p.m->answer[0];
        put16(b, rr.rdata_offset - 2, uint16_t(rr.rdlength - 1));
        expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "CNAME rdlength 15");
    }
    // SRV: rdlength 6 leaves no room for a target; one more than the target
    // leaves a byte over.
    for (int delta : {-23, +1}) {
        Bytes b = kBindSrvDmzlab5061;
        auto p = parse(b);
        const DnsRecord& rr = p.m->answer[0];
        put16(b, rr.rdata_offset - 2, uint16_t(rr.rdlength + delta));
        expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "SRV rdlength off");
    }
    // NAPTR: the flags string claims 255 bytes.
    {
        Bytes b = kBindNaptrDmzlab;
        auto p = parse(b);
        b[p.m->answer[0].rdata_offset + 4] = 0xff;
        expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "NAPTR flags length 255");
    }
    // SOA one byte short of its five counters.
    {
        Bytes b = kBindNxdomainMtls;
        auto p = parse(b);
        const DnsRecord& rr = p.m->authority[0];
        put16(b, rr.rdata_offset - 2, uint16_t(rr.rdlength - 1));
        expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "SOA rdlength 38");
    }
}

TEST(DnsParser, BadCompressionPointers) {
    auto p = parse(kBindSrvCallserviceWithA);
    const size_t owner = p.m->answer[0].rdata_offset - 12;  // the answer's owner: c0 0c
    ASSERT_EQ(kBindSrvCallserviceWithA[owner], 0xc0);
    ASSERT_EQ(kBindSrvCallserviceWithA[owner + 1], 0x0c);
    Bytes b = kBindSrvCallserviceWithA;
    b[owner + 1] = 0xff;  // forward, past the end of a 243-byte message
    expect_invalid(b, DnsAnomalyKind::kBadPointer, "pointer past the end");
    EXPECT_EQ(parse(b).status.at, owner);
    b[owner + 1] = 0x05;  // into the header
    expect_invalid(b, DnsAnomalyKind::kBadPointer, "pointer into the header");
    // A pointer into the middle of a label lands on bytes that are no name:
    // '_' (0x5f) of "_sips" read as a length byte.
    b = kBindSrvCallserviceWithA;
    b[owner + 1] = 0x0d;
    expect_invalid(b, DnsAnomalyKind::kLabelTooLong, "pointer into a label");
    EXPECT_EQ(parse(b).status.at, 13u);
}

TEST(DnsParser, CompressionLoops) {
    // The question's name is a pointer to itself.
    expect_invalid(query(1, 0, {0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01}), DnsAnomalyKind::kPointerLoop, "self");
    // A label, then a pointer back to the label: backwards, and still a loop.
    expect_invalid(query(1, 0, {0x01, 'a', 0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01}), DnsAnomalyKind::kPointerLoop,
                   "back into its own name");
    // Two names pointing at each other: whichever is read first holds a
    // pointer forward, to a name not yet read.
    expect_invalid(query(1, 1, {0x01, 'a', 0xc0, 0x14, 0x00, 0x21, 0x00, 0x01,  // 12: a + ptr->20
                                0x01, 'b', 0xc0, 0x0c,                          // 20: b + ptr->12
                                0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 1, 2, 3, 4}),
                   DnsAnomalyKind::kPointerLoop, "two-name cycle");
    // The same cycle with the forward pointer hidden in rdata the parser does
    // not decode (TXT): the second owner jumps back into it (legal), and the
    // pointer found there leads forward to the owner again.
    Bytes cycle = query(1, 2, {0x01, 'q', 0x00, 0x00, 0x10, 0x00, 0x01,                 // 12: q. TXT IN
                               0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x04,  // 19: TXT, 4 bytes
                               0x01, 'a', 0xc0, 0x23,                                   // 31: a + ptr->35
                               0x01, 'b', 0xc0, 0x1f,                                   // 35: b + ptr->31
                               0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x04, 10, 0, 0, 1});
    expect_invalid(cycle, DnsAnomalyKind::kPointerLoop, "cycle through TXT rdata");
    EXPECT_EQ(parse(cycle).status.at, 33u);
    EXPECT_EQ(parse(cycle).m->answer_count, 1);  // the TXT record before it was read
    // A chain of pointers, each to the previous question's: legal up to the
    // jump limit, refused past it.
    Bytes chain = {0x01, 'a', 0x00, 0x00, 0x21, 0x00, 0x01};
    const uint32_t n = dns::kMaxPointerJumps + 2;
    for (uint32_t i = 1; i < n; ++i) {
        const size_t prev = 12 + (i == 1 ? 0 : 7 + (i - 2) * 6);
        chain.insert(chain.end(), {uint8_t(0xc0 | prev >> 8), uint8_t(prev), 0x00, 0x21, 0x00, 0x01});
    }
    Bytes ok_chain = query(uint16_t(dns::kMaxPointerJumps + 1), 0,
                           Bytes(chain.begin(), chain.begin() + 7 + long(dns::kMaxPointerJumps) * 6));
    auto good = parse(ok_chain);
    ASSERT_TRUE(good.status.ok()) << dns_anomaly_name(good.status.reason);
    EXPECT_EQ(good.m->question[3].name, "a");
    EXPECT_EQ(good.m->questions_dropped, dns::kMaxPointerJumps + 1 - DnsMessage::kMaxQuestions);
    expect_invalid(query(uint16_t(n), 0, chain), DnsAnomalyKind::kPointerLoop, "chain past the jump limit");
}

TEST(DnsParser, LabelAndNameLengths) {
    for (uint8_t len : {0x40, 0x80, 0xbf}) {
        Bytes b = kDigQuerySrvCallservice;
        b[12] = len;  // first label of the question
        expect_invalid(b, DnsAnomalyKind::kLabelTooLong, "label length byte");
        EXPECT_EQ(parse(b).status.at, 12u);
    }
    const std::string l63(63, 'x'), l61(61, 'y');
    // 3 * 64 + 62 + 1 = 255 bytes: the longest name there is.
    Bytes longest = wire_name(l63 + "." + l63 + "." + l63 + "." + l61);
    ASSERT_EQ(longest.size(), 255u);
    longest.insert(longest.end(), kTypeSrvIn.begin(), kTypeSrvIn.end());
    auto p = parse(query(1, 0, longest));
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    EXPECT_EQ(p.m->question[0].name.length, 253);
    EXPECT_EQ(p.m->question[0].name.labels, 4);
    EXPECT_EQ(p.m->question[0].name.view().substr(0, 64), l63 + ".");
    // One byte more.
    Bytes over = wire_name(l63 + "." + l63 + "." + l63 + "." + l61 + "z");
    over.insert(over.end(), kTypeSrvIn.begin(), kTypeSrvIn.end());
    expect_invalid(query(1, 0, over), DnsAnomalyKind::kNameTooLong, "256-byte name");
    // Too long only once a pointer adds the suffix: the answer's owner is
    // three 63-byte labels, then the question's one 62-byte label: 256 bytes.
    Bytes q = wire_name(std::string(62, 'v'));
    q.insert(q.end(), kTypeSrvIn.begin(), kTypeSrvIn.end());
    Bytes owner = wire_name(l63 + "." + l63 + "." + l63 + "." + "w");
    owner.resize(owner.size() - 3);  // drop "w" and the root...
    owner.insert(owner.end(), {0xc0, 0x0c});  // ...and point at the question's name
    Bytes rest = q;
    rest.insert(rest.end(), owner.begin(), owner.end());
    rest.insert(rest.end(), {0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x04, 10, 0, 0, 1});
    expect_invalid(query(1, 1, rest), DnsAnomalyKind::kNameTooLong, "256 bytes through a pointer");
}

TEST(DnsParser, UnusualLabelBytes) {
    // One label "A.b" (a dot inside a label) and one holding a NUL byte.
    Bytes name = {3, 'A', '.', 'b', 2, 'c', 0x00, 3, 'c', 'o', 'm', 0};
    name.insert(name.end(), kTypeSrvIn.begin(), kTypeSrvIn.end());
    auto p = parse(query(1, 0, name));
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.m->question[0].name, "a?b.c?.com");
    EXPECT_TRUE(p.m->question[0].name.unusual);
    EXPECT_EQ(p.m->question[0].name.labels, 3);
}

TEST(DnsParser, RootName) {
    Bytes rest = {0x00, 0x00, 0x02, 0x00, 0x01};  // ". NS"
    auto p = parse(query(1, 0, rest));
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.m->question[0].name, ".");
    EXPECT_EQ(p.m->question[0].name.labels, 0);
}

// ---- capacity -----------------------------------------------------------------------------

// A round-robin answer of 40 addresses (unbound's AAAA answer, its record
// repeated): 32 kept, 8 parsed and counted as dropped; five questions keep four.
TEST(DnsParser, SectionsKeepTheirCapacityAndCountTheRest) {
    auto a = parse(kUnboundAaaa);
    const DnsRecord& rr = a.m->answer[0];
    const size_t start = rr.rdata_offset - 12, end = rr.rdata_offset + rr.rdlength;
    Bytes b(kUnboundAaaa.begin(), kUnboundAaaa.begin() + long(start));
    for (int i = 0; i < 40; ++i) b.insert(b.end(), kUnboundAaaa.begin() + long(start), kUnboundAaaa.begin() + long(end));
    put16(b, 6, 40);
    put16(b, 10, 0);
    auto p = parse(b);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    EXPECT_EQ(p.m->answers().size(), DnsMessage::kMaxAnswers);
    EXPECT_EQ(p.m->answers_dropped, 40 - DnsMessage::kMaxAnswers);
    EXPECT_EQ(addr(p.m->answer[31]), "2607:fcf0:9000:1::11");
    EXPECT_EQ(p.m->trailing_bytes, 0u);
    // Corrupting the last, dropped record still fails the message: dropped
    // records are checked like kept ones.
    put16(b, b.size() - 26, dns::kTypeA);  // last record: owner (2), type, class, TTL, rdlength, 16 bytes
    expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "dropped record with bad rdata");

    Bytes qs;
    for (int i = 0; i < 5; ++i) {
        Bytes n = wire_name("q" + std::to_string(i) + ".example");
        qs.insert(qs.end(), n.begin(), n.end());
        qs.insert(qs.end(), kTypeSrvIn.begin(), kTypeSrvIn.end());
    }
    auto q = parse(query(5, 0, qs));
    ASSERT_TRUE(q.status.ok());
    EXPECT_EQ(q.m->questions().size(), 4u);
    EXPECT_EQ(q.m->questions_dropped, 1);
    EXPECT_EQ(q.m->question[3].name, "q3.example");
}

TEST(DnsParser, TrailingBytesAreCountedNotRefused) {
    Bytes b = kUnboundAaaa;
    b.insert(b.end(), {0, 0, 0});
    auto p = parse(b);
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.m->trailing_bytes, 3u);
}

// UPDATE prerequisites carry empty rdata in class ANY/NONE (RFC 2136 §2.4):
// not malformed, just not decoded.
TEST(DnsParser, EmptyRdataOfUpdateClasses) {
    Bytes rest = wire_name("example.com");
    rest.insert(rest.end(), {0x00, 0x06, 0x00, 0x01});                       // zone: example.com SOA
    rest.insert(rest.end(), {0xc0, 0x0c, 0x00, 0x01, 0x00, 0xff, 0, 0, 0, 0, 0x00, 0x00});  // A ANY, empty
    Bytes b = query(1, 1, rest);
    b[2] = dns::kOpUpdate << 3;
    auto p = parse(b);
    ASSERT_TRUE(p.status.ok()) << dns_anomaly_name(p.status.reason);
    EXPECT_EQ(p.m->header.opcode, dns::kOpUpdate);
    EXPECT_FALSE(p.m->answer[0].decoded);
    b[b.size() - 7] = 0x01;  // the same empty A in class IN is malformed
    expect_invalid(b, DnsAnomalyKind::kBadRdataLength, "empty A in IN");
}

// ---- random damage to real messages ------------------------------------------------------

TEST(DnsParser, MutatedRealMessagesStayInBounds) {
    const Bytes* corpus[] = {&kDigQuerySrvCallservice, &kBindSrvCallserviceWithA, &kBindNaptrDmzlab,
                             &kBindNxdomainMtls,       &kUnboundCnameActivate,   &kBindSrvDa02SixTargets,
                             &kBindTruncatedTxt,       &kUnboundAaaa,            &kBindAnswerMixedCase};
    std::mt19937 rng(20240904);
    auto msg = std::make_unique<DnsMessage>();
    std::map<int, int> by_reason;
    for (int iter = 0; iter < 20000; ++iter) {
        Bytes b = *corpus[rng() % std::size(corpus)];
        const int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            switch (rng() % 4) {
                case 0: b[rng() % b.size()] = uint8_t(rng()); break;
                case 1: b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8)); break;
                case 2: b.resize(rng() % (b.size() + 1)); break;
                case 3:  // a pointer byte where names live
                    if (b.size() > 12) b[12 + rng() % (b.size() - 12)] = 0xc0;
                    break;
            }
            if (b.empty()) b.push_back(0);
        }
        DnsStatus s = parse_dns_message(b, *msg);
        ASSERT_NE(s.status, DnsParseStatus::kIncomplete);
        ASSERT_LT(int(s.reason), int(DnsAnomalyKind::kCount));
        ASSERT_LE(s.at, b.size());
        by_reason[int(s.reason)]++;
        for (auto sec : {msg->answers(), msg->authorities(), msg->additionals()})
            for (const DnsRecord& rr : sec) {
                ASSERT_GE(rr.rdata.data(), b.data());
                ASSERT_LE(rr.rdata.data() + rr.rdata.size(), b.data() + b.size());
                ASSERT_LE(rr.name.length, DnsName::kCapacity);
            }
        if (s.ok()) {
            ASSERT_LE(msg->answer_count + msg->answers_dropped, msg->header.ancount);
            if (!msg->cut_short) {
                ASSERT_EQ(msg->answer_count + msg->answers_dropped, msg->header.ancount);
            }
        }
    }
    // The damage reached most of the reasons, not only the first check.
    EXPECT_GE(by_reason.size(), 8u);
}

}  // namespace
