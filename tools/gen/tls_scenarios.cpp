// The TLS scenarios: mutual TLS on 5062 between the Expressway-E
// (64.102.241.236 on the outside) and Webex (146.20.193.x), with real OpenSSL
// handshakes (tls_handshake.h) over the shared TCP model (scenarios.h), one
// scenario per TLS failure of FAILURE_CATALOG.md plus a healthy baseline, a
// two-vantage capture and a mix. The think times are the catalogs' (captures
// §5.2, guide §4.1); sizes follow from OpenSSL and the guide-shaped PKIs.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tools/gen/dns_scenarios.h"
#include "tools/gen/scenarios.h"
#include "tools/gen/tls_handshake.h"
#include "tools/gen/tls_pki.h"

namespace cs::gen {

namespace {

using enum Side;
using tls::Flight;
using tls::Peer;

// 146.20.193.45, as the background mix places it (27 ms from the tap).
HostSpec webex_45() { return webex(45, 27 * kMs); }
// The Expressway-E's address inside the firewall, before NAT (guide §2).
IpAddr expressway_pre_nat() { return v4(172, 16, 2, 2); }

// --- the endpoints

tls::Endpoint webex_client(const tls::Credential& cred, std::optional<uint8_t> reject_with = {}) {
    tls::Endpoint e;
    e.credential = &cred;
    e.trust = {&tls::godaddy_root(), &tls::godaddy_class2_root()};  // public roots
    e.reject_with = reject_with;
    e.server_name = "amer-expressway01.ciscotac.net";
    return e;
}

tls::Endpoint webex_server() {
    tls::Endpoint e;
    e.credential = &tls::webex_l2sip();
    e.trust = {&tls::godaddy_root(), &tls::godaddy_class2_root()};
    e.request_cert = true;
    return e;
}

// The Expressway-E; its trust store holds the Webex CAs unless the
// "Get certificates" step was missed (TLS-1).
tls::Endpoint expressway(const tls::Credential& cred, bool trusts_webex_ca, bool server) {
    tls::Endpoint e;
    e.credential = &cred;
    e.trust = {&tls::godaddy_root(), &tls::godaddy_class2_root()};
    if (trusts_webex_ca) e.trust.push_back(&tls::quovadis_root());
    e.request_cert = server;
    if (!server) e.server_name = "l2sip-cfa-01.wbx2.com";
    return e;
}

Peer peer_of(Side s) { return s == kClient ? Peer::kClient : Peer::kServer; }

// The flights OpenSSL wrote must be the ones the scenario is about; anything
// else is a generator bug, not traffic to write.
void expect_senders(const std::vector<Flight>& f, std::initializer_list<Peer> want, const char* scenario) {
    bool ok = f.size() == want.size();
    size_t i = 0;
    for (Peer p : want) ok = ok && f[i++].from == p;
    if (!ok) throw std::logic_error(std::string(scenario) + ": unexpected TLS flights (" + std::to_string(f.size()) + ")");
}

// Writes a connection's TLS bytes onto its TCP connection. A write by the
// side that wrote last follows its previous write after `think`; a write by
// the other side answers it (after the path to that side and `think`).
class Wire {
public:
    Wire(TcpConnection& c, uint64_t t_handshake_ack) : c_(c), t_(t_handshake_ack) {}

    // Returns the time of the write's first segment.
    uint64_t write(Side from, uint64_t think, const std::vector<uint8_t>& bytes, bool peer_acks = true) {
        uint64_t start = from == last_ ? t_ + think : c_.answer_time(from, t_, think);
        t_ = c_.send(from, start, bytes, peer_acks);
        last_ = from;
        return start;
    }
    // A write at a given time (a side that keeps to its own schedule).
    uint64_t write_at(Side from, uint64_t start, const std::vector<uint8_t>& bytes, bool peer_acks = true) {
        t_ = c_.send(from, start, bytes, peer_acks);
        last_ = from;
        return start;
    }
    uint64_t last() const { return t_; }  // time of the last data segment written

private:
    TcpConnection& c_;
    uint64_t t_;
    Side last_ = kClient;  // the handshake's final ACK
};

// One connection of a scenario: the Webex host, the client's source port,
// the start (the SYN), and the seed of its TLS randomness.
struct Conn {
    HostSpec webex;
    uint16_t port;
    uint64_t t0;
    uint64_t tls_seed;
};

int64_t unix_seconds(uint64_t t_ns) { return int64_t(t_ns / kSec); }

// --- SIP in TLS records. The plaintext is SIP-shaped filler of the size the
// catalogs give on the wire (the record adds 29 bytes: header, explicit
// nonce, GCM tag); nobody can read it but the endpoints.
std::vector<uint8_t> sip_plaintext(std::string_view first_line, uint32_t wire_bytes) {
    std::string m(first_line);
    m += "\r\nUser-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)\r\nX-Pad: ";
    size_t want = wire_bytes > 29 + m.size() + 4 ? wire_bytes - 29 : m.size() + 4;
    while (m.size() + 4 < want) m += char('a' + m.size() % 26);
    m += "\r\n\r\n";
    return {m.begin(), m.end()};
}

struct SipWrite {
    Side from;
    uint32_t wire_bytes;
    uint64_t think;
    std::string_view first_line;
};

// Inbound call legs (captures §5.1/§5.2, as the TCP scenarios' kInboundCall).
constexpr SipWrite kInboundSip[] = {
    {kClient, 2464, 1355 * kMs, "INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0"},
    {kServer, 453, 2 * kMs, "SIP/2.0 100 Trying"},
    {kServer, 812, 900 * kMs, "SIP/2.0 180 Ringing"},
    {kServer, 1893, 4100 * kMs, "SIP/2.0 200 OK"},
    {kClient, 587, 3 * kMs, "ACK sip:pstojano-test@192.168.1.21:5065 SIP/2.0"},
    {kClient, 640, 8200 * kMs, "BYE sip:pstojano-test@192.168.1.21:5065 SIP/2.0"},
    {kServer, 495, 2 * kMs, "SIP/2.0 200 OK"},
};
constexpr SipWrite kOutboundSip[] = {
    {kClient, 2783, 1 * kMs, "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0"},
    {kServer, 1714, 3900 * kMs, "SIP/2.0 200 OK"},
    {kClient, 612, 2 * kMs, "ACK sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"},
    {kClient, 655, 6400 * kMs, "BYE sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"},
    {kServer, 502, 2 * kMs, "SIP/2.0 200 OK"},
};
constexpr SipWrite kShortInboundSip[] = {
    {kClient, 2464, 50 * kMs, "INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0"},
    {kServer, 1893, 600 * kMs, "SIP/2.0 200 OK"},
    {kClient, 587, 3 * kMs, "ACK sip:pstojano-test@192.168.1.21:5065 SIP/2.0"},
};
constexpr SipWrite kShortOutboundSip[] = {
    {kClient, 2783, 1 * kMs, "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0"},
    {kServer, 1714, 700 * kMs, "SIP/2.0 200 OK"},
    {kClient, 612, 2 * kMs, "ACK sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"},
};

// The call's SIP as application data, then the client's close_notify and an
// orderly TCP close.
void play_call(TcpConnection& c, Wire& w, tls::Session& s, std::span<const SipWrite> sip, uint64_t linger) {
    for (const SipWrite& m : sip)
        w.write(m.from, m.think, s.write(peer_of(m.from), sip_plaintext(m.first_line, m.wire_bytes)));
    uint64_t t = w.write(kClient, linger, s.close_notify(Peer::kClient));
    c.close(kClient, t + 60 * kUs);
}

// --- inbound: Webex is the TLS client, the Expressway-E the server.

// Client Hello 150 us after the TCP handshake, the server flight 13 ms
// after it, Webex's Certificate + ClientKeyExchange 40 ms later and its
// CertificateVerify + ChangeCipherSpec + Finished 83 ms after those
// (captures §5.2), the server's ChangeCipherSpec + Finished 1 ms later.
struct InboundTls {
    Host& wbx;
    Host& expe;
    TcpConnection c;
    Wire w;
    tls::Session s;
    std::vector<Flight> f;

    InboundTls(Timeline& tl, const Conn& k, const tls::Endpoint& client, const tls::Endpoint& server)
        : wbx(tl.host(k.webex)),
          expe(tl.host(expressway_e())),
          c(tl, wbx, k.port, expe, 5062),
          w(c, c.handshake(k.t0)),
          s(client, server, k.tls_seed, unix_seconds(k.t0)),
          f(s.handshake()) {}

    void hello_and_server_flight() {
        w.write(kClient, 150 * kUs, f.at(0).bytes);
        w.write(kServer, 13 * kMs, f.at(1).bytes);
    }
    // Webex's flight in its two parts; returns the start of the second.
    uint64_t client_flight(const std::vector<uint8_t>& flight) {
        auto [cert_cke, rest] = tls::split_before(flight, 15);  // before CertificateVerify
        uint64_t first = w.write(kClient, 40 * kMs, cert_cke);
        if (rest.empty()) return first;
        return w.write_at(kClient, first + 83 * kMs, rest);
    }
};

void inbound_healthy(Timeline& tl, const Conn& k, std::span<const SipWrite> sip, uint64_t linger) {
    InboundTls x(tl, k, webex_client(tls::webex_l2sip()), expressway(tls::expressway_public(), true, true));
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "inbound healthy");
    x.hello_and_server_flight();
    x.client_flight(x.f[2].bytes);
    x.w.write(kServer, 1 * kMs, x.f[3].bytes);
    play_call(x.c, x.w, x.s, sip, linger);
}

// TLS-1: the Expressway-E does not trust Webex's CA. Webex's chain ends in
// its self-signed root, so OpenSSL refuses it with "self signed certificate
// in certificate chain" and alert 48 unknown_ca, as soon as the Certificate
// arrives (guide C4: ack = 1 + ClientHello + Certificate/CKE). The
// Expressway closes (FIN); Webex's CertificateVerify flight, already on its
// way, reaches a closed socket and is answered by a reset.
void inbound_untrusted_cloud_ca(Timeline& tl, const Conn& k) {
    InboundTls x(tl, k, webex_client(tls::webex_l2sip()), expressway(tls::expressway_public(), false, true));
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "TLS-1");
    x.hello_and_server_flight();
    auto [cert_cke, rest] = tls::split_before(x.f[2].bytes, 15);
    uint64_t t_cert = x.w.write(kClient, 40 * kMs, cert_cke);
    uint64_t t_alert = x.w.write(kServer, 1500 * kUs, x.f[3].bytes);  // chain verified, refused
    x.c.fin(kServer, t_alert + 45 * kUs);
    uint64_t t_rest = x.w.write_at(kClient, t_cert + 83 * kMs, rest, false);
    x.c.reset_reply(kServer, x.c.answer_time(kServer, t_rest, kKernelThink));
}

// TLS-2 / TLS-6 (and the identity-missing variant): the handshake completes;
// the Expressway-E's identity check refuses the peer and it closes at once,
// FIN then RST (guide C5/C8: "Expressway-E RSTs Connection"), before any
// application data. Webex's delayed ACK of the FIN is overtaken by the RST.
void inbound_closed_after_handshake(Timeline& tl, const Conn& k, const tls::Credential& webex_cred) {
    InboundTls x(tl, k, webex_client(webex_cred), expressway(tls::expressway_public(), true, true));
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "TLS-2");
    x.hello_and_server_flight();
    x.client_flight(x.f[2].bytes);
    x.w.write(kServer, 1 * kMs, x.f[3].bytes, false);  // Webex's delayed ACK never leaves
    uint64_t t_fin = x.c.fin(kServer, x.w.last() + 80 * kUs, false);
    x.c.abort(kServer, t_fin + 25 * kUs);
}

// TLS-3 / TLS-5 / TLS-7: Webex refuses the Expressway-E's certificate with a
// fatal alert right after the server flight, without sending its own
// Certificate (its Seq stays at 1 + ClientHello), then closes: alert, FIN,
// the Expressway's FIN, the last ACK (guide C1).
void inbound_rejected_by_cloud(Timeline& tl, const Conn& k, const tls::Credential& expe_cred, uint8_t alert,
                               uint64_t think) {
    InboundTls x(tl, k, webex_client(tls::webex_l2sip(), alert), expressway(expe_cred, true, true));
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient}, "rejected by cloud");
    x.hello_and_server_flight();
    uint64_t t_alert = x.w.write(kClient, think, x.f[2].bytes);
    x.c.close(kClient, t_alert + 52 * kUs);
}

// The ClientHello is ACKed by the Expressway-E's kernel and never answered;
// Webex gives up after a minute (FIN), the stuck Expressway never closes.
void inbound_stalled(Timeline& tl, const Conn& k) {
    InboundTls x(tl, k, webex_client(tls::webex_l2sip()), expressway(tls::expressway_public(), true, true));
    x.w.write(kClient, 150 * kUs, x.f.at(0).bytes);
    x.c.fin(kClient, x.w.last() + 60 * kSec);
}

// TLS 1.3 between the same endpoints: the Expressway-E refuses Webex's
// certificate (untrusted CA) with an alert that TLS 1.3 encrypts, then closes.
void inbound_tls13_failed(Timeline& tl, const Conn& k) {
    tls::Endpoint client = webex_client(tls::webex_l2sip());
    tls::Endpoint server = expressway(tls::expressway_public(), false, true);
    client.max_version = server.max_version = tls::kTls13;
    InboundTls x(tl, k, client, server);
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "TLS 1.3");
    x.hello_and_server_flight();
    x.w.write(kClient, 40 * kMs, x.f[2].bytes);
    uint64_t t_alert = x.w.write(kServer, 1500 * kUs, x.f[3].bytes);
    x.c.close(kServer, t_alert + 45 * kUs);
}

// --- outbound: the Expressway-E is the TLS client.

// ClientHello 120 us after the TCP handshake, Webex's server flight 2 ms
// later, the Expressway's Certificate 6 ms after that and its
// ClientKeyExchange + CertificateVerify + CCS + Finished 35 ms later
// (guide C7), Webex's CCS + Finished 2 ms after receiving them.
struct OutboundTls {
    TcpConnection c;
    Wire w;
    tls::Session s;
    std::vector<Flight> f;

    OutboundTls(Timeline& tl, const Conn& k, const tls::Credential& expe_cred, Timeline* inside = nullptr)
        : c(connection(tl, k, inside)),
          w(c, c.handshake(k.t0)),
          s(expressway(expe_cred, true, false), webex_server(), k.tls_seed, unix_seconds(k.t0)),
          f(s.handshake()) {}

    static TcpConnection connection(Timeline& tl, const Conn& k, Timeline* inside) {
        TcpConnection c(tl, tl.host(expressway_e()), k.port, tl.host(k.webex), 5062);
        if (inside) c.also_inside(*inside, expressway_pre_nat(), 80 * kUs);
        return c;
    }

    // Everything up to the client's Certificate; `rest` gets the client
    // flight's tail (ClientKeyExchange .. Finished).
    void through_client_certificate(std::vector<uint8_t>& rest) {
        w.write(kClient, 120 * kUs, f.at(0).bytes);
        w.write(kServer, 2 * kMs, f.at(1).bytes);
        auto [cert, tail] = tls::split_before(f.at(2).bytes, 16);  // before ClientKeyExchange
        w.write(kClient, 6 * kMs, cert);
        rest = std::move(tail);
    }
    // The tail follows Webex's ACK of the Certificate by 14 us (guide C7:
    // frames 264/265); returns the time of its last segment.
    uint64_t client_tail(const std::vector<uint8_t>& rest, bool peer_acks) {
        uint64_t t_ack = c.answer_time(kServer, w.last(), kKernelThink);
        w.write_at(kClient, t_ack + 14 * kUs, rest, peer_acks);
        return w.last();
    }
};

void outbound_healthy(Timeline& tl, const Conn& k, std::span<const SipWrite> sip, uint64_t linger) {
    OutboundTls x(tl, k, tls::expressway_public());
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "outbound healthy");
    std::vector<uint8_t> rest;
    x.through_client_certificate(rest);
    x.w.write(kClient, 35 * kMs, rest);
    x.w.write(kServer, 2 * kMs, x.f[3].bytes);
    play_call(x.c, x.w, x.s, sip, linger);
}

// The RST a middlebox forges in Webex's name: Win 0, TSecr 0, WS=1, and a
// TSval reflected from the Expressway-E's own clock (guide C7), with a TTL
// and an IP-ID that are not Webex's.
TcpConnection::Forged forged_rst(Timeline& tl, const TcpConnection& c, uint64_t t_client, uint8_t ttl) {
    TcpConnection::Forged f;
    f.flags = kRst;
    f.ttl = ttl;
    f.ip_id = uint16_t(tl.id().next() | 0x8000);
    f.window = 0;
    f.tsval = c.tsval(kClient, t_client);
    f.tsecr = 0;
    f.wscale = 1;
    return f;
}

// TLS-4 on the outside: a vcse-like outbound handshake; an inline device
// beyond the tap drops the Expressway's final flight and resets the
// connection in Webex's name 0.6 ms later (the measured RTT is ~38 ms). No
// alert from either side; Webex, which never got the flight, stays silent.
void outbound_midpath_reset(Timeline& tl, const Conn& k) {
    OutboundTls x(tl, k, tls::vcse_public());
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "TLS-4");
    std::vector<uint8_t> rest;
    x.through_client_certificate(rest);
    const uint64_t t_flight = x.client_tail(rest, false);
    // Two hops beyond the tap, a Linux-like initial TTL of 64: 62, not Webex's 49.
    x.c.forge(kServer, t_flight + 600 * kUs, forged_rst(tl, x.c, t_flight, 62));
}

// The guide's own case, seen from both sides of the firewall: the firewall's
// inspection resets the Expressway-E 0.44 ms after its final flight, in
// Webex's name, on the inside only; it forwarded the flight, so Webex answers
// with its ChangeCipherSpec + Finished and retransmits them, unanswered, on
// the outside only (the firewall drops them: the session is gone).
void two_vantage_forged_rst(Timeline& outside, Timeline& inside, const Conn& k) {
    OutboundTls x(outside, k, tls::vcse_public(), &inside);
    expect_senders(x.f, {Peer::kClient, Peer::kServer, Peer::kClient, Peer::kServer}, "two-vantage");
    std::vector<uint8_t> rest;
    x.through_client_certificate(rest);
    const uint64_t t_flight = x.client_tail(rest, false);

    // Inside only: the forged RST, TTL 64 as it leaves the firewall.
    x.c.set_taps(TcpConnection::kInsideTap);
    const uint64_t transit = 80 * kUs;
    x.c.forge(kServer, t_flight - 2 * transit + 440 * kUs, forged_rst(outside, x.c, t_flight, 64));

    // Outside only: Webex's ACK, its CCS + Finished and their retransmissions
    // (Linux RTO from ~38 ms RTT: 200 ms floor, doubling).
    x.c.set_taps(TcpConnection::kOutsideTap);
    x.c.ack(kServer, x.c.answer_time(kServer, t_flight, kKernelThink));
    const uint32_t seq = x.c.next_seq(kServer);
    uint64_t t = x.w.write(kServer, 2 * kMs, x.f[3].bytes, false);
    uint64_t rto = 238 * kMs;
    for (int i = 0; i < 5; ++i, rto *= 2) {
        t += rto;
        x.c.resend(kServer, t, seq, x.f[3].bytes);
    }
    x.c.set_taps(TcpConnection::kBothTaps);
}

// --- the scenarios

// The guide's healthy inbound connection (146.20.193.73:40342, EN L1272) and
// the outbound INVITE leg (25034 -> 146.20.193.64, EN L3558) 24 s later.
void tls_healthy(Timeline& tl, uint64_t t0) {
    inbound_healthy(tl, {webex_73(), 40342, t0, tl.id().next()}, kInboundSip, 3 * kSec);
    outbound_healthy(tl, {webex_64(), 25034, t0 + 24426 * kMs, tl.id().next()}, kOutboundSip, 2 * kSec);
}

void tls_untrusted_cloud_ca(Timeline& tl, uint64_t t0) {
    inbound_untrusted_cloud_ca(tl, {webex_73(), 58531, t0, tl.id().next()});
}

void tls_identity_rejected(Timeline& tl, uint64_t t0) {
    inbound_closed_after_handshake(tl, {webex_45(), 46049, t0, tl.id().next()}, tls::webex_l2sip());
}

void tls_cloud_identity_missing(Timeline& tl, uint64_t t0) {
    inbound_closed_after_handshake(tl, {webex_73(), 44205, t0, tl.id().next()},
                                   tls::webex_l2sip_without_service_names());
}

// Alert delays after the server flight, as Webex's answer time (captures
// §5.2): ~111 ms at the Expressway in C6 (RTT 54 ms), ~313 ms in C1, ~14 ms
// in C9 (RTT 12 ms).
void tls_incomplete_chain(Timeline& tl, uint64_t t0) {
    inbound_rejected_by_cloud(tl, {webex_45(), 33441, t0, tl.id().next()}, tls::expressway_leaf_only(),
                              tls::kCertificateUnknown, 57 * kMs);
}

void tls_cert_rejected_by_cloud(Timeline& tl, uint64_t t0) {
    inbound_rejected_by_cloud(tl, {webex_45(), 48520, t0, tl.id().next()}, tls::expressway_public(),
                              tls::kCertificateUnknown, 300 * kMs);
}

void tls_default_cert(Timeline& tl, uint64_t t0) {
    inbound_rejected_by_cloud(tl, {webex_45(), 59720, t0, tl.id().next()}, tls::expressway_temporary(),
                              tls::kCertificateUnknown, 300 * kUs);
}

void tls_midpath_reset(Timeline& tl, uint64_t t0) {
    outbound_midpath_reset(tl, {webex_64(), 28351, t0, tl.id().next()});
}

void tls_handshake_stalled(Timeline& tl, uint64_t t0) { inbound_stalled(tl, {webex_73(), 39986, t0, tl.id().next()}); }

void tls13_failed(Timeline& tl, uint64_t t0) { inbound_tls13_failed(tl, {webex_70(), 41822, t0, tl.id().next()}); }

// OUT-2's lookup while the Expressway-E already holds its mutual-TLS
// connection to l2sip-cfa-01, up for ten minutes with an OPTIONS ping every
// 60 s: the next call resolves callservice again and rides the live
// connection, so no SYN follows the answer and nothing failed (no
// CONNECT_NOT_ATTEMPTED, however long ago the connection started).
constexpr SipWrite kOptionsPing[] = {
    {kClient, 520, 60 * kSec, "OPTIONS sip:l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"},
    {kServer, 390, 21 * kMs, "SIP/2.0 200 OK"},
};
void dns_answer_while_connected(Timeline& tl, uint64_t t0) {
    std::vector<SipWrite> pings;
    for (int i = 0; i < 11; ++i) pings.insert(pings.end(), std::begin(kOptionsPing), std::end(kOptionsPing));
    outbound_healthy(tl, {webex_64(), 25034, t0, tl.id().next()}, pings, 2 * kSec);
    const uint64_t t_query = t0 + 605 * kSec;
    callservice_srv_lookup(tl, t_query, t_query + 78 * kMs);
}

// 200 connections over about five minutes: healthy calls both ways (55%)
// and every failure above (two-vantage aside), between the Expressway-E and
// four Webex peers.
constexpr size_t kMixedConnections = 200;
void tls_mixed(Timeline& tl, uint64_t t0) {
    const HostSpec peers[] = {webex_73(), webex_64(), webex_70(), webex_45()};
    Rng& r = tl.shape();
    uint16_t webex_port = uint16_t(r.between(33000, 40000));
    uint16_t expe_port = 25100;
    uint64_t t = t0;
    for (size_t i = 0; i < kMixedConnections; ++i, t += r.between(700, 2300) * kMs) {
        const HostSpec& peer = peers[r.below(std::size(peers))];
        const uint64_t kind = r.below(100);
        const uint64_t seed = tl.id().next();
        const Conn in{peer, webex_port++, t, seed};
        const Conn out{peer, expe_port++, t, seed};
        if (kind < 30) {
            inbound_healthy(tl, in, kShortInboundSip, 800 * kMs);
        } else if (kind < 55) {
            outbound_healthy(tl, out, kShortOutboundSip, 800 * kMs);
        } else if (kind < 60) {
            inbound_untrusted_cloud_ca(tl, in);
        } else if (kind < 65) {
            inbound_closed_after_handshake(tl, in, tls::webex_l2sip());
        } else if (kind < 69) {
            inbound_closed_after_handshake(tl, in, tls::webex_l2sip_without_service_names());
        } else if (kind < 74) {
            inbound_rejected_by_cloud(tl, in, tls::expressway_leaf_only(), tls::kCertificateUnknown, 57 * kMs);
        } else if (kind < 79) {
            inbound_rejected_by_cloud(tl, in, tls::expressway_public(), tls::kCertificateUnknown, 300 * kMs);
        } else if (kind < 84) {
            inbound_rejected_by_cloud(tl, in, tls::expressway_temporary(), tls::kCertificateUnknown, 300 * kUs);
        } else if (kind < 89) {
            outbound_midpath_reset(tl, out);
        } else if (kind < 93) {
            inbound_stalled(tl, in);
        } else {
            inbound_tls13_failed(tl, in);
        }
    }
}

// --- the registry

template <void (*Fn)(Timeline&, uint64_t), uint64_t kStart>
std::vector<Frame> run(const ScenarioOptions& o) {
    Timeline tl(o);
    Fn(tl, kStart);
    return tl.finish();
}

constexpr uint64_t kTls4Start = utc(2017, 6, 13, 18, 31, 38, 600'112);

std::vector<Frame> run_two_vantage(const ScenarioOptions& o) {
    Timeline outside(o);
    Timeline inside(o);
    two_vantage_forged_rst(outside, inside, {webex_64(), 28351, kTls4Start, outside.id().next()});
    if (o.inside) *o.inside = inside.finish();
    return outside.finish();
}

const Scenario kTlsScenarios[] = {
    {"tls-healthy", "mutual TLS 1.2 on 5062 inbound and outbound, both chains, SIP in records, clean close: TLS_OK",
     false, run<tls_healthy, utc(2017, 9, 19, 18, 1, 46, 460'917)>},
    {"tls-untrusted-cloud-ca", "TLS-1: Exp-E answers Webex's Certificate with fatal unknown_ca (48), FIN, RST", false,
     run<tls_untrusted_cloud_ca, utc(2017, 9, 20, 14, 49, 18, 378'204)>},
    {"tls-identity-rejected", "TLS-2/6: handshake completes (SAN callservice.ciscospark.com), Exp-E FIN+RST, no data",
     false, run<tls_identity_rejected, utc(2017, 9, 20, 15, 17, 42, 449'310)>},
    {"tls-cloud-identity-missing", "TLS-2 variant: Webex leaf without callservice.* SANs, Exp-E FIN+RST after handshake",
     false, run<tls_cloud_identity_missing, utc(2017, 9, 22, 14, 9, 56, 471'082)>},
    {"tls-incomplete-chain", "TLS-3: Exp-E sends its leaf only; Webex answers fatal certificate_unknown (46), FIN",
     false, run<tls_incomplete_chain, utc(2017, 9, 19, 15, 12, 9, 497'518)>},
    {"tls-cert-rejected-by-cloud", "TLS-5: full GoDaddy chain, Webex still answers fatal certificate_unknown (46), FIN",
     false, run<tls_cert_rejected_by_cloud, utc(2017, 9, 20, 14, 22, 13, 293'817)>},
    {"tls-default-cert", "TLS-7: Exp-E presents its Temporary Certificate; Webex answers fatal certificate_unknown (46)",
     false, run<tls_default_cert, utc(2017, 9, 26, 12, 18, 8, 415'918)>},
    {"tls-midpath-reset", "TLS-4: outbound vcse-like handshake reset in Webex's name (wrong TTL/IP-ID/TSval, < RTT), no alert",
     false, run<tls_midpath_reset, kTls4Start>, false, true},
    {"tls-forged-rst-two-vantage", "TLS-4 outside (--out) and inside (--out-inside, 172.16.2.2): forged RST inside only",
     false, run_two_vantage, true},
    {"tls-handshake-stalled", "ClientHello ACKed by the Exp-E and never answered; Webex gives up (FIN) after 60 s",
     false, run<tls_handshake_stalled, utc(2017, 9, 21, 10, 4, 31, 112'650)>},
    {"tls13-failed", "TLS 1.3 mutual handshake; Exp-E refuses Webex's certificate (encrypted alert) and closes", false,
     run<tls13_failed, utc(2017, 9, 21, 11, 27, 5, 903'441)>},
    {"dns-answer-while-connected",
     "OUT-2 lookup while the Exp-E's TLS connection to l2sip-cfa-01 is up (10 min, OPTIONS every 60 s): no new SYN, no failure",
     false, run<dns_answer_while_connected, utc(2017, 9, 19, 14, 8, 30, 0)>},
    {"tls-mixed", "200 mutual-TLS connections over ~5 minutes: 55% healthy calls, every TLS failure above", false,
     run<tls_mixed, utc(2017, 9, 21, 15, 0, 0, 0)>, false, true},
};

}  // namespace

std::span<const Scenario> tls_scenarios() { return kTlsScenarios; }

}  // namespace cs::gen
