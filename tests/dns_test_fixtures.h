// DNS test material shared by the tracker, transaction and rules tests:
// messages BIND 9.18.49 and unbound 1.17.1 sent for the guide's names
// (captured on loopback for tests/test_dns_parser.cpp, where tshark's reading
// of each is given; the same bytes here), queries laid out as dig 9.18 sends
// them, and a DnsWire that puts messages in real frames (tools/gen
// packet_builder), decodes them and hands them to a DnsTracker the way a
// worker does, collecting the DnsFacts.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/decode.h"
#include "pipeline/flow_key.h"
#include "pipeline/tcp_tracker.h"
#include "tools/gen/packet_builder.h"
#include "workers/dns_tracker.h"
#include "workers/flow_table.h"

namespace cs::dnstest {

using Bytes = std::vector<uint8_t>;

inline Bytes hex(std::string_view s) {
    Bytes b;
    for (size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(uint8_t(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    return b;
}

// ---- server messages (tests/test_dns_parser.cpp has their decoding) -----------------
// Placeholders in the guide's prefixes fill what the guide masks.

// BIND: _sips._tcp.callservice.ciscospark.com. 300 SRV 5 10 5062 l2sip-cfa-02.wbx2.com.
// and l2sip-cfa-01.wbx2.com.; authority com. NS; additional the targets' A
// 146.20.193.64 / .70 (owners compressed into the SRV rdata), OPT + COOKIE.
inline const Bytes kBindSrvCallserviceWithA = hex(
    "346985000001000200010003055f73697073045f7463700b63616c6c73657276"
    "6963650a636973636f737061726b03636f6d0000210001c00c00210001000001"
    "2c001d0005000a13c60c6c327369702d6366612d3032047762783203636f6d00"
    "c00c002100010000012c001d0005000a13c60c6c327369702d6366612d303104"
    "7762783203636f6d0003636f6d00000200010000012c001401610c67746c642d"
    "73657276657273036e657400c072000100010000012c00049214c140c0490001"
    "00010000012c00049214c14600002904d000000000001c000a00182ab07f9cce"
    "9984f2010000006b0182b02821851e731c5ee8");
// BIND: dmzlab.call.ciscospark.com. 300 NAPTR 10 10 "s" "SIPS+D2T" "" _sips._tcp.dmzlab.call.ciscospark.com.
inline const Bytes kBindNaptrDmzlab = hex(
    "6e088500000100010001000306646d7a6c61620463616c6c0a636973636f7370"
    "61726b03636f6d0000230001c00c002300010000012c0037000a000a01730853"
    "4950532b44325400055f73697073045f74637006646d7a6c61620463616c6c0a"
    "636973636f737061726b03636f6d000a636973636f737061726b03636f6d0000"
    "0200010000012c0006036e7331c06fc089000100010000012c0004c0000235c0"
    "48002100010000012c001d0005000a13c50c6c327369702d6366612d30310477"
    "62783203636f6d0000002904d000000000001c000a00187e903f10b10a382001"
    "0000006b01828930f28aa86d1fb140");
// BIND: _sips._tcp.dmzlab.call.ciscospark.com. 300 SRV 5 10 5061 l2sip-cfa-01.wbx2.com.
inline const Bytes kBindSrvDmzlab5061 = hex(
    "ff1d85000001000100010002055f73697073045f74637006646d7a6c61620463"
    "616c6c0a636973636f737061726b03636f6d0000210001c00c00210001000001"
    "2c001d0005000a13c50c6c327369702d6366612d3031047762783203636f6d00"
    "0a636973636f737061726b03636f6d00000200010000012c0006036e7331c060"
    "c07a000100010000012c0004c000023500002904d000000000001c000a001878"
    "e6aaa706cb1650010000006b0182891d871b6e523a1161");
// BIND: SRV _sips._tcp.mtls.rtp.ciscotac.net: NXDOMAIN, aa, SOA ciscotac.net. in authority.
inline const Bytes kBindNxdomainMtls = hex(
    "6ae085030001000000010001055f73697073045f746370046d746c7303727470"
    "08636973636f746163036e6574000021000108636973636f746163036e657400"
    "000600010000003c0027036e7331c0320a686f73746d6173746572c03278a52b"
    "2100000e100000038400093a800000003c00002904d000000000001c000a0018"
    "04fa7fde8ceaed0f010000006b0182893a32f7ef172d363e");
// unbound: A activate.cisco.com: CNAME activate.xglb.cisco.com., A 72.163.10.5.
inline const Bytes kUnboundCnameActivate = hex(
    "55348180000100020000000108616374697661746505636973636f03636f6d00"
    "00010001c00c000500010000012400100861637469766174650478676c62c015"
    "c0300001000100000034000448a30a0500002904d0000000000000");
// BIND: SRV _sips._tcp.da02.hosted-us10.bcld.webex.com: six SRV on 8934
// (priority 5: hosted01ai, 01aj, 01as; 10: hosted02aj, 02ai, 02as), glue A
// 139.177.64.x for each, ns1 A, hosted01ai AAAA 2607:fcf0:9000:1::11.
inline const Bytes kBindSrvDa02SixTargets = hex(
    "6a1485000001000600010009055f73697073045f74637004646130320b686f73"
    "7465642d757331300462636c6405776562657803636f6d0000210001c00c0021"
    "00010000012c00260005003222e60f686f73746564303161692d757331300462"
    "636c6405776562657803636f6d00c00c002100010000012c00260005003222e6"
    "0f686f737465643031616a2d757331300462636c6405776562657803636f6d00"
    "c00c002100010000012c0026000a003222e60f686f737465643032616a2d7573"
    "31300462636c6405776562657803636f6d00c00c002100010000012c0026000a"
    "003222e60f686f73746564303261692d757331300462636c6405776562657803"
    "636f6d00c00c002100010000012c00260005003222e60f686f73746564303161"
    "732d757331300462636c6405776562657803636f6d00c00c002100010000012c"
    "0026000a003222e60f686f73746564303261732d757331300462636c64057765"
    "62657803636f6d0005776562657803636f6d00000200010000012c0006036e73"
    "31c168c04e000100010000005100048bb1400bc080000100010000005100048b"
    "b1400dc116000100010000005100048bb1400cc0e4000100010000005100048b"
    "b14015c0b2000100010000005100048bb14017c148000100010000005100048b"
    "b14016c17d000100010000012c0004c0000235c04e001c000100000051001026"
    "07fcf090000001000000000000001100002904d000000000001c000a0018440b"
    "8d614b4f54dc010000006b018289b0acbf340f6e55c8");
// BIND asked about _sips._tcp.mtls.example.com, a zone it does not serve: REFUSED.
inline const Bytes kBindRefused = hex(
    "f4b281050001000000000001055f73697073045f746370046d746c7307657861"
    "6d706c6503636f6d000021000100002904d000000000001c000a001843003f2a"
    "bd76ac13010000006b0182d9a24e059f1c6fa550");
// BIND, dig +noedns TXT ciscospark.com over UDP: TC=1, seven of eight TXT.
inline const Bytes kBindTruncatedTxt = hex(
    "383f872000010007000000000a636973636f737061726b03636f6d0000100001"
    "c00c001000010000012c000e0d4d533d6d733438323139333735c00c00100001"
    "0000012c00414061646f62652d6964702d736974652d76657269666963617469"
    "6f6e3d38663363316532642d376136622d346335642d396530662d3161326233"
    "63346435653666c00c001000010000012c002e2d646f63757369676e3d356531"
    "66326137632d396233642d346538662d613663302d3164326233633465356636"
    "30c00c001000010000012c00474661746c61737369616e2d646f6d61696e2d76"
    "6572696669636174696f6e3d713757326552397459347549316f503661533364"
    "46386748356a4b306c5a327843377642346e4d39c00c001000010000012c002b"
    "2a6170706c652d646f6d61696e2d766572696669636174696f6e3d486b323964"
    "4c71385a705733764e3778c00c001000010000012c004443676f6f676c652d73"
    "6974652d766572696669636174696f6e3d5a723364386e714c306d5863413570"
    "5331755662543979576b45326846376a47346f49366c4e30615138c00c001000"
    "010000012c003c3b66616365626f6f6b2d646f6d61696e2d7665726966696361"
    "74696f6e3d783871326e3572377431763479367a39613363356537673969326b"
    "346d36");
// dig +tcp: SRV _sips._tcp.callservice.ciscospark.com and BIND's answer, each
// one segment's payload with its 2-byte length prefix.
inline const Bytes kTcpQuerySrv = hex(
    "004ec72701200001000000000001055f73697073045f7463700b63616c6c7365"
    "72766963650a636973636f737061726b03636f6d000021000100002904d00000"
    "0000000c000a0008c024ffb28b9117ef");
inline const Bytes kTcpAnswerSrv = hex(
    "00e0c72785000001000200010002055f73697073045f7463700b63616c6c7365"
    "72766963650a636973636f737061726b03636f6d0000210001c00c0021000100"
    "00012c001d0005000a13c60c6c327369702d6366612d3031047762783203636f"
    "6d00c00c002100010000012c001d0005000a13c60c6c327369702d6366612d30"
    "32047762783203636f6d000a636973636f737061726b03636f6d000002000100"
    "00012c0006036e7331c089c0a3000100010000012c0004c000023500002904d0"
    "00000000001c000a0018c024ffb28b9117ef010000006b01829637b8281e5557"
    "fb0f");

// ---- editing messages ----------------------------------------------------------------

inline uint16_t id_of(const Bytes& m) { return uint16_t(m[0] << 8 | m[1]); }
// The same message with another DNS id (a server copies the query's).
inline Bytes with_id(Bytes m, uint16_t id) {
    m[0] = uint8_t(id >> 8);
    m[1] = uint8_t(id);
    return m;
}
// The same message with another 4-bit rcode (e.g. NXDOMAIN -> NOERROR: the
// RFC 2308 NODATA shape, no answer and the SOA in authority).
inline Bytes with_rcode(Bytes m, uint8_t rcode) {
    m[3] = uint8_t((m[3] & 0xf0) | (rcode & 0x0f));
    return m;
}
inline Bytes with_tc(Bytes m) {
    m[2] |= 0x02;
    return m;
}

// A query as dig 9.18 sends it: flags rd ad, one question, an EDNS OPT (UDP
// 1232) without options.
inline Bytes dig_query(uint16_t id, std::string_view name, uint16_t type) {
    Bytes b = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1};
    size_t i = 0;
    while (i < name.size()) {
        size_t j = name.find('.', i);
        if (j == std::string_view::npos) j = name.size();
        b.push_back(uint8_t(j - i));
        b.insert(b.end(), name.begin() + long(i), name.begin() + long(j));
        i = j + 1;
    }
    b.push_back(0);
    const uint8_t tail[] = {uint8_t(type >> 8), uint8_t(type), 0, 1, 0, 0, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    b.insert(b.end(), tail, tail + sizeof tail);
    return b;
}
// With its TCP length prefix.
inline Bytes tcp_framed(const Bytes& m) {
    Bytes b(m.size() + 2);
    b[0] = uint8_t(m.size() >> 8);
    b[1] = uint8_t(m.size());
    std::copy(m.begin(), m.end(), b.begin() + 2);
    return b;
}

inline IpAddr ip(const char* s) { return *IpAddr::parse(s); }

// ---- DnsWire: frames -> decode -> DnsTracker, as a worker does ------------------------

struct FactList : DnsFactSink {
    std::vector<DnsFact> facts;
    bool refuse = false;  // a full ring
    bool push_dns(const DnsFact& f) override {
        if (refuse) return false;
        facts.push_back(f);
        return true;
    }
};

class DnsWire {
public:
    // `local`: the on-prem prefix (direction); vantages "outside", "inside".
    explicit DnsWire(const DnsShared* shared, const char* local = "64.102.241.0/24") {
        if (local) cfg_.local_nets.push_back(*IpPrefix::parse(local));
        cfg_.inputs = {InputSpec{InputSpec::kPcap, "outside", ""}, InputSpec{InputSpec::kPcap, "inside", ""}};
        tracker_ = std::make_unique<DnsTracker>(cfg_, shared, sink_, pool_);
    }

    // One UDP datagram as a frame.
    void udp(uint64_t ts_ns, const IpAddr& src, uint16_t sport, const IpAddr& dst, uint16_t dport, const Bytes& payload,
             uint16_t vantage = 0) {
        gen::IpSpec ipspec;
        ipspec.src = src;
        ipspec.dst = dst;
        frame(ts_ns, gen::build_udp({}, ipspec, {sport, dport}, payload), vantage);
    }
    // One TCP segment as a frame.
    void tcp(uint64_t ts_ns, const IpAddr& src, uint16_t sport, const IpAddr& dst, uint16_t dport, uint32_t seq,
             uint32_t ack, uint8_t flags, const Bytes& payload, uint16_t vantage = 0) {
        gen::IpSpec ipspec;
        ipspec.src = src;
        ipspec.dst = dst;
        gen::TcpSpec t;
        t.sport = sport;
        t.dport = dport;
        t.seq = seq;
        t.ack = ack;
        t.flags = flags;
        t.window = 64240;
        frame(ts_ns, gen::build_tcp({}, ipspec, t, payload), vantage);
    }

    // Decodes the frame and treats it as the worker does: a new flow's first
    // payload is offered to claim(); a claimed flow's packets go to the tracker.
    void frame(uint64_t ts_ns, const Bytes& bytes, uint16_t vantage = 0) {
        PacketView v;
        v.ts_ns = ts_ns;
        v.vantage = vantage;
        v.frame = ++frames_[vantage];
        v.wire_len = uint32_t(bytes.size());
        ASSERT_EQ(decode_packet(bytes.data(), uint32_t(bytes.size()), v), DecodeStatus::kOk);
        bool from_lo = false;
        const FlowKey key = flow_key_of(v, &from_lo);
        Flow* f = nullptr;
        for (auto& x : flows_)
            if (x->key == key && x->vantage == vantage) f = x.get();
        if (!f) {
            flows_.push_back(std::make_unique<Flow>());
            f = flows_.back().get();
            f->key = key;
            f->hash = flow_hash(key);
            f->vantage = vantage;
            f->client_is_lo = v.is_tcp() ? tcp_first_packet_from_client(v) == from_lo : from_lo;
            claimed_.push_back(false);
            decided_.push_back(false);
        }
        const size_t i = size_t(std::find_if(flows_.begin(), flows_.end(), [&](auto& x) { return x.get() == f; }) - flows_.begin());
        if (!decided_[i] && v.payload_len) {
            claimed_[i] = tracker_->claim(*f, v);
            decided_[i] = true;
        }
        if (!claimed_[i]) return;
        if (v.is_tcp()) tracker_->on_tcp_packet(*f, v, from_lo == f->client_is_lo);
        else tracker_->on_datagram(*f, v);
    }

    void finish() {
        for (size_t i = 0; i < flows_.size(); ++i)
            if (claimed_[i]) tracker_->finish(*flows_[i]);
    }
    bool claimed(size_t flow) const { return claimed_.at(flow); }
    size_t flows() const { return flows_.size(); }

    const DnsCounters& counters() const { return tracker_->counters(); }
    std::vector<DnsFact>& facts() { return sink_.facts; }
    FactList& sink() { return sink_; }
    DnsTracker& tracker() { return *tracker_; }

private:
    Config cfg_;
    ReassemblyPool pool_{size_t(4) << 20};
    FactList sink_;
    std::unique_ptr<DnsTracker> tracker_;
    std::vector<std::unique_ptr<Flow>> flows_;
    std::vector<bool> claimed_, decided_;
    uint32_t frames_[2] = {};
};

// The shipped rules, loaded once per test binary.
inline const DnsShared& shipped_rules() {
    static const DnsShared shared = [] {
        DnsShared s;
        std::string why;
        EXPECT_TRUE(load_dns_shared(dns_rules_path(""), BuildOptions{}, &s, &why)) << why;
        return s;
    }();
    return shared;
}

}  // namespace cs::dnstest
