#include "tools/gen/scenarios.h"

#include "tools/gen/byte_writer.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "pipeline/packet_view.h"
#include "tools/gen/dns_scenarios.h"
#include "tools/gen/packet_builder.h"
#include "tools/gen/sip_scenarios.h"

// Time, randomness, the hosts, the tap (Timeline), the TCP connection model
// and UDP socket pairs are in scenarios.h, shared with tls_scenarios.cpp,
// sip_scenarios.cpp and dns_scenarios.cpp (which also makes the Expressway-E's
// SRV lookup of the call service). This file is laid out bottom-up: the
// conversation scripts; payloads and traffic mixes for the background; then
// the TCP scenarios and the registry (which also lists tls_scenarios(),
// sip_scenarios() and dns_scenarios()). Adding a scenario is one function
// that writes into a Timeline plus one line in kScenarios.

namespace cs::gen {

namespace {



// What an application write carries: a function that makes `bytes` bytes of
// it (or a natural size near that, for text protocols).
using Content = std::vector<uint8_t> (*)(Timeline&, uint32_t bytes);

// Opaque bytes. The first is 0 so that no content detector mistakes the
// stream for a TLS record or a SIP start line.
std::vector<uint8_t> opaque(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> p = random_payload(tl, bytes);
    if (!p.empty()) p[0] = 0;
    return p;
}

// A conversation as a list of application writes. A write by the side that
// just received answers it (after the peer's path and `think`); a write by the
// side that wrote last follows its previous write after `think`.
struct Step {
    Side from;
    uint32_t bytes;
    uint64_t think_ns;
    Content content = opaque;
};

// Plays `steps` after the handshake ACK seen at t; returns the last write's time.
uint64_t play(Timeline& tl, TcpConnection& c, uint64_t t, std::span<const Step> steps) {
    Side last = Side::kClient;  // the handshake's final ACK
    for (const Step& s : steps) {
        uint64_t start = s.from == last ? t + s.think_ns : c.answer_time(s.from, t, s.think_ns);
        t = c.send(s.from, start, s.content(tl, s.bytes));
        last = s.from;
    }
    return t;
}

// ---------------------------------------------------------------------------
// Conversations on 5062. Payloads are opaque (real TLS comes with the TLS
// scenarios); the write sizes and gaps follow the captures' size and timing
// model (captures §5.1, §5.2), so segment and ACK patterns look real.

using enum Side;

// Webex calls in: Webex is the TLS client. ClientHello 200 B; the Expressway's
// flight (full chain, CertificateRequest) 4745 B after 13 ms; Webex's
// Certificate + ClientKeyExchange 5700 B, CertificateVerify + CCS + Finished
// 320 B 83 ms later; CCS + Finished 51 B. Then SIP in TLS records: INVITE
// ~1.68 s after the connect (guide §3.1), 100 Trying, 180, 200 OK, ACK, and
// after the call BYE / 200 OK.
constexpr Step kInboundCall[] = {
    {kClient, 200, 150 * kUs},   {kServer, 4745, 13 * kMs},   {kClient, 5700, 40 * kMs},
    {kClient, 320, 83 * kMs},    {kServer, 51, 1 * kMs},      {kClient, 2464, 1355 * kMs},
    {kServer, 453, 2 * kMs},     {kServer, 812, 900 * kMs},   {kServer, 1893, 4100 * kMs},
    {kClient, 587, 3 * kMs},     {kClient, 640, 8200 * kMs},  {kServer, 495, 2 * kMs},
};

// The Expressway-E calls out: it is the TLS client. Webex's server flight
// 6086 B (C7), the Expressway's Certificate (full chain) 3938 B and
// CKE + CertificateVerify + CCS + Finished 719 B, Webex's CCS + Finished 51 B;
// then INVITE with SDP (Content-Length 1407), 200 OK, ACK, BYE, 200 OK.
constexpr Step kOutboundCall[] = {
    {kClient, 232, 120 * kUs},   {kServer, 6086, 2 * kMs},    {kClient, 3938, 6 * kMs},
    {kClient, 719, 35 * kMs},    {kServer, 51, 2 * kMs},      {kClient, 2783, 1 * kMs},
    {kServer, 1714, 3900 * kMs}, {kClient, 612, 2 * kMs},     {kClient, 655, 6400 * kMs},
    {kServer, 502, 2 * kMs},
};

// Shorter calls for the mixes: handshake, INVITE, 200 OK, ACK.
constexpr Step kShortInboundCall[] = {
    {kClient, 200, 150 * kUs}, {kServer, 4745, 13 * kMs}, {kClient, 5700, 40 * kMs}, {kClient, 320, 83 * kMs},
    {kServer, 51, 1 * kMs},    {kClient, 2464, 50 * kMs}, {kServer, 1893, 600 * kMs}, {kClient, 587, 3 * kMs},
};
constexpr Step kShortOutboundCall[] = {
    {kClient, 232, 120 * kUs}, {kServer, 6086, 2 * kMs},  {kClient, 3938, 6 * kMs}, {kClient, 719, 35 * kMs},
    {kServer, 51, 2 * kMs},    {kClient, 2783, 1 * kMs},  {kServer, 1714, 700 * kMs}, {kClient, 612, 2 * kMs},
};

// Linux SYN retransmission backoff as the Webex side shows it (about +1, +3,
// +7 s) and the next attempt from a new source port about 10 s after the first.
constexpr uint64_t kWebexSynBackoff[] = {1003 * kMs + 215, 3011 * kMs + 470, 7027 * kMs + 128};
constexpr uint64_t kWebexRetryAfter = 10214 * kMs + 336;

// ---------------------------------------------------------------------------
// Web payloads for the background: TLS 1.3 as a browser and a server write it
// (ClientHello and ServerHello in clear, everything after as application-data
// records), HTTP/1.1 with a binary body, so tshark dissects them cleanly.

constexpr std::string_view kWebNames[] = {
    "www.office.com",    "outlook.office365.com", "login.microsoftonline.com", "update.googleapis.com",
    "www.cisco.com",     "s3.amazonaws.com",      "cdn.jsdelivr.net",          "github.com",
    "www.wikipedia.org", "fonts.gstatic.com",
};

std::string_view web_name(Timeline& tl) { return kWebNames[tl.shape().below(std::size(kWebNames))]; }

// `bytes` of application-data records (at least 22: header + AEAD tag).
void put_app_data(Timeline& tl, std::vector<uint8_t>& out, uint32_t bytes) {
    constexpr uint32_t kMaxRecord = 5 + 16384 + 17;
    bytes = std::max<uint32_t>(bytes, 22);
    uint32_t records = (bytes + kMaxRecord - 1) / kMaxRecord;
    for (uint32_t i = 0; i < records; ++i) {
        uint32_t len = (bytes - 5 * records) / records + (i + 1 == records ? (bytes - 5 * records) % records : 0);
        put8(out, 0x17);
        put16(out, 0x0303);
        put16(out, uint16_t(len));
        put_random(tl, out, len);
    }
}
std::vector<uint8_t> tls_app_data(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> out;
    put_app_data(tl, out, bytes);
    return out;
}

// A TLS record holding one handshake message of `type` with `body`.
void put_handshake_record(std::vector<uint8_t>& out, uint16_t record_version, uint8_t type,
                          const std::vector<uint8_t>& body) {
    put8(out, 0x16);
    put16(out, record_version);
    put16(out, uint16_t(4 + body.size()));
    put8(out, type);
    put24(out, uint32_t(body.size()));
    out.insert(out.end(), body.begin(), body.end());
}

void put_extension(std::vector<uint8_t>& out, uint16_t type, const std::vector<uint8_t>& data) {
    put16(out, type);
    put16(out, uint16_t(data.size()));
    out.insert(out.end(), data.begin(), data.end());
}

// A browser's ClientHello: TLS 1.3 with an X25519 key share, SNI, padded to `bytes`.
std::vector<uint8_t> tls13_client_hello(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> ext;
    std::string_view name = web_name(tl);
    std::vector<uint8_t> sni;
    put16(sni, uint16_t(name.size() + 3));
    put8(sni, 0);  // host_name
    put16(sni, uint16_t(name.size()));
    sni.insert(sni.end(), name.begin(), name.end());
    put_extension(ext, 0x0000, sni);
    put_extension(ext, 0x000a, {0x00, 0x04, 0x00, 0x1d, 0x00, 0x17});                    // x25519, secp256r1
    put_extension(ext, 0x000d, {0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01});        // signature algorithms
    put_extension(ext, 0x002b, {0x04, 0x03, 0x04, 0x03, 0x03});                          // TLS 1.3, 1.2
    put_extension(ext, 0x002d, {0x01, 0x01});                                            // psk_dhe_ke
    std::vector<uint8_t> ks = {0x00, 0x24, 0x00, 0x1d, 0x00, 0x20};
    put_random(tl, ks, 32);
    put_extension(ext, 0x0033, ks);

    std::vector<uint8_t> body;
    put16(body, 0x0303);
    put_random(tl, body, 32);  // random
    put8(body, 32);
    put_random(tl, body, 32);  // legacy session id
    for (uint16_t v : {uint16_t(8), uint16_t(0x1301), uint16_t(0x1302), uint16_t(0x1303), uint16_t(0xc02b)}) put16(body, v);
    put8(body, 1);
    put8(body, 0);  // null compression
    // RFC 7685 padding brings the record to the size browsers send.
    size_t unpadded = 5 + 4 + body.size() + 2 + ext.size();
    if (bytes >= unpadded + 4) put_extension(ext, 0x0015, std::vector<uint8_t>(bytes - unpadded - 4, 0));
    put16(body, uint16_t(ext.size()));
    body.insert(body.end(), ext.begin(), ext.end());
    std::vector<uint8_t> out;
    put_handshake_record(out, 0x0301, 1, body);
    return out;
}

// ServerHello, ChangeCipherSpec, then the encrypted rest of the flight as
// application-data records, `bytes` in all.
std::vector<uint8_t> tls13_server_flight(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> body;
    put16(body, 0x0303);
    put_random(tl, body, 32);
    put8(body, 32);
    put_random(tl, body, 32);  // echoes the client's session id in a real server
    put16(body, 0x1301);
    put8(body, 0);
    std::vector<uint8_t> ks = {0x00, 0x1d, 0x00, 0x20};
    put_random(tl, ks, 32);
    std::vector<uint8_t> ext;
    put_extension(ext, 0x002b, {0x03, 0x04});
    put_extension(ext, 0x0033, ks);
    put16(body, uint16_t(ext.size()));
    body.insert(body.end(), ext.begin(), ext.end());
    std::vector<uint8_t> out;
    put_handshake_record(out, 0x0303, 2, body);
    for (uint8_t b : {0x14, 0x03, 0x03, 0x00, 0x01, 0x01}) put8(out, b);
    put_app_data(tl, out, bytes > out.size() + 22 ? uint32_t(bytes - out.size()) : 22);
    return out;
}

// The client's ChangeCipherSpec and encrypted Finished.
std::vector<uint8_t> tls13_client_finished(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> out = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    put_app_data(tl, out, bytes > 28 ? bytes - 6 : 22);
    return out;
}

std::vector<uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> http_request(Timeline& tl, uint32_t) {
    char path[32];
    std::snprintf(path, sizeof path, "/static/%016llx.js", static_cast<unsigned long long>(tl.shape().next()));
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(web_name(tl)) +
                      "\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/61.0.3163.100 Safari/537.36\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
                      "Connection: close\r\n\r\n";
    return text(req);
}

// A 200 OK carrying `bytes` of body.
std::vector<uint8_t> http_response(Timeline& tl, uint32_t bytes) {
    std::vector<uint8_t> out = text("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\n"
                                    "Content-Length: " + std::to_string(bytes) + "\r\nConnection: close\r\n\r\n");
    put_random(tl, out, bytes);
    return out;
}

// NTP (RFC 5905) timestamps: seconds since 1900 and a binary fraction.
void put_ntp_time(std::vector<uint8_t>& p, uint64_t t_ns) {
    constexpr uint64_t kNtpEra = 2'208'988'800;  // 1900-01-01 to 1970-01-01
    put32(p, uint32_t(t_ns / kSec + kNtpEra));
    put32(p, uint32_t(((t_ns % kSec) << 32) / kSec));
}

// ---------------------------------------------------------------------------
// Traffic mixes: unmonitored background (HTTPS, HTTP, IPsec NAT-T, NTP) and
// monitored 5061/5062 sessions between many hosts, for the demo and the
// throughput pcap. Ports in the background never touch the default monitored
// set (TCP 5060-5062, 5065, 8934; UDP 53, 5060).

class TrafficMix {
public:
    explicit TrafficMix(Timeline& tl) : tl_(tl) {
        Rng& r = tl.shape();
        // On-prem clients behind the firewall's NAT pool, and some with IPv6.
        for (int i = 0; i < 48; ++i) {
            const StackProfile* st = r.percent(60) ? &kWindowsStack : &kLinuxStack;
            clients_.push_back({v4(64, 102, 241, uint8_t(10 + i)), st, 1, 300 * kUs, true, 1'000'000'000});
        }
        for (int i = 0; i < 12; ++i) {
            const StackProfile* st = r.percent(60) ? &kWindowsStack : &kLinuxStack;
            clients_v6_.push_back({v6(0x20010db864660001, 0x10 + uint64_t(i)), st, 1, 300 * kUs, true, 1'000'000'000});
        }
        // Internet servers: public-looking addresses away from the guide's
        // (64.102.241.0/24, 146.20.0.0/16) and from private and special space.
        for (int i = 0; i < 400; ++i) servers_.push_back(server_spec(public_v4(r), r));
        for (int i = 0; i < 60; ++i)
            servers_v6_.push_back(server_spec(v6(0x20010db800000000 | r.between(1, 0xffffff) << 8, r.between(1, 0xffff)), r));
        // Other SIP-TLS (5061) peers of the Expressway-E.
        for (int i = 0; i < 20; ++i) sip_peers_.push_back(server_spec(public_v4(r), r));
    }

    // One unmonitored flow starting at t.
    void background_flow(uint64_t t) {
        Rng& r = tl_.shape();
        std::vector<uint16_t> vlans = pick_vlans();
        bool ipv6 = r.percent(12);
        Host& client = tl_.host(ipv6 ? clients_v6_[r.below(clients_v6_.size())] : clients_[r.below(clients_.size())]);
        Host& server = tl_.host(ipv6 ? servers_v6_[r.below(servers_v6_.size())] : servers_[r.below(servers_.size())]);
        uint64_t kind = r.below(100);
        if (kind < 70) {
            https_flow(client, server, t, vlans);
        } else if (kind < 80) {
            http_flow(client, server, t, vlans);
        } else if (kind < 90) {
            ipsec_burst(t);
        } else {
            ntp_exchange(client, server, t, vlans);
        }
    }

    // One monitored 5061/5062 connection starting at t; a few fail.
    void monitored_flow(uint64_t t) {
        Rng& r = tl_.shape();
        std::vector<uint16_t> vlans = pick_vlans();
        Host& expe = tl_.host(expressway_e());
        Host& wbx = tl_.host(webex_peers_[r.below(std::size(webex_peers_))]);
        uint64_t kind = r.below(100);
        if (kind < 44) {
            TcpConnection c(tl_, wbx, ephemeral(wbx), expe, 5062, vlans);
            c.close(kClient, play(tl_, c, c.handshake(t), kShortInboundCall) + 800 * kMs);
        } else if (kind < 84) {
            TcpConnection c(tl_, expe, expe_port(), wbx, 5062, vlans);
            c.close(kClient, play(tl_, c, c.handshake(t), kShortOutboundCall) + 800 * kMs);
        } else if (kind < 96) {
            // SIP over TLS 1.3 on 5061 with another organisation's border controller.
            Host& peer = tl_.host(sip_peers_[r.below(sip_peers_.size())]);
            const Step steps[] = {{kClient, 517, 100 * kUs, tls13_client_hello},
                                  {kServer, 3100, 4 * kMs, tls13_server_flight},
                                  {kClient, 80, 2 * kMs, tls13_client_finished},
                                  {kClient, uint32_t(r.between(900, 2600)), 1 * kMs, tls_app_data},
                                  {kServer, uint32_t(r.between(400, 1800)), 30 * kMs, tls_app_data}};
            bool inbound = r.percent(50);
            TcpConnection c = inbound ? TcpConnection(tl_, peer, ephemeral(peer), expe, 5061, vlans)
                                      : TcpConnection(tl_, expe, expe_port(), peer, 5061, vlans);
            c.close(kClient, play(tl_, c, c.handshake(t), steps) + 500 * kMs);
        } else if (kind < 98) {
            TcpConnection c(tl_, wbx, ephemeral(wbx), expe, 5062, vlans);
            c.syn_with_retransmits(t, kWebexSynBackoff);
        } else {
            TcpConnection c(tl_, wbx, ephemeral(wbx), expe, 5062, vlans);
            c.syn(t);
            c.refuse(t, 44 * kUs);
        }
    }

private:
    static IpAddr public_v4(Rng& r) {
        static constexpr uint8_t kFirstOctets[] = {13, 17, 23, 31, 34, 35, 40, 52, 54, 69, 72, 93, 104, 140, 151, 157, 185, 199, 204, 208};
        return v4(kFirstOctets[r.below(std::size(kFirstOctets))], uint8_t(r.between(1, 254)), uint8_t(r.below(256)),
                  uint8_t(r.between(1, 254)));
    }
    static HostSpec server_spec(IpAddr addr, Rng& r) {
        return {addr, &kLinuxStack, uint8_t(r.between(6, 20)), r.between(5, 60) * kMs, false,
                r.between(1, 10) * 100'000'000};
    }

    // Most flows untagged; some on an 802.1Q VLAN, a few QinQ.
    std::vector<uint16_t> pick_vlans() {
        uint64_t v = tl_.shape().below(100);
        if (v < 10) return {100};
        if (v < 13) return {300, 20};
        return {};
    }

    // Per-host ephemeral ports, counting up from a random start (Linux range).
    uint16_t ephemeral(const Host& h) {
        auto [it, fresh] = next_port_.try_emplace(h.spec.addr, 0);
        if (fresh) it->second = uint16_t(tl_.shape().between(32768, 50000));
        uint16_t p = it->second++;
        if (it->second > 60999) it->second = 32768;
        return p;
    }
    // The Expressway-E's outbound source ports (the guide's are 25010-28351).
    uint16_t expe_port() {
        uint16_t p = expe_port_++;
        if (expe_port_ > 29999) expe_port_ = 25000;
        return p;
    }

    // Response bodies: mostly small objects, a tail of large ones.
    uint32_t object_size() {
        Rng& r = tl_.shape();
        uint64_t k = r.below(100);
        if (k < 66) return uint32_t(r.between(150, 1400));
        if (k < 92) return uint32_t(r.between(1400, 6000));
        if (k < 99) return uint32_t(r.between(6000, 30000));
        return uint32_t(r.between(30000, 150000));
    }

    void https_flow(Host& client, Host& server, uint64_t t, const std::vector<uint16_t>& vlans) {
        Rng& r = tl_.shape();
        TcpConnection c(tl_, client, ephemeral(client), server, 443, vlans);
        std::vector<Step> steps = {{kClient, 517, 100 * kUs, tls13_client_hello},
                                   {kServer, uint32_t(r.between(2800, 5200)), r.between(1, 6) * kMs, tls13_server_flight},
                                   {kClient, 80, 1 * kMs, tls13_client_finished},
                                   {kServer, 258, 1 * kMs, tls_app_data}};  // session tickets
        for (uint64_t n = r.between(1, 6); n > 0; --n) {
            steps.push_back({kClient, uint32_t(r.between(90, 900)), r.between(1, 400) * kMs, tls_app_data});
            steps.push_back({kServer, object_size(), r.between(1, 40) * kMs, tls_app_data});
        }
        uint64_t last = play(tl_, c, c.handshake(t), steps);
        c.close(r.percent(70) ? kClient : kServer, last + r.between(50, 2000) * kMs);
    }

    void http_flow(Host& client, Host& server, uint64_t t, const std::vector<uint16_t>& vlans) {
        Rng& r = tl_.shape();
        TcpConnection c(tl_, client, ephemeral(client), server, 80, vlans);
        const Step steps[] = {{kClient, 0, 100 * kUs, http_request},
                              {kServer, object_size(), r.between(1, 30) * kMs, http_response}};
        c.close(kServer, play(tl_, c, c.handshake(t), steps) + r.between(5, 200) * kMs);
    }

    // Site-to-site IPsec between the firewall and a branch office, ESP in
    // UDP 4500 (NAT traversal): a tunnelled transfer one way, its ACKs the
    // other. Each tunnel keeps its SPIs, ESP sequence numbers and IP-IDs
    // across bursts.
    void ipsec_burst(uint64_t t) {
        Rng& r = tl_.shape();
        auto [it, fresh] = tunnels_.try_emplace(r.below(std::size(kBranches)));
        Tunnel& tun = it->second;
        if (fresh) {
            tun.flow.emplace(tl_, tl_.host(firewall()), 4500, tl_.host(branch(it->first)), 4500);
            for (int side = 0; side < 2; ++side) {
                tun.spi[side] = uint32_t(tl_.id().next()) | 0x100;  // SPIs 1-255 are reserved
                tun.seq[side] = uint32_t(tl_.id().below(1'000'000));
            }
        }
        auto esp = [this, &tun](Side from, uint64_t inner) {
            int side = from == kClient ? 0 : 1;
            std::vector<uint8_t> p;
            put32(p, tun.spi[side]);
            put32(p, ++tun.seq[side]);
            put_random(tl_, p, 8 + inner + 16);  // IV, ciphertext, ICV (AES-GCM)
            return p;
        };
        const Side data = r.percent(60) ? kServer : kClient;  // mostly branch -> headquarters
        uint64_t n = r.between(2, 24);
        // A tunnel's bursts follow each other, so its sequence numbers and
        // IP-IDs rise in time order.
        uint64_t td = std::max(t, tun.busy_until);
        for (uint64_t i = 0; i < n; ++i) {
            tun.flow->send(data, td, esp(data, r.percent(80) ? r.between(1340, 1380) : r.between(60, 900)));
            if (i % 2 == 1 || i + 1 == n) {
                uint64_t ta = tun.flow->answer_time(other(data), td, 60 * kUs);
                tun.flow->send(other(data), ta, esp(other(data), r.between(40, 60)));
                tun.busy_until = ta + 1 * kMs;
            }
            td += 150 * kUs;
        }
    }

    // An NTP client/server exchange (mode 3 / mode 4). Like chrony and
    // systemd-timesyncd the client asks from an ephemeral port.
    void ntp_exchange(Host& client, Host& server, uint64_t t, const std::vector<uint16_t>& vlans) {
        UdpFlow f(tl_, client, ephemeral(client), server, 123, vlans);
        std::vector<uint8_t> q = {0x23, 0, 6, 0xe9};  // v4 client, poll 64 s, precision 2^-23
        q.resize(40, 0);
        put_ntp_time(q, t);
        f.send(kClient, t, q);

        uint64_t t_reply = f.answer_time(kServer, t, 30 * kUs);
        uint64_t t_rx = t + server.spec.tap_delay_ns;  // when the request reached the server
        std::vector<uint8_t> a = {0x24, 2, 6, 0xe8};    // v4 server, stratum 2, precision 2^-24
        put32(a, 0x00000123);                           // root delay
        put32(a, 0x00000456);                           // root dispersion
        put32(a, 0xc0248f97);                           // reference id: its upstream's address
        put_ntp_time(a, t - 37 * kSec);                 // reference time
        a.insert(a.end(), q.begin() + 40, q.end());     // origin = the client's transmit time
        put_ntp_time(a, t_rx);
        put_ntp_time(a, t_rx + 30 * kUs);
        f.send(kServer, t_reply, a);
    }

    // The firewall itself terminates the tunnels (a Cisco ASA: initial TTL 255).
    static HostSpec firewall() { return {v4(64, 102, 241, 1), &kFirewallStack, 0, 0, true, 1'000'000'000}; }
    static constexpr std::array<uint8_t, 4> kBranches[] = {{72, 21, 81, 40}, {98, 137, 12, 6}, {185, 40, 3, 77}, {203, 5, 113, 9}};
    static HostSpec branch(size_t i) {
        const auto& b = kBranches[i];
        return {v4(b[0], b[1], b[2], b[3]), &kFirewallStack, 12, uint64_t(8 + 9 * i) * kMs, false, 100'000'000};
    }
    struct Tunnel {
        std::optional<UdpFlow> flow;
        uint32_t spi[2] = {};  // client (firewall) side, server (branch) side
        uint32_t seq[2] = {};
        uint64_t busy_until = 0;
    };

    Timeline& tl_;
    std::map<size_t, Tunnel> tunnels_;
    std::vector<HostSpec> clients_, clients_v6_, servers_, servers_v6_, sip_peers_;
    std::map<IpAddr, uint16_t> next_port_;
    uint16_t expe_port_ = 25100;
    const HostSpec webex_peers_[4] = {webex_73(), webex_64(), webex_70(), webex(45, 27 * kMs)};
};

// ---------------------------------------------------------------------------
// The scenarios. Each writes its packets from t0 on; the registry gives the
// guide's date as t0, the demo shifts them.

// A healthy inbound call leg (Webex -> Expressway-E:5062) and, after an SRV
// lookup, a healthy outbound one (Expressway-E -> l2sip-cfa-01:5062).
void tcp_healthy(Timeline& tl, uint64_t t0) {
    Host& expe = tl.host(expressway_e());
    {
        // 146.20.193.73:40342 is the guide's working inbound connection (EN L1272).
        TcpConnection c(tl, tl.host(webex_73()), 40342, expe, 5062);
        uint64_t t = play(tl, c, c.handshake(t0), kInboundCall);
        c.close(kClient, t + 3 * kSec);
    }
    {
        uint64_t t_dns = t0 + 24 * kSec;
        callservice_srv_lookup(tl, t_dns, t_dns + 78 * kMs);
        // 25034 -> 146.20.193.64:5062 is the guide's outbound INVITE leg (EN L3558).
        TcpConnection c(tl, expe, 25034, tl.host(webex_64()), 5062);
        uint64_t t = play(tl, c, c.handshake(t_dns + 426 * kMs), kOutboundCall);
        c.close(kClient, t + 2 * kSec);
    }
}

// IN-2: Webex's SYNs to 5062 go unanswered (dropped before the Expressway-E);
// Webex retries from a new source port and is not answered either.
void tcp_in_syn_unanswered(Timeline& tl, uint64_t t0) {
    Host& expe = tl.host(expressway_e());
    Host& wbx = tl.host(webex_73());
    TcpConnection first(tl, wbx, 35464, expe, 5062);
    first.syn_with_retransmits(t0, kWebexSynBackoff);
    TcpConnection retry(tl, wbx, 36149, expe, 5062);
    retry.syn_with_retransmits(t0 + kWebexRetryAfter, kWebexSynBackoff);
}

// OUT-2, the guide's packet list verbatim: SRV lookup, SYNs to l2sip-cfa-02
// with three retransmissions, failover to l2sip-cfa-01 with three more.
constexpr uint64_t kOut2Query = utc(2017, 9, 19, 14, 18, 35, 48'310);
void tcp_out_syn_failover(Timeline& tl, uint64_t t0) {
    auto at = [t0](uint64_t guide_time) { return t0 + (guide_time - kOut2Query); };
    callservice_srv_lookup(tl, at(kOut2Query), at(utc(2017, 9, 19, 14, 18, 35, 126'472)));

    Host& expe = tl.host(expressway_e());
    struct Attempt {
        HostSpec peer;
        uint16_t sport;
        std::array<uint64_t, 4> syn_times;
    };
    const Attempt attempts[] = {
        {webex_70(), 25026,
         {utc(2017, 9, 19, 14, 18, 35, 474'312), utc(2017, 9, 19, 14, 18, 36, 523'324),
          utc(2017, 9, 19, 14, 18, 38, 571'325), utc(2017, 9, 19, 14, 18, 42, 603'331)}},
        {webex_64(), 25027,
         {utc(2017, 9, 19, 14, 18, 45, 807'635), utc(2017, 9, 19, 14, 18, 46, 827'328),
          utc(2017, 9, 19, 14, 18, 48, 875'336), utc(2017, 9, 19, 14, 18, 52, 907'335)}},
    };
    for (const Attempt& a : attempts) {
        TcpConnection c(tl, expe, a.sport, tl.host(a.peer), 5062);
        for (uint64_t t : a.syn_times) c.syn(at(t));
    }
}

// IN-3, the guide's packet list: each Webex SYN is reset by the Expressway-E
// (44 us and 16 us in the guide's capture, plus ~0.2 ms through the firewall).
constexpr uint64_t kIn3FirstSyn = utc(2017, 9, 19, 14, 56, 46, 625'745);
void tcp_in_port_rejected(Timeline& tl, uint64_t t0) {
    Host& expe = tl.host(expressway_e());
    Host& wbx = tl.host(webex_73());
    struct Attempt {
        uint16_t sport;
        uint64_t syn_time;
        uint64_t rst_think;
    };
    const Attempt attempts[] = {
        {34351, kIn3FirstSyn, 44 * kUs},
        {35883, utc(2017, 9, 19, 14, 56, 46, 653'157), 16 * kUs},
    };
    for (const Attempt& a : attempts) {
        TcpConnection c(tl, wbx, a.sport, expe, 5062);
        uint64_t t = t0 + (a.syn_time - kIn3FirstSyn);
        c.syn(t);
        c.refuse(t, a.rst_think);
    }
}

// ---------------------------------------------------------------------------
// All four TCP scenarios on one timeline, in a plausible order (a day that
// starts healthy; outbound 5062 gets blocked; inbound gets blocked; then the
// Expressway-E stops listening), OUT-2 at its guide time, with unmonitored
// background traffic around them.
constexpr uint64_t kDemoStart = utc(2017, 9, 19, 14, 17, 20, 0);
void demo(Timeline& tl, uint64_t t0) {
    auto at = [t0](uint64_t offset) { return t0 + offset; };
    tcp_healthy(tl, at(2 * kSec + 117'349 * kUs));
    tcp_out_syn_failover(tl, at(kOut2Query - kDemoStart));
    tcp_in_syn_unanswered(tl, at(112 * kSec + 318'406 * kUs));
    tcp_in_port_rejected(tl, at(137 * kSec + 625'745 * kUs));

    TrafficMix mix(tl);
    const uint64_t end = at(150 * kSec);
    for (uint64_t t = t0; t < end; t += tl.shape().between(400, 1600) * kMs) mix.background_flow(t);
}

// The throughput pcap: ~90% of packets unmonitored, ~10% on 5061/5062,
// about 10 kpps of packet time, cut to exactly --packets frames.
void perf_mix(Timeline& tl, uint64_t t0) {
    const uint64_t want = tl.options().packets;
    const uint64_t budget = want + want / 20 + 64;  // overshoot, then cut at the want-th packet in time
    constexpr uint64_t kNsPerPacket = 100 * kUs;
    tl.reserve(size_t(budget) + 4096);
    tl.stop_after(size_t(want));
    TrafficMix mix(tl);
    uint64_t monitored = 0;
    uint64_t t = t0;
    while (tl.size() < budget) {
        size_t before = tl.size();
        if (monitored * 10 < tl.size()) {
            mix.monitored_flow(t);
            monitored += tl.size() - before;
        } else {
            mix.background_flow(t);
        }
        t += (tl.size() - before) * kNsPerPacket * tl.shape().between(50, 150) / 100;
    }
}

// ---------------------------------------------------------------------------
// The registry.

template <void (*Fn)(Timeline&, uint64_t), uint64_t kStart>
std::vector<Frame> run(const ScenarioOptions& o) {
    Timeline tl(o);
    Fn(tl, kStart);
    return tl.finish();
}

constexpr Scenario kScenarios[] = {
    {"tcp-healthy", "healthy inbound and outbound 5062 connections with an SRV lookup: no failure", false,
     run<tcp_healthy, utc(2017, 9, 19, 18, 1, 46, 460'917)>},
    {"tcp-in-syn-unanswered", "IN-2: Webex SYNs to 5062 retransmitted (+1/+3/+7 s), retried from a new port, never answered",
     false, run<tcp_in_syn_unanswered, utc(2017, 9, 19, 14, 41, 7, 318'406)>},
    {"tcp-out-syn-failover", "OUT-2: SRV lookup, then Exp-E SYNs to l2sip-cfa-02 and failover to l2sip-cfa-01, no SYN-ACK",
     false, run<tcp_out_syn_failover, kOut2Query>},
    {"tcp-in-port-rejected", "IN-3: Webex SYNs to 5062 reset by the Expressway-E (not listening), retried once", false,
     run<tcp_in_port_rejected, kIn3FirstSyn>},
    {"demo", "the four TCP scenarios above on one timeline with HTTPS/HTTP/IPsec/NTP background traffic", false,
     run<demo, kDemoStart>},
    {"perf-mix", "throughput pcap of --packets frames: 90% unmonitored web/UDP, 10% 5061/5062, VLAN and IPv6",
     true, run<perf_mix, utc(2017, 9, 19, 15, 0, 0, 0)>},
};

}  // namespace

std::span<const Scenario> all_scenarios() {
    static const std::vector<Scenario> all = [] {
        std::vector<Scenario> v(std::begin(kScenarios), std::end(kScenarios));
        std::span<const Scenario> tls = tls_scenarios();
        v.insert(v.end(), tls.begin(), tls.end());
        std::span<const Scenario> sip = sip_scenarios();
        v.insert(v.end(), sip.begin(), sip.end());
        std::span<const Scenario> dns = dns_scenarios();
        v.insert(v.end(), dns.begin(), dns.end());
        return v;
    }();
    return all;
}

const Scenario* find_scenario(std::string_view name) {
    for (const Scenario& s : all_scenarios())
        if (s.name == name) return &s;
    return nullptr;
}

}  // namespace cs::gen
