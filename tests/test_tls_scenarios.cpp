// TLS scenarios of callsentry-gen: real OpenSSL handshakes over the shared
// TCP model. Each scenario is re-read from its frames (cs::decode_packet, the
// TCP streams put back together, TLS records and the certificates in them
// read here, independently of the generator) and must show the evidence
// FAILURE_CATALOG.md says decides its code; same seed, same bytes.
#include <gtest/gtest.h>
// RAND_get_rand_method/RAND_OpenSSL (deprecated in 3.0) tell whether the
// generator put the process's randomness back.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/decode.h"
#include "tools/gen/scenarios.h"
#include "tools/gen/tls_handshake.h"
#include "tools/gen/tls_pki.h"

namespace {

using cs::gen::Frame;

const cs::IpAddr kOnPrem = *cs::IpAddr::parse("64.102.241.236");
const cs::IpAddr kPreNat = *cs::IpAddr::parse("172.16.2.2");

std::vector<Frame> generate(std::string_view name, uint64_t seed = 1, std::vector<Frame>* inside = nullptr) {
    const cs::gen::Scenario* s = cs::gen::find_scenario(name);
    if (!s) throw std::runtime_error("no scenario " + std::string(name));
    return s->generate({seed, 200000, inside});
}

struct Pkt {
    uint64_t ts;
    cs::PacketView v;
    bool rst() const { return v.tcp_flags & cs::kRst; }
    bool fin() const { return v.tcp_flags & cs::kFin; }
    bool syn() const { return (v.tcp_flags & (cs::kSyn | cs::kAck)) == cs::kSyn; }
    bool syn_ack() const { return (v.tcp_flags & (cs::kSyn | cs::kAck)) == (cs::kSyn | cs::kAck); }
};

std::vector<Pkt> decode_all(const std::vector<Frame>& frames) {
    std::vector<Pkt> out;
    for (const Frame& f : frames) {
        Pkt p{f.ts_ns, {}};
        cs::DecodeStatus st = cs::decode_packet(f.bytes.data(), uint32_t(f.bytes.size()), p.v);
        EXPECT_EQ(st, cs::DecodeStatus::kOk) << "frame " << out.size() + 1;
        EXPECT_TRUE(p.v.is_tcp());
        EXPECT_EQ(p.v.payload_len, p.v.payload_wire_len);
        out.push_back(p);
    }
    return out;
}

// --- one TCP connection, both directions put back together in sequence order

struct Record {
    uint8_t type;
    std::vector<uint8_t> body;
    uint64_t ts;  // time of the segment that completed it
};

struct Direction {
    std::vector<uint8_t> stream;
    std::vector<uint64_t> byte_ts;  // when each byte arrived
    std::optional<uint32_t> next;   // next expected sequence number
    std::vector<size_t> packets;    // indexes into the connection's packets
};

struct Connection {
    cs::IpAddr client, server;
    uint16_t client_port = 0, server_port = 0;
    std::vector<Pkt> pkts;
    Direction dir[2];  // 0 client -> server, 1 server -> client

    bool from_client(const Pkt& p) const { return p.v.src == client && p.v.sport == client_port; }
    bool on_prem_is_client() const { return client == kOnPrem || client == kPreNat; }
    int on_prem() const { return on_prem_is_client() ? 0 : 1; }

    // The TLS records of a direction; the count of records left incomplete in `partial`.
    std::vector<Record> records(int d, size_t* partial = nullptr) const {
        std::vector<Record> out;
        const std::vector<uint8_t>& s = dir[d].stream;
        size_t off = 0;
        while (off + 5 <= s.size()) {
            size_t len = size_t(s[off + 3]) << 8 | s[off + 4];
            if (off + 5 + len > s.size()) break;
            out.push_back({s[off], {s.begin() + ptrdiff_t(off + 5), s.begin() + ptrdiff_t(off + 5 + len)},
                           dir[d].byte_ts[off + 5 + len - 1]});
            off += 5 + len;
        }
        if (partial) *partial = s.size() - off;
        return out;
    }
};

// Connections keyed by their SYN, in order of first packet.
std::vector<Connection> connections(const std::vector<Pkt>& pkts) {
    std::vector<Connection> out;
    std::map<std::tuple<cs::IpAddr, uint16_t, cs::IpAddr, uint16_t>, size_t> index;
    for (const Pkt& p : pkts) {
        auto fwd = std::make_tuple(p.v.src, p.v.sport, p.v.dst, p.v.dport);
        auto rev = std::make_tuple(p.v.dst, p.v.dport, p.v.src, p.v.sport);
        size_t i;
        if (auto it = index.find(fwd); it != index.end()) {
            i = it->second;
        } else if (auto jt = index.find(rev); jt != index.end()) {
            i = jt->second;
        } else {
            Connection c;
            c.client = p.v.src;
            c.client_port = p.v.sport;
            c.server = p.v.dst;
            c.server_port = p.v.dport;
            out.push_back(std::move(c));
            i = out.size() - 1;
            index[fwd] = i;
        }
        Connection& c = out[i];
        c.pkts.push_back(p);
        Direction& d = c.dir[c.from_client(p) ? 0 : 1];
        d.packets.push_back(c.pkts.size() - 1);
        if (p.syn() || p.syn_ack()) {
            d.next = p.v.seq + 1;
            continue;
        }
        if (p.v.payload_len == 0 || !d.next || p.v.seq != *d.next) continue;  // retransmissions, forged
        d.stream.insert(d.stream.end(), p.v.payload, p.v.payload + p.v.payload_len);
        d.byte_ts.insert(d.byte_ts.end(), p.v.payload_len, p.ts);
        *d.next += p.v.payload_len;
    }
    return out;
}

// --- TLS handshake content

constexpr uint8_t kChangeCipherSpec = 20, kAlert = 21, kHandshake = 22, kApplicationData = 23;

// Handshake message types of the cleartext handshake records before a CCS.
std::vector<int> handshake_types(const std::vector<Record>& recs) {
    std::vector<int> out;
    for (const Record& r : recs) {
        if (r.type == kChangeCipherSpec) break;
        if (r.type != kHandshake) continue;
        for (size_t off = 0; off + 4 <= r.body.size();) {
            out.push_back(r.body[off]);
            off += 4 + (size_t(r.body[off + 1]) << 16 | size_t(r.body[off + 2]) << 8 | r.body[off + 3]);
        }
    }
    return out;
}

// The certificates of the first Certificate message of a direction.
std::vector<std::vector<uint8_t>> certificates(const std::vector<Record>& recs) {
    for (const Record& r : recs) {
        if (r.type == kChangeCipherSpec) break;
        if (r.type != kHandshake || r.body.empty() || r.body[0] != 11) continue;
        const std::vector<uint8_t>& b = r.body;
        std::vector<std::vector<uint8_t>> out;
        size_t list = size_t(b[4]) << 16 | size_t(b[5]) << 8 | b[6];
        EXPECT_EQ(list + 7, b.size());
        for (size_t off = 7; off + 3 <= b.size();) {
            size_t n = size_t(b[off]) << 16 | size_t(b[off + 1]) << 8 | b[off + 2];
            EXPECT_LE(off + 3 + n, b.size());
            out.emplace_back(b.begin() + ptrdiff_t(off + 3), b.begin() + ptrdiff_t(std::min(b.size(), off + 3 + n)));
            off += 3 + n;
        }
        return out;
    }
    return {};
}

struct X509Info {
    std::string subject, issuer;
    std::vector<std::string> dns;
    bool self_signed() const { return subject == issuer; }
};

X509Info parse_cert(const std::vector<uint8_t>& der) {
    X509Info info;
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, long(der.size()));
    EXPECT_NE(x, nullptr);
    if (!x) return info;
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
    info.subject = buf;
    X509_NAME_oneline(X509_get_issuer_name(x), buf, sizeof buf);
    info.issuer = buf;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS)
            info.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                                  size_t(ASN1_STRING_length(g->d.dNSName)));
    }
    GENERAL_NAMES_free(names);
    X509_free(x);
    return info;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Alerts sent in clear (before the sender's ChangeCipherSpec): (level, description).
std::vector<std::pair<uint8_t, uint8_t>> cleartext_alerts(const std::vector<Record>& recs) {
    std::vector<std::pair<uint8_t, uint8_t>> out;
    for (const Record& r : recs) {
        if (r.type == kChangeCipherSpec) break;
        if (r.type == kAlert && r.body.size() == 2) out.emplace_back(r.body[0], r.body[1]);
    }
    return out;
}

size_t count_type(const std::vector<Record>& recs, uint8_t type) {
    return size_t(std::count_if(recs.begin(), recs.end(), [type](const Record& r) { return r.type == type; }));
}

const Pkt* first_where(const Connection& c, int d, bool (Pkt::*pred)() const) {
    for (size_t i : c.dir[d].packets)
        if ((c.pkts[i].*pred)()) return &c.pkts[i];
    return nullptr;
}

Connection only_connection(std::string_view scenario, uint64_t seed = 1) {
    std::vector<Connection> cs = connections(decode_all(generate(scenario, seed)));
    EXPECT_EQ(cs.size(), 1u);
    return cs.empty() ? Connection{} : cs[0];
}

// --- the registry and determinism

const char* const kTlsScenarioNames[] = {"tls-healthy",
                                         "tls-untrusted-cloud-ca",
                                         "tls-identity-rejected",
                                         "tls-cloud-identity-missing",
                                         "tls-incomplete-chain",
                                         "tls-cert-rejected-by-cloud",
                                         "tls-default-cert",
                                         "tls-midpath-reset",
                                         "tls-forged-rst-two-vantage",
                                         "tls-handshake-stalled",
                                         "tls13-failed",
                                         "tls-mixed"};

TEST(TlsScenarioRegistry, EveryTlsScenarioIsListed) {
    for (const char* n : kTlsScenarioNames) {
        const cs::gen::Scenario* s = cs::gen::find_scenario(n);
        ASSERT_NE(s, nullptr) << n;
        EXPECT_EQ(s->two_vantage, std::string_view(n) == "tls-forged-rst-two-vantage") << n;
        EXPECT_EQ(s->forges_packets, std::string_view(n) == "tls-midpath-reset" || std::string_view(n) == "tls-mixed") << n;
        EXPECT_FALSE(s->sized) << n;
    }
    EXPECT_NE(cs::gen::find_scenario("tcp-healthy"), nullptr);  // the TCP ones are still there
}

class EveryTlsScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryTlsScenario, SameSeedSameBytesOtherSeedOtherBytes) {
    std::vector<Frame> inside_a, inside_b, inside_c;
    std::vector<Frame> a = generate(GetParam(), 7, &inside_a), b = generate(GetParam(), 7, &inside_b),
                       c = generate(GetParam(), 8, &inside_c);
    ASSERT_FALSE(a.empty());
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].ts_ns, b[i].ts_ns) << "frame " << i + 1;
        ASSERT_EQ(a[i].bytes, b[i].bytes) << "frame " << i + 1;
    }
    ASSERT_EQ(inside_a.size(), inside_b.size());
    for (size_t i = 0; i < inside_a.size(); ++i) ASSERT_EQ(inside_a[i].bytes, inside_b[i].bytes);
    // Another seed: other randoms, keys shares, ISNs; not one payload-carrying frame repeats.
    ASSERT_EQ(a.size(), c.size());
    size_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i].bytes == c[i].bytes;
    EXPECT_EQ(same, 0u);
}

TEST_P(EveryTlsScenario, FramesDecodeAndEveryRecordIsWhole) {
    std::vector<Frame> frames = generate(GetParam());
    for (size_t i = 1; i < frames.size(); ++i) ASSERT_LE(frames[i - 1].ts_ns, frames[i].ts_ns);
    for (const Connection& c : connections(decode_all(frames))) {
        EXPECT_EQ(c.server_port, 5062);
        for (int d = 0; d < 2; ++d) {
            size_t partial = 0;
            std::vector<Record> recs = c.records(d, &partial);
            EXPECT_EQ(partial, 0u) << "a record cut short on a " << GetParam() << " connection";
            for (const Record& r : recs) {
                EXPECT_GE(r.type, kChangeCipherSpec);
                EXPECT_LE(r.type, kApplicationData);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(All, EveryTlsScenario,
                         ::testing::ValuesIn(std::vector<std::string>(std::begin(kTlsScenarioNames), std::end(kTlsScenarioNames))),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = i.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// --- each scenario's evidence

// Mutual TLS 1.2 both ways: CertificateRequest, both chains, application
// data both ways, no alert in clear, orderly FINs and no RST.
TEST(TlsHealthy, BothDirectionsCompleteMutualTlsAndCarryApplicationData) {
    std::vector<Connection> cs = connections(decode_all(generate("tls-healthy")));
    ASSERT_EQ(cs.size(), 2u);
    EXPECT_EQ(cs[0].server, kOnPrem);  // inbound first
    EXPECT_EQ(cs[1].client, kOnPrem);
    for (const Connection& c : cs) {
        std::vector<Record> up = c.records(0), down = c.records(1);
        std::vector<int> server_msgs = handshake_types(down);
        EXPECT_EQ(server_msgs, (std::vector<int>{2, 11, 12, 13, 14}));  // SH, Cert, SKE, CertReq, SHD
        EXPECT_EQ(handshake_types(up), (std::vector<int>{1, 11, 16, 15}));  // CH, Cert, CKE, CertVerify
        EXPECT_EQ(certificates(up).size(), 3u);
        EXPECT_EQ(certificates(down).size(), 3u);
        EXPECT_TRUE(cleartext_alerts(up).empty());
        EXPECT_TRUE(cleartext_alerts(down).empty());
        EXPECT_GE(count_type(up, kApplicationData), 2u);
        EXPECT_GE(count_type(down, kApplicationData), 2u);
        EXPECT_EQ(count_type(up, kChangeCipherSpec), 1u);
        EXPECT_EQ(count_type(down, kChangeCipherSpec), 1u);
        // The client's close_notify is its last record, encrypted (not 2 bytes).
        ASSERT_FALSE(up.empty());
        EXPECT_EQ(up.back().type, kAlert);
        EXPECT_NE(up.back().body.size(), 2u);
        for (const Pkt& p : c.pkts) EXPECT_FALSE(p.rst());
        EXPECT_NE(first_where(c, 0, &Pkt::fin), nullptr);
        EXPECT_NE(first_where(c, 1, &Pkt::fin), nullptr);
    }
    // Inbound the Expressway-E presents amer-expressway01.ciscotac.net; Webex its l2sip leaf with 25 SANs.
    X509Info expe = parse_cert(certificates(cs[0].records(1))[0]);
    X509Info wbx = parse_cert(certificates(cs[0].records(0))[0]);
    EXPECT_NE(expe.subject.find("CN=amer-expressway01.ciscotac.net"), std::string::npos);
    EXPECT_NE(expe.issuer.find("Go Daddy Secure Certificate Authority - G2"), std::string::npos);
    EXPECT_NE(wbx.subject.find("CN=l2sip-cfa-01.ciscospark.com"), std::string::npos);
    EXPECT_NE(wbx.issuer.find("HydrantID SSL ICA G2"), std::string::npos);
    EXPECT_EQ(wbx.dns, cs::gen::tls::webex_san_names());
    EXPECT_EQ(wbx.dns.size(), 25u);
}

// TLS-1: after the cloud's Certificate (3 certificates ending in a
// self-signed root) the on-prem server sends fatal unknown_ca in clear,
// before any ChangeCipherSpec of its own, then FIN; no application data.
TEST(TlsUntrustedCloudCa, OnPremAnswersCloudCertificateWithUnknownCa) {
    Connection c = only_connection("tls-untrusted-cloud-ca");
    ASSERT_EQ(c.server, kOnPrem);
    std::vector<Record> cloud = c.records(0), onprem = c.records(1);
    std::vector<std::vector<uint8_t>> chain = certificates(cloud);
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_TRUE(parse_cert(chain.back()).self_signed());
    EXPECT_NE(parse_cert(chain.back()).subject.find("QuoVadis Root CA 2"), std::string::npos);
    EXPECT_EQ(cleartext_alerts(onprem), (std::vector<std::pair<uint8_t, uint8_t>>{{2, 48}}));
    EXPECT_EQ(count_type(onprem, kChangeCipherSpec), 0u);
    EXPECT_EQ(count_type(cloud, kApplicationData) + count_type(onprem, kApplicationData), 0u);
    // The alert follows the cloud's Certificate record.
    auto cert_rec = std::find_if(cloud.begin(), cloud.end(), [](const Record& r) { return r.type == kHandshake && r.body[0] == 11; });
    ASSERT_NE(cert_rec, cloud.end());
    EXPECT_GT(onprem.back().ts, cert_rec->ts);
    const Pkt* fin = first_where(c, 1, &Pkt::fin);
    ASSERT_NE(fin, nullptr);
    EXPECT_GT(fin->ts, onprem.back().ts);
    ASSERT_TRUE(c.pkts.back().rst());
    EXPECT_EQ(c.pkts.back().v.src, kOnPrem);
}

// TLS-2/6 and the variant: the handshake completes (both Finished), no
// alert, no application data; on-prem FIN then RST right after its Finished.
void expect_closed_after_handshake(const Connection& c) {
    std::vector<Record> cloud = c.records(0), onprem = c.records(1);
    EXPECT_EQ(count_type(cloud, kChangeCipherSpec), 1u);
    EXPECT_EQ(count_type(onprem, kChangeCipherSpec), 1u);
    EXPECT_EQ(count_type(cloud, kAlert) + count_type(onprem, kAlert), 0u);
    EXPECT_EQ(count_type(cloud, kApplicationData) + count_type(onprem, kApplicationData), 0u);
    const Pkt* fin = first_where(c, 1, &Pkt::fin);
    const Pkt* rst = first_where(c, 1, &Pkt::rst);
    ASSERT_NE(fin, nullptr);
    ASSERT_NE(rst, nullptr);
    EXPECT_LE(onprem.back().ts, fin->ts);
    EXPECT_LT(fin->ts, rst->ts);
    EXPECT_LT(rst->ts - onprem.back().ts, 2'000'000u);  // within 2 ms of its Finished
    EXPECT_EQ(first_where(c, 0, &Pkt::fin), nullptr);   // the cloud did not close
}

TEST(TlsIdentityRejected, HandshakeCompletesWithServiceNameThenOnPremResets) {
    Connection c = only_connection("tls-identity-rejected");
    expect_closed_after_handshake(c);
    X509Info leaf = parse_cert(certificates(c.records(0))[0]);
    EXPECT_TRUE(has(leaf.dns, "callservice.ciscospark.com"));
}

TEST(TlsCloudIdentityMissing, CloudLeafLacksEveryExpectedIdentity) {
    Connection c = only_connection("tls-cloud-identity-missing");
    expect_closed_after_handshake(c);
    X509Info leaf = parse_cert(certificates(c.records(0))[0]);
    EXPECT_FALSE(has(leaf.dns, "callservice.ciscospark.com"));
    EXPECT_FALSE(has(leaf.dns, "callservice.webex.com"));
    EXPECT_EQ(leaf.dns.size(), 24u);
    EXPECT_NE(leaf.subject.find("CN=l2sip-cfa-01.ciscospark.com"), std::string::npos);
}

// TLS-3/5/7: the cloud client answers the on-prem server flight with fatal
// certificate_unknown, having sent nothing but its ClientHello, then FIN.
X509Info expect_rejected_by_cloud(const Connection& c, size_t chain_len) {
    std::vector<Record> cloud = c.records(0), onprem = c.records(1);
    EXPECT_EQ(handshake_types(onprem), (std::vector<int>{2, 11, 12, 13, 14}));
    EXPECT_EQ(handshake_types(cloud), (std::vector<int>{1}));
    EXPECT_EQ(cleartext_alerts(cloud), (std::vector<std::pair<uint8_t, uint8_t>>{{2, 46}}));
    EXPECT_EQ(cloud.size(), 2u);  // ClientHello, Alert
    EXPECT_TRUE(cleartext_alerts(onprem).empty());
    EXPECT_GT(cloud.back().ts, onprem.back().ts);
    const Pkt* cloud_fin = first_where(c, 0, &Pkt::fin);
    const Pkt* onprem_fin = first_where(c, 1, &Pkt::fin);
    EXPECT_TRUE(cloud_fin && onprem_fin && cloud_fin->ts < onprem_fin->ts);
    for (const Pkt& p : c.pkts) EXPECT_FALSE(p.rst());
    std::vector<std::vector<uint8_t>> chain = certificates(onprem);
    EXPECT_EQ(chain.size(), chain_len);
    return chain.empty() ? X509Info{} : parse_cert(chain[0]);
}

TEST(TlsIncompleteChain, OnPremSendsLeafOnlyCloudAnswersCertificateUnknown) {
    Connection c = only_connection("tls-incomplete-chain");
    X509Info leaf = expect_rejected_by_cloud(c, 1);
    EXPECT_FALSE(leaf.self_signed());
    EXPECT_NE(leaf.issuer.find("Go Daddy Secure Certificate Authority - G2"), std::string::npos);
}

TEST(TlsCertRejectedByCloud, CompleteChainStillRejected) {
    Connection c = only_connection("tls-cert-rejected-by-cloud");
    expect_rejected_by_cloud(c, 3);
    std::vector<std::vector<uint8_t>> chain = certificates(c.records(1));
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_TRUE(parse_cert(chain[2]).self_signed());
    EXPECT_EQ(parse_cert(chain[0]).issuer, parse_cert(chain[1]).subject);
    EXPECT_EQ(parse_cert(chain[1]).issuer, parse_cert(chain[2]).subject);
}

TEST(TlsDefaultCert, TemporaryCertificateRejected) {
    Connection c = only_connection("tls-default-cert");
    X509Info leaf = expect_rejected_by_cloud(c, 1);
    EXPECT_NE(leaf.subject.find("OU=Temporary Certificate"), std::string::npos);
    EXPECT_NE(leaf.subject.find("CN=amer-expressway01"), std::string::npos);
    EXPECT_EQ(leaf.subject.find("ciscotac.net"), std::string::npos);
    EXPECT_NE(leaf.issuer.find("CN=Temporary CA "), std::string::npos);
    EXPECT_TRUE(leaf.dns.empty());
}

// The RST's fingerprint against the cloud's earlier packets.
struct RstCheck {
    const Pkt* rst = nullptr;
    bool ttl_differs = false, ip_id_breaks = false, ts_in_onprem_clock = false, faster_than_rtt = false;
};

RstCheck check_forged_rst(const Connection& c) {
    RstCheck r;
    const int cloud = 1 - c.on_prem();
    const Pkt* last_cloud = nullptr;
    const Pkt* last_onprem_data = nullptr;
    for (const Pkt& p : c.pkts) {
        bool from_cloud = c.from_client(p) == (cloud == 0);
        if (from_cloud && p.rst()) {
            r.rst = &p;
            break;
        }
        if (from_cloud) last_cloud = &p;
        if (!from_cloud && p.v.payload_len) last_onprem_data = &p;
    }
    if (!r.rst || !last_cloud || !last_onprem_data) return r;
    const Pkt* syn = first_where(c, 0, &Pkt::syn);
    const Pkt* synack = first_where(c, 1, &Pkt::syn_ack);
    r.ttl_differs = r.rst->v.ttl != last_cloud->v.ttl;
    r.ip_id_breaks = r.rst->v.ip_id != uint16_t(last_cloud->v.ip_id + 1);
    // Each clock is TSval - packet time in ms; the RST's matches the on-prem one.
    auto offset = [](const Pkt& p) { return p.v.tcp_opts.tsval - uint32_t(p.ts / 1'000'000); };
    uint32_t rst_off = offset(*r.rst);
    r.ts_in_onprem_clock = (r.rst->v.tcp_opts.present & cs::TcpOptions::kHasTs) &&
                           int32_t(rst_off - offset(*last_onprem_data)) >= -1 &&
                           int32_t(rst_off - offset(*last_onprem_data)) <= 1 &&
                           rst_off != offset(*last_cloud);
    r.faster_than_rtt = syn && synack && r.rst->ts - last_onprem_data->ts < (synack->ts - syn->ts) / 4;
    return r;
}

TEST(TlsMidpathReset, ForgedRstWithoutAnyAlert) {
    Connection c = only_connection("tls-midpath-reset");
    ASSERT_EQ(c.client, kOnPrem);
    std::vector<Record> onprem = c.records(0), cloud = c.records(1);
    EXPECT_EQ(count_type(onprem, kAlert) + count_type(cloud, kAlert), 0u);
    EXPECT_EQ(certificates(onprem).size(), 4u);  // the vcse chain
    EXPECT_NE(parse_cert(certificates(onprem)[0]).subject.find("CN=vcse"), std::string::npos);
    std::vector<int> cloud_msgs = handshake_types(cloud);
    EXPECT_NE(std::find(cloud_msgs.begin(), cloud_msgs.end(), 13), cloud_msgs.end());  // CertificateRequest
    RstCheck r = check_forged_rst(c);
    ASSERT_NE(r.rst, nullptr);
    EXPECT_TRUE(r.ttl_differs);
    EXPECT_TRUE(r.ip_id_breaks);
    EXPECT_TRUE(r.ts_in_onprem_clock);
    EXPECT_TRUE(r.faster_than_rtt);
    EXPECT_EQ(r.rst->v.window, 0);
    EXPECT_EQ(r.rst->v.tcp_opts.tsecr, 0u);
    EXPECT_EQ(count_type(cloud, kChangeCipherSpec), 0u);  // the handshake never completed
}

// Both vantages: every frame of the inside capture, the forged RST aside,
// is an outside frame with the Expressway-E's pre-NAT address, one TTL step
// and the inside MACs; what the outside alone has is Webex's answer to the
// final flight (ACK, CCS + Finished, retransmissions), dropped by the firewall.
TEST(TlsForgedRstTwoVantage, RstOnlyInsideAndOnlyNatDifferences) {
    std::vector<Frame> inside_frames;
    std::vector<Frame> outside_frames = generate("tls-forged-rst-two-vantage", 1, &inside_frames);
    std::vector<Pkt> out = decode_all(outside_frames), in = decode_all(inside_frames);
    ASSERT_FALSE(in.empty());
    auto key = [](const Pkt& p, bool inside) {
        cs::IpAddr src = inside && p.v.src == kPreNat ? kOnPrem : p.v.src;
        cs::IpAddr dst = inside && p.v.dst == kPreNat ? kOnPrem : p.v.dst;
        return std::make_tuple(src, p.v.sport, dst, p.v.dport, p.v.seq, p.v.ack, p.v.tcp_flags, p.v.ip_id,
                               std::vector<uint8_t>(p.v.payload, p.v.payload + p.v.payload_len));
    };
    std::vector<Pkt> inside_only;
    std::vector<bool> matched(out.size());
    uint64_t last_common = 0;
    for (const Pkt& p : in) {
        EXPECT_NE(p.v.src, kOnPrem);
        EXPECT_NE(p.v.dst, kOnPrem);
        size_t j = 0;
        while (j < out.size() && (matched[j] || key(out[j], false) != key(p, true))) ++j;
        if (j == out.size()) {
            inside_only.push_back(p);
            continue;
        }
        // Same packet, other side of the firewall: seen 80 us apart.
        const Pkt& q = out[j];
        matched[j] = true;
        last_common = std::max(last_common, q.ts);
        EXPECT_EQ(int(p.v.ttl) - int(q.v.ttl), p.v.src == kPreNat ? 1 : -1);
        EXPECT_EQ(p.v.tcp_opts.tsval, q.v.tcp_opts.tsval);
        EXPECT_EQ(p.v.src == kPreNat, q.v.src == kOnPrem);
        EXPECT_EQ(p.v.src == kPreNat ? q.ts - p.ts : p.ts - q.ts, 80'000u);
    }
    ASSERT_EQ(inside_only.size(), 1u);
    EXPECT_TRUE(inside_only[0].rst());
    EXPECT_EQ(inside_only[0].v.dst, kPreNat);
    for (const Pkt& p : out) EXPECT_FALSE(p.rst());
    // The outside's extra frames all come from Webex, after the last frame common to both.
    size_t extra = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (matched[i]) continue;
        ++extra;
        EXPECT_NE(out[i].v.src, kOnPrem) << "outside frame " << i + 1;
        EXPECT_GE(out[i].ts, last_common) << "outside frame " << i + 1;
    }
    EXPECT_EQ(extra, 7u);  // ACK, CCS + Finished, five retransmissions
    // The inside RST is the guide's: 0.44 ms after the last on-prem frame, TSval in its clock.
    std::vector<Connection> cin = connections(in);
    ASSERT_EQ(cin.size(), 1u);
    RstCheck r = check_forged_rst(cin[0]);
    ASSERT_NE(r.rst, nullptr);
    EXPECT_TRUE(r.ts_in_onprem_clock);
    EXPECT_TRUE(r.faster_than_rtt);
    EXPECT_TRUE(r.ttl_differs);
}

TEST(TlsHandshakeStalled, ClientHelloOnlyAckedThenIdle) {
    Connection c = only_connection("tls-handshake-stalled");
    std::vector<Record> cloud = c.records(0);
    EXPECT_EQ(handshake_types(cloud), (std::vector<int>{1}));
    EXPECT_TRUE(c.dir[1].stream.empty());  // the server wrote nothing
    const Pkt* fin = first_where(c, 0, &Pkt::fin);
    ASSERT_NE(fin, nullptr);
    EXPECT_GE(fin->ts - cloud[0].ts, 30'000'000'000u);
}

TEST(Tls13Failed, EncryptedHandshakeClosedByOnPremBeforeApplicationData) {
    Connection c = only_connection("tls13-failed");
    std::vector<Record> cloud = c.records(0), onprem = c.records(1);
    // Only the hellos are in clear; no certificate is visible.
    EXPECT_EQ(handshake_types(cloud), (std::vector<int>{1}));
    EXPECT_EQ(handshake_types(onprem), (std::vector<int>{2}));
    EXPECT_TRUE(certificates(cloud).empty());
    EXPECT_TRUE(certificates(onprem).empty());
    // ServerHello carries supported_versions = TLS 1.3 (0x002b 0x0002 0x0304).
    const std::vector<uint8_t>& sh = onprem.at(0).body;
    const uint8_t tls13[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    EXPECT_NE(std::search(sh.begin(), sh.end(), std::begin(tls13), std::end(tls13)), sh.end());
    EXPECT_EQ(count_type(onprem, kAlert) + count_type(cloud, kAlert), 0u);  // alerts are encrypted in 1.3
    const Pkt* onprem_fin = first_where(c, 1, &Pkt::fin);
    const Pkt* cloud_fin = first_where(c, 0, &Pkt::fin);
    ASSERT_TRUE(onprem_fin && cloud_fin);
    EXPECT_LT(onprem_fin->ts, cloud_fin->ts);  // on-prem closed first
    EXPECT_GE(onprem_fin->ts, onprem.back().ts);
}

TEST(TlsMixed, ManyConnectionsOfEveryKindOverMinutes) {
    std::vector<Frame> frames = generate("tls-mixed");
    std::vector<Connection> cs = connections(decode_all(frames));
    EXPECT_EQ(cs.size(), 200u);
    EXPECT_GE(frames.back().ts_ns - frames.front().ts_ns, 240'000'000'000u);
    std::multiset<uint8_t> alerts;
    size_t healthy = 0, forged = 0, tls13 = 0;
    for (const Connection& c : cs) {
        std::vector<Record> up = c.records(0), down = c.records(1);
        for (auto [level, desc] : cleartext_alerts(up)) alerts.insert(desc);
        for (auto [level, desc] : cleartext_alerts(down)) alerts.insert(desc);
        healthy += count_type(up, kApplicationData) > 0 && count_type(down, kApplicationData) > 0 &&
                   handshake_types(up).size() > 1;
        forged += check_forged_rst(c).ttl_differs;
        tls13 += handshake_types(up).size() == 1 && count_type(up, kApplicationData) > 0;
    }
    EXPECT_GE(healthy, 80u);
    EXPECT_GT(alerts.count(48), 0u);
    EXPECT_GT(alerts.count(46), 0u);
    EXPECT_GT(forged, 0u);
    EXPECT_GT(tls13, 0u);
}

// --- the handshake driver and the seeded randomness

TEST(TlsSession, RejectWithChosenAlertIsWhatTheWireCarries) {
    namespace tls = cs::gen::tls;
    for (uint8_t alert : {tls::kBadCertificate, tls::kCertificateExpired, tls::kCertificateUnknown, tls::kUnknownCa}) {
        tls::Endpoint client;
        client.credential = &tls::expressway_public();
        client.trust = {&tls::quovadis_root()};
        client.reject_with = alert;
        tls::Endpoint server;
        server.credential = &tls::webex_l2sip();
        server.request_cert = true;
        server.trust = {&tls::godaddy_root()};
        tls::Session s(client, server, 99, 1505916553);
        std::vector<tls::Flight> f = s.handshake();
        ASSERT_EQ(f.size(), 3u);
        EXPECT_EQ(f[2].from, tls::Peer::kClient);
        EXPECT_EQ(f[2].bytes, (std::vector<uint8_t>{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert}));
        EXPECT_TRUE(s.failed(tls::Peer::kClient));
        EXPECT_FALSE(s.established(tls::Peer::kServer));
    }
    tls::Endpoint bad;
    bad.reject_with = 50;  // decode_error: no X.509 error maps to it
    EXPECT_THROW(tls::Session(bad, tls::Endpoint{}, 1, 0), std::invalid_argument);
}

TEST(TlsSession, HealthySessionCarriesDataAndIsSeeded) {
    namespace tls = cs::gen::tls;
    auto run = [](uint64_t seed) {
        tls::Endpoint client;
        client.credential = &tls::webex_l2sip();
        client.trust = {&tls::godaddy_root()};
        tls::Endpoint server;
        server.credential = &tls::expressway_public();
        server.request_cert = true;
        server.trust = {&tls::quovadis_root()};
        tls::Session s(client, server, seed, 1505916553);
        std::vector<tls::Flight> f = s.handshake();
        EXPECT_TRUE(s.established(tls::Peer::kClient));
        EXPECT_TRUE(s.established(tls::Peer::kServer));
        EXPECT_EQ(s.version(), tls::kTls12);
        const uint8_t hello[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
        std::vector<uint8_t> rec = s.write(tls::Peer::kClient, hello);
        EXPECT_EQ(rec.size(), sizeof hello + 29);  // AES-GCM: header, explicit nonce, tag
        f.push_back({tls::Peer::kClient, rec});
        return f;
    };
    std::vector<tls::Flight> a = run(5), b = run(5), c = run(6);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].bytes, b[i].bytes);
    EXPECT_NE(a[0].bytes, c[0].bytes);  // another client random
    // The process's own randomness is back once the sessions are gone.
    EXPECT_EQ(RAND_get_rand_method(), RAND_OpenSSL());
}

TEST(TlsRecords, SplitAndTruncatedInput) {
    namespace tls = cs::gen::tls;
    // Two handshake records (ClientKeyExchange 16, CertificateVerify 15), a CCS, a protected record.
    std::vector<uint8_t> f = {22, 3, 3, 0, 2, 16, 0, 22, 3, 3, 0, 2, 15, 0, 20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 1, 15};
    std::vector<tls::RecordInfo> r = tls::records(f);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].handshake_type, 16);
    EXPECT_EQ(r[1].handshake_type, 15);
    EXPECT_EQ(r[2].type, 20);
    EXPECT_EQ(r[3].handshake_type, -1);  // after the CCS: encrypted
    auto [head, tail] = tls::split_before(f, 15);
    EXPECT_EQ(head.size(), 7u);
    EXPECT_EQ(tail.size(), f.size() - 7);
    EXPECT_TRUE(tls::split_before(f, 11).second.empty());
    for (size_t n = 0; n < f.size(); ++n) {
        std::vector<uint8_t> cut(f.begin(), f.begin() + ptrdiff_t(n));
        EXPECT_LE(tls::records(cut).size(), r.size());
    }
    std::vector<uint8_t> huge = {23, 3, 3, 0xff, 0xff, 1, 2};
    EXPECT_TRUE(tls::records(huge).empty());
}

}  // namespace
