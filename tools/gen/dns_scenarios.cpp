// The DNS scenarios. Who asks whom, and where the tap is:
// - The Expressway-E (64.102.241.236 after NAT) resolves through 8.8.8.8, a
//   resolver outside the firewall, so its lookups cross the outside span. It
//   asks as a glibc stub does: RD, no EDNS, a new connected socket (random
//   ephemeral port, its own IP-ID counter) per query; the resolver's answers
//   carry no OPT either (RFC 6891 §7: only to a query that had one).
// - IN-1: a cloud recursive resolver asks the enterprise's authoritative
//   server (behind the firewall) iteratively, with EDNS and DO, and gets no
//   answer.
// - Webex Calling phones (seed 004) on their LAN, as the seed's own capture
//   was taken: the phone's dnsmasq forwards its stub's queries (RD, no EDNS,
//   from an unconnected random-port socket: IP-ID 0) to the LAN resolver.
// Addresses the seed masks (139.177.x.x) are filled in its prefixes, as the
// DNS parser's fixtures do. Layout: lookups, the phone's TLS registration,
// the scenarios, the registry.
#include "tools/gen/dns_scenarios.h"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tools/gen/dns_writer.h"
#include "tools/gen/sip_scenarios.h"
#include "tools/gen/tls_handshake.h"
#include "tools/gen/tls_pki.h"

namespace cs::gen {

namespace {

using enum Side;
using Dns = DnsWriter;

constexpr uint64_t kGigabit = 1'000'000'000;

// ---------------------------------------------------------------------------
// Hosts beyond the shared cast (scenarios.h).

// The enterprise's authoritative server for rtp.ciscotac.net, in the
// Expressway-E's public /24; it never answers here.
HostSpec enterprise_dns() { return {v4(64, 102, 241, 5), &kLinuxStack, 1, 150 * kUs, true, kGigabit}; }
// The cloud resolver that looks the SIP destination up. The guide's own test
// went through 8.8.8.8, whose queries to authoritative servers leave from
// Google's addresses, not from 8.8.8.8 itself.
HostSpec cloud_resolver() { return {v4(74, 125, 47, 141), &kResolverStack, 11, 9 * kMs, false, kGigabit}; }

// A Cisco MPP phone (Linux): SYN Win=14600 MSS=1460 WS=4 (seed 004 §3.6 frame 2).
constexpr StackProfile kPhoneStack{64, 1460, 14600, 14480, 2, true, 14600, 1 << 20};
// The Webex Calling SBC: SYN-ACK Win=28960 MSS=1400, window 30032 after the
// handshake (frames 3 and 6).
constexpr StackProfile kSbcStack{64, 1400, 29200, 28960, 7, true, 30032, 1 << 20};

// On the phones' LAN the tap is a switch's span port; `on_prem` only orients
// the MAC addresses (as sip_scenarios' inside hops do).
HostSpec lan_host(uint8_t last, const StackProfile* stack, uint64_t delay, bool phone) {
    return {v4(192, 168, 100, last), stack, 0, delay, phone, kGigabit};
}
HostSpec provisioning_phone() { return lan_host(6, &kPhoneStack, 32 * kUs, true); }
HostSpec registering_phone() { return lan_host(4, &kPhoneStack, 32 * kUs, true); }  // the §3.6 capture's
HostSpec failing_lan_resolver() { return lan_host(3, &kLinuxStack, 150 * kUs, false); }  // "forwarded ... to 192.168.100.3"
HostSpec lan_resolver() { return lan_host(1, &kLinuxStack, 150 * kUs, false); }  // the healthy session's forwarder
// SYN -> SYN-ACK 31.554 ms at the phone's tap (frames 2-3): 2 x 15.757 ms + the kernel.
HostSpec wxc_sbc_host(uint8_t last) { return {v4(139, 177, 64, last), &kSbcStack, 14, 15757 * kUs, false, kGigabit}; }

// ---------------------------------------------------------------------------
// Lookups.

std::vector<uint8_t> query(uint16_t id, uint16_t flags, std::string_view qname, uint16_t qtype) {
    Dns q(id, flags);
    q.question(qname, qtype);
    return q.bytes();
}

// The Expressway-E's stub asks 8.8.8.8 (new socket, port from the kernel's
// ephemeral range) and gets `answer` (built for the query's id) at t_answer.
template <class BuildAnswer>
void expe_lookup(Timeline& tl, std::string_view qname, uint16_t qtype, uint64_t t_query, uint64_t t_answer,
                 BuildAnswer build) {
    Host& expe = tl.host(expressway_e());
    Host& dns = tl.host(resolver());
    UdpFlow flow(tl, expe, uint16_t(tl.shape().between(32768, 60999)), dns, 53);
    const uint16_t id = uint16_t(tl.id().next());
    flow.send(kClient, t_query, query(id, kDnsRecursionDesired, qname, qtype));
    Dns r(id, dns_recursive_answer(Dns::kNoError));
    r.question(qname, qtype);
    build(r);
    flow.send(kServer, t_answer, r.bytes());
}

}  // namespace

// The guide's healthy answer (OUT-2, §9): "Number of relevant records
// retrieved: 4" is the two SRV and the two A records, which come in the one
// answer (the Expressway logs no query of its own for them).
void callservice_srv_lookup(Timeline& tl, uint64_t t_query, uint64_t t_answer) {
    static constexpr std::string_view kQname = "_sips._tcp.callservice.ciscospark.com";
    expe_lookup(tl, kQname, Dns::kTypeSrv, t_query, t_answer, [&tl](Dns& r) {
        r.srv(Dns::kAnswer, kQname, 300, 5, 10, 5062, "l2sip-cfa-02.wbx2.com");
        r.srv(Dns::kAnswer, kQname, 300, 5, 10, 5062, "l2sip-cfa-01.wbx2.com");
        r.address(Dns::kAdditional, "l2sip-cfa-02.wbx2.com", 300, tl.host(webex_70()).spec.addr);
        r.address(Dns::kAdditional, "l2sip-cfa-01.wbx2.com", 300, tl.host(webex_64()).spec.addr);
    });
}

namespace {

// A phone's dnsmasq forwards its stub's query, and forwards it again each time
// the stub retries, with the same id from the same socket. Seed 004 gives the
// forward and the "Couldn't resolve host" 8.004 s (activate) / 8.001 s
// (sipflash) later; the stub's retries every 2 s, four tries, fit that
// (inference: with one nameserver glibc waits `timeout` per try, it does not
// double). `round` is one try's period at the tap; nothing answers.
void phone_lookup_unanswered(Timeline& tl, std::string_view qname, uint64_t t_first, uint64_t round) {
    UdpFlow flow(tl, tl.host(provisioning_phone()), uint16_t(tl.shape().between(1024, 65535)),
                 tl.host(failing_lan_resolver()), 53);
    flow.unconnected(kClient);
    const std::vector<uint8_t> q = query(uint16_t(tl.id().next()), kDnsRecursionDesired, qname, Dns::kTypeA);
    for (uint64_t i = 0; i < 4; ++i) flow.send(kClient, t_first + i * round, q);
}

// ---------------------------------------------------------------------------
// The phone's registration (seed 004 §3.5-3.6): SRV, TCP 8934, TLS 1.2 with
// the server's certificate only, REGISTER / 401 / REGISTER / 200 inside.

constexpr std::string_view kRegistrationSrv = "_sips._tcp.da02.hosted-us10.bcld.webex.com";
struct SrvTarget {
    std::string_view host;
    uint16_t priority;
    uint8_t last_octet;
};
// The seed's nslookup order (L492-541): weight 50, port 8934 each.
constexpr SrvTarget kRegistrationTargets[] = {
    {"hosted01ai-us10.bcld.webex.com", 5, 11},  {"hosted02as-us10.bcld.webex.com", 10, 22},
    {"hosted01as-us10.bcld.webex.com", 5, 12},  {"hosted02ai-us10.bcld.webex.com", 10, 21},
    {"hosted02aj-us10.bcld.webex.com", 10, 23}, {"hosted01aj-us10.bcld.webex.com", 5, 13},
};
// The host the phone picked ("Refreshing host[3]:hosted01aj-us10", L397-407).
constexpr size_t kChosenTarget = 5;

// The answer as the phone's dnsmasq gets it: no EDNS was asked for, so it
// stays within 512 bytes. The six SRV (TTL 300) and, in the additional
// section, the targets' A records (TTL 81, as the phone's cache had them) and
// the AAAA of the two hosts the seed shows one for; the phone skips IPv6
// ("skip AF_INET6 addr").
std::vector<uint8_t> registration_srv_answer(Timeline& tl, uint16_t id) {
    Dns r(id, dns_recursive_answer(Dns::kNoError));
    r.question(kRegistrationSrv, Dns::kTypeSrv);
    for (const SrvTarget& t : kRegistrationTargets)
        r.srv(Dns::kAnswer, kRegistrationSrv, 300, t.priority, 50, 8934, t.host);
    for (const SrvTarget& t : kRegistrationTargets)
        r.address(Dns::kAdditional, t.host, 81, tl.host(wxc_sbc_host(t.last_octet)).spec.addr);
    r.address(Dns::kAdditional, kRegistrationTargets[0].host, 81, v6(0x2607fcf090000001, 0x11));
    r.address(Dns::kAdditional, kRegistrationTargets[kChosenTarget].host, 81, v6(0x2607fcf090000001, 0x13));
    if (r.bytes().size() > 512) throw std::logic_error("registration SRV answer over 512 bytes without EDNS");
    return r.bytes();
}

std::vector<uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }

// The phone is the TLS client: no certificate of its own, the SBC's chain
// checked against QuoVadis; X25519 (its ClientKeyExchange is 42 bytes, §3.6)
// and AES-GCM (Finished 45 bytes). The SBC sends its chain and asks for none.
tls::Endpoint phone_tls() {
    tls::Endpoint e;
    e.trust = {&tls::quovadis_root()};
    e.server_name = std::string(kRegistrationTargets[kChosenTarget].host);
    e.groups = "X25519:P-256";
    return e;
}
tls::Endpoint sbc_tls() {
    tls::Endpoint e;
    e.credential = &tls::wxc_sbc();
    e.groups = "X25519:P-256:P-384";
    return e;
}

// From the SYN on, the §3.6 capture's gaps: ClientHello 1.662 ms after the
// handshake; the SBC's flight 0.443 ms after the hello reached it; the phone's
// ClientKeyExchange + CCS + Finished 17.4 ms after the flight (frame 19); the
// SBC's CCS + Finished as soon as it has them; the REGISTER 22.2 ms later
// (frame 21) and the 401 5.3 ms after it reached the SBC (frame 22). Then the
// log's: the REGISTER with credentials 10.5 ms after the 401, the 200 OK 1.3 ms
// slower than the 401 (L445-475). The connection stays up (SIP keeps it).
void registration_tls(Timeline& tl, uint64_t t_syn) {
    Host& phone = tl.host(registering_phone());
    Host& sbc = tl.host(wxc_sbc_host(kRegistrationTargets[kChosenTarget].last_octet));
    TcpConnection c(tl, phone, 5074, sbc, 8934);
    uint64_t t = c.handshake(t_syn);
    tls::Session s(phone_tls(), sbc_tls(), tl.id().next(), int64_t(t_syn / kSec));
    const std::vector<tls::Flight> f = s.handshake();
    if (f.size() != 4 || !s.established(tls::Peer::kClient) || !s.established(tls::Peer::kServer))
        throw std::logic_error("wxc registration: the TLS handshake did not complete");

    t = c.send(kClient, t + 1662 * kUs, f[0].bytes);
    t = c.send(kServer, c.answer_time(kServer, t, 443 * kUs), f[1].bytes);
    t = c.send(kClient, c.answer_time(kClient, t, 17415 * kUs), f[2].bytes);
    t = c.send(kServer, c.answer_time(kServer, t, 40 * kUs), f[3].bytes);

    const WxcRegistration m = wxc_registration(tl.id(), "192.168.100.4", 5074, "TLS", "200 OK");
    t = c.send(kClient, c.answer_time(kClient, t, 22217 * kUs), s.write(tls::Peer::kClient, text(m.register1)));
    t = c.send(kServer, c.answer_time(kServer, t, 5287 * kUs), s.write(tls::Peer::kServer, text(m.unauthorized)));
    t = c.send(kClient, c.answer_time(kClient, t, 10451 * kUs), s.write(tls::Peer::kClient, text(m.register2)));
    c.send(kServer, c.answer_time(kServer, t, 6561 * kUs), s.write(tls::Peer::kServer, text(m.final_response)));
}

// The same connection when the phone refuses the SBC's chain (a CA bundle too
// old for the Webex chain): it verifies the server flight, answers a fatal
// unknown_ca alert 17.4 ms later as it would its second flight, and closes;
// the SBC closes its side.
void registration_tls_refused(Timeline& tl, uint64_t t_syn) {
    Host& phone = tl.host(registering_phone());
    Host& sbc = tl.host(wxc_sbc_host(kRegistrationTargets[kChosenTarget].last_octet));
    TcpConnection c(tl, phone, 5074, sbc, 8934);
    uint64_t t = c.handshake(t_syn);
    tls::Endpoint refusing = phone_tls();
    refusing.reject_with = tls::kUnknownCa;
    tls::Session s(refusing, sbc_tls(), tl.id().next(), int64_t(t_syn / kSec));
    const std::vector<tls::Flight> f = s.handshake();
    if (f.size() != 3 || !s.failed(tls::Peer::kClient))
        throw std::logic_error("wxc registration refused: the phone did not refuse the chain");
    t = c.send(kClient, t + 1662 * kUs, f[0].bytes);
    t = c.send(kServer, c.answer_time(kServer, t, 443 * kUs), f[1].bytes);
    t = c.send(kClient, c.answer_time(kClient, t, 17415 * kUs), f[2].bytes);
    t = c.close(kClient, t + 200 * kUs);
    c.close(kServer, c.answer_time(kServer, t, 300 * kUs));
}

// ---------------------------------------------------------------------------
// The scenarios.

// OUT-1, the guide's sequence (EN L2508-2547, ZH L1695-1711): NAPTR for the
// user's subdomain, which "could not resolve": the name exists (the SRV
// below it does), so the resolver answers NOERROR with no records and the
// zone's SOA (RFC 2308 NODATA, RFC 8020); the SRV 153 ms after the NAPTR, its
// answer 5 10 5061 l2sip-cfa-01.wbx2.com with the A record (the "2 relevant
// records"); then the SYNs to 146.20.193.64:5061, unanswered: three
// retransmissions, and a new attempt from the next port to the same, only,
// target. The guide prints the first burst's third retransmission at
// 17:18:55.233326 (+4.09 s, which no backoff gives); read as 17:18:58.233326
// (+7.09 s; the second burst's is +7.13 s).
constexpr uint64_t kOut1Naptr = utc(2017, 9, 19, 17, 18, 50, 565'208);
void dns_out_wrong_domain_5061(Timeline& tl, uint64_t t0) {
    auto at = [t0](uint64_t guide_time) { return t0 + (guide_time - kOut1Naptr); };
    static constexpr std::string_view kUserDomain = "dmzlab.call.ciscospark.com";
    static constexpr std::string_view kSrv = "_sips._tcp.dmzlab.call.ciscospark.com";
    expe_lookup(tl, kUserDomain, Dns::kTypeNaptr, at(kOut1Naptr), at(utc(2017, 9, 19, 17, 18, 50, 642'517)),
                [](Dns& r) {
                    r.soa(Dns::kAuthority, "ciscospark.com", 900,
                          {"ns1.ciscospark.com", "hostmaster.ciscospark.com", 2017091901, 7200, 900, 1209600, 900});
                });
    expe_lookup(tl, kSrv, Dns::kTypeSrv, at(utc(2017, 9, 19, 17, 18, 50, 718'164)),
                at(utc(2017, 9, 19, 17, 18, 50, 794'871)), [&tl](Dns& r) {
                    r.srv(Dns::kAnswer, kSrv, 300, 5, 10, 5061, "l2sip-cfa-01.wbx2.com");
                    r.address(Dns::kAdditional, "l2sip-cfa-01.wbx2.com", 300, tl.host(webex_64()).spec.addr);
                });

    Host& expe = tl.host(expressway_e());
    struct Attempt {
        uint16_t sport;
        uint64_t syn_times[4];
    };
    const Attempt attempts[] = {
        {25010,
         {utc(2017, 9, 19, 17, 18, 51, 145'472), utc(2017, 9, 19, 17, 18, 52, 203'326),
          utc(2017, 9, 19, 17, 18, 54, 251'324), utc(2017, 9, 19, 17, 18, 58, 233'326)}},
        {25011,
         {utc(2017, 9, 19, 17, 19, 1, 328'601), utc(2017, 9, 19, 17, 19, 2, 379'327),
          utc(2017, 9, 19, 17, 19, 4, 427'323), utc(2017, 9, 19, 17, 19, 8, 459'332)}},
    };
    for (const Attempt& a : attempts) {
        TcpConnection c(tl, expe, a.sport, tl.host(webex_64()), 5061);
        for (uint64_t t : a.syn_times) c.syn(at(t));
    }
}

// OUT-2's absence variant (guide OUT-2 5(b)): the healthy SRV answer at the
// guide's times, and no SYN leaves: the firewall drops the Expressway-E's
// 5062 egress itself, so the outside sees nothing of its attempts. The user
// calls again 36 s later (the two ~10 s attempts over): a new lookup, the
// same answer, again no SYN.
constexpr uint64_t kOut2Query = utc(2017, 9, 19, 14, 18, 35, 48'310);
void dns_connect_not_attempted(Timeline& tl, uint64_t t0) {
    for (uint64_t call : {uint64_t(0), 36 * kSec + 207 * kMs})
        callservice_srv_lookup(tl, t0 + call, t0 + call + 78'162 * kUs);
}

// IN-1: Webex looks up the SIP destination's SRV through a cloud resolver,
// which asks the enterprise's authoritative server (iteratively: no RD; EDNS
// with DO, as a validating resolver) and gets nothing back: the guide's
// evidence is a timeout, not NXDOMAIN ("DNS request timed out. timeout was 2
// seconds.", twice). One query per try, the second 2 s after the first, each
// with its own id and port; no answer. The guide gives no time of day.
constexpr uint64_t kIn1Query = utc(2017, 9, 19, 13, 52, 7, 316'482);
void dns_in_srv_unresolvable(Timeline& tl, uint64_t t0) {
    for (uint64_t t : {t0, t0 + 2004 * kMs}) {
        UdpFlow flow(tl, tl.host(cloud_resolver()), uint16_t(tl.shape().between(1024, 65535)),
                     tl.host(enterprise_dns()), 53);
        Dns q(uint16_t(tl.id().next()), kDnsIterative);
        q.question("_sips._tcp.mtls.rtp.ciscotac.net", Dns::kTypeSrv);
        q.opt(4096, true);
        flow.send(kClient, t, q.bytes());
    }
}

// Seed 004 §3.3: A activate.cisco.com forwarded to 192.168.100.3 at
// 16:56:46.142742, "Couldn't resolve host" at 16:56:54.146585.
constexpr uint64_t kActivateForward = utc(2023, 8, 10, 16, 56, 46, 142'742);
void wxc_provisioning_dns_failed(Timeline& tl, uint64_t t0) {
    phone_lookup_unanswered(tl, "activate.cisco.com", t0, 2'000'961 * kUs);
}

// Seed 004 §3.4: after activation, the profile server's A cisco.sipflash.com
// forwarded at 17:03:14.925318, "Couldn't resolve host" at 17:03:22.926249.
constexpr uint64_t kSipflashForward = utc(2023, 5, 10, 17, 3, 14, 925'318);
void wxc_profile_dns_failed(Timeline& tl, uint64_t t0) {
    phone_lookup_unanswered(tl, "cisco.sipflash.com", t0, 2'000'233 * kUs);
}

// Seed 004 §3.5: the SRV forwarded and answered 12.910 ms later (L1728-1729);
// the phone picks its address 1.7 ms after the answer and connects (SYN
// 2.0 ms after it) at the §3.6 capture's time.
constexpr uint64_t kRegistrationSyn = utc(2023, 9, 4, 14, 47, 21, 456'262);
constexpr uint64_t kRegistrationQuery = kRegistrationSyn - 2 * kMs - 12'910 * kUs;
// The phone's registration lookup; returns the time of its SYN.
uint64_t registration_lookup(Timeline& tl, uint64_t t0) {
    UdpFlow flow(tl, tl.host(registering_phone()), uint16_t(tl.shape().between(1024, 65535)), tl.host(lan_resolver()),
                 53);
    flow.unconnected(kClient);
    flow.unconnected(kServer);
    const uint16_t id = uint16_t(tl.id().next());
    flow.send(kClient, t0, query(id, kDnsRecursionDesired, kRegistrationSrv, Dns::kTypeSrv));
    flow.send(kServer, t0 + 12'910 * kUs, registration_srv_answer(tl, id));
    return t0 + 12'910 * kUs + 2 * kMs;
}
void wxc_registration_healthy(Timeline& tl, uint64_t t0) { registration_tls(tl, registration_lookup(tl, t0)); }

// A phone whose registration fails in the TLS handshake: the lookup as above.
void wxc_registration_tls_failed(Timeline& tl, uint64_t t0) { registration_tls_refused(tl, registration_lookup(tl, t0)); }

// ---------------------------------------------------------------------------
// The registry.

template <void (*Fn)(Timeline&, uint64_t), uint64_t kStart>
std::vector<Frame> run(const ScenarioOptions& o) {
    Timeline tl(o);
    Fn(tl, kStart);
    return tl.finish();
}

constexpr Scenario kDnsScenarios[] = {
    {"dns-out-wrong-domain-5061",
     "OUT-1: NAPTR/SRV for dmzlab.call.ciscospark.com -> 5061, Exp-E SYNs to 146.20.193.64:5061 unanswered, retried",
     false, run<dns_out_wrong_domain_5061, kOut1Naptr>},
    {"dns-connect-not-attempted",
     "OUT-2 absence: two healthy callservice SRV answers 36 s apart, no SYN to any answered address", false,
     run<dns_connect_not_attempted, kOut2Query>},
    {"dns-in-srv-unresolvable",
     "IN-1: SRV _sips._tcp.mtls.rtp.ciscotac.net to the enterprise's authoritative server, twice, never answered",
     false, run<dns_in_srv_unresolvable, kIn1Query>},
    {"wxc-provisioning-dns-failed",
     "Webex Calling phone: A activate.cisco.com to 192.168.100.3 sent four times 2 s apart, never answered", false,
     run<wxc_provisioning_dns_failed, kActivateForward>},
    {"wxc-profile-dns-failed",
     "Webex Calling phone: A cisco.sipflash.com to 192.168.100.3 sent four times 2 s apart, never answered", false,
     run<wxc_profile_dns_failed, kSipflashForward>},
    {"wxc-registration-healthy",
     "Webex Calling phone: SRV with 6 targets on 8934, TLS 1.2 (server certificate only), REGISTER/401/REGISTER/200",
     false, run<wxc_registration_healthy, kRegistrationQuery>},
    {"wxc-registration-tls-failed",
     "Webex Calling phone: SRV with 6 targets on 8934, then the phone refuses the SBC's chain (fatal unknown_ca)",
     false, run<wxc_registration_tls_failed, kRegistrationQuery>},
};

}  // namespace

std::span<const Scenario> dns_scenarios() { return kDnsScenarios; }

}  // namespace cs::gen
