// The SIP scenarios. The guide logged these messages on TLS hops (5062,
// 7003, 5061); here each hop carries them in clear, as a lab or an inside
// trunk would, over TCP 5060/5065 or UDP 5060, so that SIP content is visible.
// The messages keep the guide's lines (OCR damage repaired, wrapped lines
// joined, CRLF line ends; Via transports as logged) and are completed where
// the guide elides lines, with Content-Length counted from the real body.
// Identifiers the guide gives stay; those it does not give (tags, branches,
// SRTP keys) come from the seed, always with the same length, so the seed
// never changes a size or a timing. Layout: message text helpers, the SDP
// bodies, the messages of each call, the transports (TCP connection, UDP
// sockets with fragmentation), the calls, the scenarios and their registry.
#include "tools/gen/sip_scenarios.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tools/gen/packet_builder.h"

namespace cs::gen {

namespace {

using enum Side;

// RFC 3261 timers: T1 (RTT estimate) and T2 (cap of the retransmit interval).
constexpr uint64_t kT1 = 500 * kMs;
constexpr uint64_t kT2 = 4 * kSec;
constexpr size_t kMtu = 1500;

// ---------------------------------------------------------------------------
// Message text.

template <class... T>
std::string cat(const T&... parts) {
    std::string s;
    (s.append(std::string_view(parts)), ...);
    return s;
}

// A SIP message: the start line and header lines (an empty one is left
// out: a header this message does not have; one may hold several lines),
// then Content-Type (when there is a body) and Content-Length, counted from
// the body.
std::string sip(std::initializer_list<std::string_view> lines, std::string_view body = {}) {
    std::string m;
    for (std::string_view l : lines)
        if (!l.empty()) m.append(l).append("\r\n");
    if (!body.empty()) m.append("Content-Type: application/sdp\r\n");
    m.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return m;
}

// Non-empty parts joined by CRLF: a group of header lines for sip().
std::string join(std::initializer_list<std::string_view> parts) {
    std::string s;
    for (std::string_view p : parts) {
        if (p.empty()) continue;
        if (!s.empty()) s += "\r\n";
        s += p;
    }
    return s;
}

// An SDP body: each line ends with CRLF.
std::string sdp(std::initializer_list<std::string_view> lines) {
    std::string s;
    for (std::string_view l : lines) s.append(l).append("\r\n");
    return s;
}

// The identifiers of one call. In a guide scenario a guide identifier is
// written as the guide gives it; a call of the mix gets a fresh look-alike of
// each (hex digits for hex digits, decimal for an all-decimal one, other
// characters kept), the same in every message of the call. Identifiers the
// guide does not give are drawn from the seed in both cases.
class Keys {
public:
    Keys(Rng& id, bool fresh) : id_(id), fresh_(fresh) {}

    std::string operator()(std::string_view guide) {
        if (!fresh_) return std::string(guide);
        return memo(guide, [&] { return look_alike(guide); });
    }
    // `n` lowercase hex digits, the same for the whole call under `name`.
    std::string hex(std::string_view name, size_t n) {
        return memo(cat("\x01", name), [&] { return look_alike(std::string(n, 'f')); });
    }
    // `n` decimal digits, the first not 0.
    std::string digits(std::string_view name, size_t n) {
        return memo(cat("\x02", name), [&] { return look_alike(std::string(n, '9')); });
    }
    // `n` characters of an opaque token (base64url), the same under `name` and `n`.
    std::string token(std::string_view name, size_t n) {
        return memo(cat("\x04", name, "/", std::to_string(n)), [&] {
            static constexpr char kB64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            std::string s(n, 'A');
            for (char& ch : s) ch = kB64url[id_.below(64)];
            return s;
        });
    }
    // An RFC 4568 inline key: 30 random bytes (AES-CM-128 key and salt) in base64.
    std::string srtp_key(std::string_view name) {
        return memo(cat("\x03", name), [&] {
            static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            std::string s;
            for (int i = 0; i < 10; ++i) {  // 3 bytes -> 4 characters
                uint32_t v = uint32_t(id_.below(1u << 24));
                for (int j = 3; j >= 0; --j) s += kB64[(v >> (6 * j)) & 63];
            }
            return s;
        });
    }

private:
    template <class F>
    std::string memo(std::string_view key, F make) {
        auto it = memo_.find(key);
        if (it == memo_.end()) it = memo_.emplace(std::string(key), make()).first;
        return it->second;
    }
    // A Call-ID keeps its host part ("@..."); so does anything after an '@'.
    std::string look_alike(std::string_view model) {
        const bool decimal = model.find_first_not_of("0123456789") == std::string_view::npos;
        std::string s(model);
        for (size_t i = 0; i < s.size() && s[i] != '@'; ++i) {
            if (decimal) {
                s[i] = char('0' + (i == 0 ? 1 + id_.below(9) : id_.below(10)));
            } else if (std::isxdigit(static_cast<unsigned char>(s[i]))) {
                const char* digits =
                    std::isupper(static_cast<unsigned char>(s[i])) ? "0123456789ABCDEF" : "0123456789abcdef";
                s[i] = digits[id_.below(16)];
            }
        }
        return s;
    }

    Rng& id_;
    bool fresh_;
    std::map<std::string, std::string, std::less<>> memo_;
};

// A UUID (8-4-4-4-12 hex digits) under `name`, as Expressways write proxy-call-ids.
std::string uuid(Keys& k, std::string_view name) {
    return cat(k.hex(cat(name, "-1"), 8), "-", k.hex(cat(name, "-2"), 4), "-", k.hex(cat(name, "-3"), 4), "-",
               k.hex(cat(name, "-4"), 4), "-", k.hex(cat(name, "-5"), 12));
}

// ---------------------------------------------------------------------------
// SDP bodies. Where the guide gives a body's Content-Length (1407, 503, 714,
// 4068) the lines it shows are kept and the lines it elides are filled with
// what Cisco endpoints write there, to exactly that length.

// The SRTP crypto lines Cisco endpoints offer per m-line: two suites, each
// with and without SRTCP encryption (captures 1.6.6), or the one chosen in
// an answer. The keys are the seed's.
std::string crypto(Keys& k, std::string_view media, int lines = 4) {
    static constexpr std::string_view kSuites[] = {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80",
                                                   "AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32"};
    std::string s;
    for (int i = 0; i < lines; ++i) {
        if (i) s += "\r\n";
        s += cat("a=crypto:", std::to_string(i + 1), " ", kSuites[i],
                 " inline:", k.srtp_key(cat(media, std::to_string(i))), i % 2 ? " UNENCRYPTED_SRTCP" : "");
    }
    return s;
}

// BI-1: the Expressway-E's offer to Webex, G.729 only (the CUCM region
// allowed nothing else), Content-Length 1407 (guide BI-1 test vectors).
std::string g729_offer(Keys& k) {
    return sdp({"v=0",
                "o=tandberg 0 1 IN IP4 64.102.241.236",
                "s=-",
                "c=IN IP4 64.102.241.236",
                "b=AS:384",
                "t=0 0",
                "m=audio 52668 RTP/SAVP 18 101",
                "a=rtpmap:18 G729/8000",
                "a=fmtp:18 annexb=no",
                "a=rtpmap:101 telephone-event/8000",
                "a=fmtp:101 0-15",
                crypto(k, "audio"),
                "a=maxptime:40",
                "a=sendrecv",
                "a=rtcp:52669 IN IP4 64.102.241.236",
                "m=video 52670 RTP/SAVP 126 97",
                "b=TIAS:384000",
                "a=rtpmap:126 H264/90000",
                "a=fmtp:126 profile-level-id=42801e;packetization-mode=1;level-asymmetry-allowed=1",
                "a=rtpmap:97 H264/90000",
                "a=fmtp:97 profile-level-id=42801e;packetization-mode=0;level-asymmetry-allowed=1",
                "a=rtcp-fb:* nack pli",
                "a=rtcp-fb:* ccm fir",
                "a=framerate:30",
                crypto(k, "video"),
                "a=content:main",
                "a=label:11",
                "a=rtcp:52671 IN IP4 64.102.241.236"});
}

// BI-1: Webex's answer zeroes the audio (m=audio 0 ... *) and keeps video;
// Content-Length 503.
std::string audio_zeroed_answer(Keys& k) {
    return sdp({"v=0", "o=linus 0 1 IN IP4 146.20.193.109", "s=-", "c=IN IP4 146.20.193.109", "b=TIAS:384000", "t=0 0",
                "m=audio 0 RTP/SAVP *", "m=video 33512 RTP/SAVP 108", "a=rtpmap:108 H264/90000",
                "a=fmtp:108 profile-level-id=42001E;packetization-mode=1;max-mbps=40500;max-fs=1620;max-fps=3000;"
                "max-br=10000;max-dpb=3037;level-asymmetry-allowed=1",
                "a=rtcp-fb:* nack pli", "a=rtcp-fb:* ccm fir", "a=rtcp-fb:* ccm tmmbr", crypto(k, "video", 1),
                "a=sendrecv", "a=rtcp-mux", "a=label:200"});
}

// The CUCM's early offer (its MTP at the CUCM's address): G.722, G.711,
// DTMF and H.264 video, Content-Length 714 in the guide's INVITEs (OUT-1,
// OUT-3); audio only when it must fit a UDP datagram. `ip` is "IP4 a.b.c.d"
// or "IP6 ...".
std::string cucm_offer(Keys& k, std::string_view ip, bool video) {
    const std::string o = cat("o=CiscoSystemsCCM-SIP ", k.digits("cucm-sdp-session", 6), " 1 IN ", ip);
    const std::string c = cat("c=IN ", ip);
    if (!video)
        return sdp({"v=0", o, "s=SIP Call", c, "b=TIAS:64000", "b=AS:64", "t=0 0", "m=audio 24580 RTP/AVP 9 0 8 101",
                    "a=ptime:20", "a=rtpmap:9 G722/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
                    "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=sendrecv"});
    return sdp({"v=0",
                o,
                "s=SIP Call",
                c,
                "b=TIAS:1000000",
                "b=AS:1000",
                "t=0 0",
                "m=audio 24580 RTP/AVP 9 0 8 101",
                "b=TIAS:64000",
                "a=ptime:20",
                "a=rtpmap:9 G722/8000",
                "a=rtpmap:0 PCMU/8000",
                "a=rtpmap:8 PCMA/8000",
                "a=rtpmap:101 telephone-event/8000",
                "a=fmtp:101 0-15",
                "a=sendrecv",
                "m=video 25584 RTP/AVP 126 97",
                "b=TIAS:1000000",
                "a=rtpmap:126 H264/90000",
                "a=fmtp:126 profile-level-id=42801E;packetization-mode=1;level-asymmetry-allowed=1",
                "a=rtpmap:97 H264/90000",
                "a=fmtp:97 profile-level-id=42801E;packetization-mode=0;level-asymmetry-allowed=1",
                "a=imageattr:* recv [x=[32:16:1280],y=[18:8:720],par=1.7778]",
                "a=rtcp-fb:* nack pli",
                "a=rtcp-fb:* ccm fir",
                "a=rtcp-fb:* ccm tmmbr",
                "a=sendrecv"});
}

// The answer to a CUCM offer as the Expressway-E's B2BUA sends it back
// inside (from Webex's choice: G.722; video when offered).
std::string expe_answer_to_cucm(Keys& k, std::string_view ip, bool video) {
    const std::string o = cat("o=tandberg ", k.digits("expe-sdp-session", 4), " 2 IN ", ip);
    const std::string c = cat("c=IN ", ip);
    if (!video)
        return sdp({"v=0", o, "s=-", c, "b=AS:64", "t=0 0", "m=audio 36002 RTP/AVP 9 101", "a=rtpmap:9 G722/8000",
                    "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=sendrecv"});
    return sdp({"v=0",
                o,
                "s=-",
                c,
                "b=AS:1000",
                "t=0 0",
                "m=audio 36002 RTP/AVP 9 101",
                "a=rtpmap:9 G722/8000",
                "a=rtpmap:101 telephone-event/8000",
                "a=fmtp:101 0-15",
                "a=sendrecv",
                "m=video 36004 RTP/AVP 126",
                "b=TIAS:1000000",
                "a=rtpmap:126 H264/90000",
                "a=fmtp:126 profile-level-id=42801E;packetization-mode=1;level-asymmetry-allowed=1",
                "a=rtcp-fb:* nack pli",
                "a=rtcp-fb:* ccm fir",
                "a=sendrecv",
                "a=content:main",
                "a=label:11"});
}

// Webex's offer on an inbound call (o=linus, its media address, AAC-LD,
// G.722, G.711, H.264), or the same offer after the Expressway-E's B2BUA
// (o=tandberg, its own media address and ports).
std::string webex_offer(Keys& k, std::string_view origin, std::string_view addr, int audio_port) {
    const std::string a = std::to_string(audio_port), v = std::to_string(audio_port + 2);
    return sdp({"v=0",
                cat("o=", origin, " 0 1 IN IP4 ", addr),
                "s=-",
                cat("c=IN IP4 ", addr),
                "b=TIAS:2000000",
                "t=0 0",
                cat("m=audio ", a, " RTP/SAVP 101 102 9 0 8 100"),
                "a=rtpmap:101 MP4A-LATM/90000",
                "a=fmtp:101 profile-level-id=24;object=23;bitrate=64000",
                "a=rtpmap:102 MP4A-LATM/90000",
                "a=fmtp:102 profile-level-id=24;object=23;bitrate=48000",
                "a=rtpmap:9 G722/8000",
                "a=rtpmap:0 PCMU/8000",
                "a=rtpmap:8 PCMA/8000",
                "a=rtpmap:100 telephone-event/8000",
                "a=fmtp:100 0-15",
                crypto(k, cat(origin, "-audio")),
                "a=sendrecv",
                cat("m=video ", v, " RTP/SAVP 108"),
                "b=TIAS:2000000",
                "a=rtpmap:108 H264/90000",
                "a=fmtp:108 profile-level-id=42001E;packetization-mode=1;max-mbps=40500;max-fs=1620;max-fps=3000;"
                "max-br=10000;max-dpb=3037;level-asymmetry-allowed=1",
                "a=rtcp-fb:* nack pli",
                "a=rtcp-fb:* ccm fir",
                "a=rtcp-fb:* ccm tmmbr",
                crypto(k, cat(origin, "-video")),
                "a=sendrecv",
                "a=content:main",
                "a=label:200"});
}

// The answer to Webex's offer: AAC-LD and H.264, from the CUCM (inside) or
// the Expressway-E's B2BUA (outside).
std::string aac_ld_answer(Keys& k, std::string_view origin, std::string_view addr, int audio_port) {
    const std::string a = std::to_string(audio_port), v = std::to_string(audio_port + 2);
    return sdp({"v=0",
                cat("o=", origin, " ", k.digits(cat(origin, "-answer-session"), 6), " 1 IN IP4 ", addr),
                "s=-",
                cat("c=IN IP4 ", addr),
                "b=TIAS:1000000",
                "t=0 0",
                cat("m=audio ", a, " RTP/SAVP 101 100"),
                "a=rtpmap:101 MP4A-LATM/90000",
                "a=fmtp:101 profile-level-id=24;object=23;bitrate=64000",
                "a=rtpmap:100 telephone-event/8000",
                "a=fmtp:100 0-15",
                crypto(k, cat(origin, "-answer-audio"), 1),
                "a=sendrecv",
                cat("m=video ", v, " RTP/SAVP 108"),
                "b=TIAS:1000000",
                "a=rtpmap:108 H264/90000",
                "a=fmtp:108 profile-level-id=42801E;packetization-mode=1;level-asymmetry-allowed=1",
                "a=rtcp-fb:* nack pli",
                crypto(k, cat(origin, "-answer-video"), 1),
                "a=sendrecv",
                "a=content:main",
                "a=label:200"});
}

// BI-2: Webex's 200 OK of a delayed-offer call carries Webex's offer:
// every audio codec, main video and presentation (each with high-profile
// H.264), BFCP and Cisco iX: Content-Length 4068 (CUCM trace, EN L4036-4062).
std::string webex_full_offer(Keys& k) {
    struct H264 {
        int pt;
        std::string_view fmtp;
    };
    static constexpr std::string_view kHd = "max-mbps=245000;max-fs=8160;max-fps=3000;max-br=4000;max-dpb=12240";
    static constexpr std::string_view kSd = "max-mbps=40500;max-fs=1620;max-fps=3000;max-br=10000;max-dpb=3037";
    const H264 formats[] = {{108, "42E01F;packetization-mode=1"}, {109, "42E01F;packetization-mode=0"},
                            {110, "42001E;packetization-mode=1"}, {111, "42001E;packetization-mode=0"},
                            {112, "64001F;packetization-mode=1"}, {113, "64001F;packetization-mode=0"}};
    auto video = [&](int port, size_t n, std::string_view content, std::string_view label, bool rsize) {
        std::string m = cat("m=video ", std::to_string(port), " RTP/SAVP");
        for (size_t i = 0; i < n; ++i) m += cat(" ", std::to_string(formats[i].pt));
        std::string s = cat(m, "\r\nb=TIAS:4000000");
        for (size_t i = 0; i < n; ++i)
            s += cat("\r\na=rtpmap:", std::to_string(formats[i].pt),
                     " H264/90000\r\na=fmtp:", std::to_string(formats[i].pt), " profile-level-id=", formats[i].fmtp,
                     ";", formats[i].pt < 110 || formats[i].pt > 111 ? kHd : kSd, ";level-asymmetry-allowed=1");
        s += "\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:* ccm fir\r\na=rtcp-fb:* ccm tmmbr\r\n";
        s += crypto(k, cat("full-", label));
        s += cat("\r\na=sendrecv\r\na=rtcp-mux", rsize ? "\r\na=rtcp-rsize" : "", "\r\na=content:", content,
                 "\r\na=label:", label);
        return s;
    };
    return sdp({"v=0",
                "o=linus 0 1 IN IP4 146.20.193.109",
                "s=-",
                "c=IN IP4 146.20.193.109",
                "b=TIAS:4000000",
                "t=0 0",
                "m=audio 33518 RTP/SAVP 101 102 9 0 8 100",
                "a=rtpmap:101 MP4A-LATM/90000",
                "a=fmtp:101 profile-level-id=24;object=23;bitrate=64000",
                "a=rtpmap:102 MP4A-LATM/90000",
                "a=fmtp:102 profile-level-id=24;object=23;bitrate=48000",
                "a=rtpmap:9 G722/8000",
                "a=rtpmap:0 PCMU/8000",
                "a=rtpmap:8 PCMA/8000",
                "a=rtpmap:100 telephone-event/8000",
                "a=fmtp:100 0-15",
                crypto(k, "full-audio"),
                "a=sendrecv",
                "a=rtcp-mux",
                video(33520, 6, "main", "200", true),
                video(33522, 5, "slides", "201", false),
                "m=application 33524 UDP/BFCP *",
                "a=floorctrl:c-s",
                cat("a=confid:", k.digits("bfcp-conf", 6)),
                cat("a=userid:", k.digits("bfcp-user", 3)),
                "a=floorid:2 mstrm:201",
                "a=bfcpver:1",
                "m=application 33526 UDP/UDT/IX *",
                "a=ixmap:0 ping",
                "a=ixmap:2 xccp",
                "a=ixmap:11 mediactrl"});
}

// ---------------------------------------------------------------------------
// Transports.

// Two SIP hosts' UDP sockets as Linux runs a SIP server's socket (bound, not
// connected): a datagram that fits the MTU leaves with DF and IP-ID 0; a
// larger one the kernel fragments, DF clear, with an identification from its
// per-destination generator, which Linux advances by a random amount (IPv6:
// a random identification per fragmented datagram), values the seed picks.
class UdpSockets {
public:
    UdpSockets(Timeline& tl, Host& client, uint16_t client_port, Host& server, uint16_t server_port) : tl_(tl) {
        ends_[0] = {&client, client_port};
        ends_[1] = {&server, server_port};
    }

    // Sends one datagram at t; returns the time of its last frame.
    uint64_t send(Side from, uint64_t t, const std::vector<uint8_t>& payload) {
        const End& a = end(from);
        const End& b = end(other(from));
        IpSpec ip;
        ip.src = a.host->spec.addr;
        ip.dst = b.host->spec.addr;
        ip.ttl = a.host->ttl;
        const L2Spec l2 = l2_from(*a.host, {});
        const UdpSpec udp{a.port, b.port};
        const size_t ip_header = ip.src.is_v4() ? 20 : 40;
        if (ip_header + 8 + payload.size() <= kMtu) {
            ip.df = true;
            ip.ip_id = 0;
            tl_.add(t, build_udp(l2, ip, udp, payload));
            return t;
        }
        ip.df = false;
        ip.ip_id = uint16_t(tl_.id().next());
        uint64_t at = t, last = t;
        for (std::vector<uint8_t>& f : build_udp_fragments(l2, ip, udp, payload, kMtu, uint32_t(tl_.id().next()))) {
            const size_t len = f.size();
            tl_.add(at, std::move(f));
            last = at;
            at += wire_time(*a.host, len);
        }
        return last;
    }

    uint64_t answer_time(Side who, uint64_t seen_at, uint64_t think) const {
        return seen_at + 2 * end(who).host->spec.tap_delay_ns + think;
    }

private:
    struct End {
        Host* host = nullptr;
        uint16_t port = 0;
    };
    End& end(Side s) { return ends_[s == kClient ? 0 : 1]; }
    const End& end(Side s) const { return ends_[s == kClient ? 0 : 1]; }

    Timeline& tl_;
    std::array<End, 2> ends_;
};

// One SIP hop between two hosts: a TCP connection (its handshake first) or a
// pair of UDP sockets. The client is the side that connects / sends first.
class SipHop {
public:
    static SipHop tcp(Timeline& tl, Host& client, uint16_t client_port, Host& server, uint16_t server_port,
                      uint64_t t_syn) {
        SipHop h;
        h.tcp_.emplace(tl, client, client_port, server, server_port);
        h.ready_ = h.tcp_->handshake(t_syn);
        return h;
    }
    static SipHop udp(Timeline& tl, Host& client, uint16_t client_port, Host& server, uint16_t server_port) {
        SipHop h;
        h.udp_.emplace(tl, client, client_port, server, server_port);
        return h;
    }

    // Writes `msg` (one or more SIP messages, one application write) from
    // `from` starting at t; returns the time of its last packet.
    uint64_t send(Side from, uint64_t t, std::string_view msg) {
        if (t < ready_) throw std::logic_error("SIP message before its TCP connection was up");
        const std::vector<uint8_t> bytes(msg.begin(), msg.end());
        return tcp_ ? tcp_->send(from, t, bytes) : udp_->send(from, t, bytes);
    }
    // When `who` answers a packet the tap saw at `seen`, after thinking for `think`.
    uint64_t answer(Side who, uint64_t seen, uint64_t think) const {
        return tcp_ ? tcp_->answer_time(who, seen, think) : udp_->answer_time(who, seen, think);
    }
    TcpConnection& connection() { return *tcp_; }
    // Closes a TCP hop (FIN from `from`, the peer's FIN, the last ACK).
    void close(Side from, uint64_t t) {
        if (tcp_) tcp_->close(from, t);
    }

private:
    SipHop() = default;
    std::optional<TcpConnection> tcp_;
    std::optional<UdpSockets> udp_;
    uint64_t ready_ = 0;
};

// ---------------------------------------------------------------------------
// Hosts. On the inside LAN the tap is a switch's span port; there `on_prem`
// only orients a hop's two MAC addresses, so the Expressway-C takes the
// other role from its two peers.

constexpr uint64_t kGigabit = 1'000'000'000;
// Expressway-E inside (traversal server), Expressway-C, CUCM (guide 1.6, EN L1771-1831).
HostSpec expe_inside() { return {v4(192, 168, 1, 6), &kExpresswayStack, 0, 60 * kUs, true, kGigabit}; }
HostSpec expc() { return {v4(192, 168, 1, 5), &kExpresswayStack, 0, 60 * kUs, false, kGigabit}; }
HostSpec cucm() { return {v4(192, 168, 1, 21), &kLinuxStack, 0, 80 * kUs, true, kGigabit}; }
// The same trunk over IPv6 (documentation prefix).
HostSpec expc_v6() { return {v6(0x20010db800010000, 0x5), &kExpresswayStack, 0, 60 * kUs, false, kGigabit}; }
HostSpec cucm_v6() { return {v6(0x20010db800010000, 0x21), &kLinuxStack, 0, 80 * kUs, true, kGigabit}; }
// Seed 003: the Expressway-E's public address and, for the redacted Webex
// edge, the Webex B2BUA its 500's Warning names (a VCS: Linux, X8.5.2).
HostSpec cmr_expe() { return {v4(58, 162, 48, 4), &kExpresswayStack, 1, 100 * kUs, true, kGigabit}; }
HostSpec cmr_webex() { return {v4(114, 29, 213, 174), &kExpresswayStack, 14, 45 * kMs, false, kGigabit}; }

// ---------------------------------------------------------------------------
// The messages, call by call. `k` supplies identifiers (Keys).

// --- IN-4: Webex's INVITE, forwarded by the Expressway-E to the
// Expressway-C with the preloaded Route to the CUCM cluster, refused 404
// "Policy Response" by the Expressway-C 6 ms later (captures 1.6.1,
// EN L1423-1471 and L1553-1597).

std::string in4_top_via(Keys& k, bool answered) {
    return cat("Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK",
               k("c81c6cddddef7edbbe5bdce9868fb019"), k("913"),
               ";proxy-call-id=", k("a82052ef-6fd7-4506-8173-e73af6655b5d"),
               answered ? ";received=192.168.1.6;rport=7003;ingress-zone=HybridCallServiceTraversal" : ";rport");
}
std::string in4_lower_vias(Keys& k) {
    return cat("Via: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bK", k("b0eba6d700dfdf761a8ad97fff3c2401"), k("24"),
               ";x-cisco-local-service=nettle;received=192.168.1.6;rport=", k("43119"), ";ingress-zone=DefaultZone\r\n",
               "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK",
               k("6fe399bae58fb0d70c9d69b8e37e13e5"), k("912"), ".", k("4248943487bff4af6f649b586c7696bb"),
               ";proxy-call-id=", k("f2d15853-c81f-462f-b3e5-c08124f344a3"), ";received=172.16.2.2;rport=25016\r\n",
               "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK", k("0f455ca79cf1b0af5637333aa5286436"),
               ";received=146.20.193.45;rport=35464;ingress-zone=HybridCallServicesDNS\r\n",
               "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-", k("383039"), "-",
               k("8f0d64025c04d23b6d5e1d5142dbdbec"), ";rport=52706");
}
std::string in4_call_id(Keys& k) { return cat("Call-ID: ", k("9062bca7eca2afe71b4a225048ed5101"), "@127.0.0.1"); }
std::string in4_from(Keys& k) {
    return cat("From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=", k("872524918"));
}

std::string in4_invite(Keys& k) {
    const std::string p = k("a82052ef-6fd7-4506-8173-e73af6655b5d");
    return sip({"INVITE sip:jorobb@rtp.ciscotac.net SIP/2.0", in4_top_via(k, false), in4_lower_vias(k), in4_call_id(k),
                "CSeq: 1 INVITE", "Contact: <sip:192.168.1.6:5073;transport=tls>;call-type=squared", in4_from(k),
                "To: <sip:jorobb@rtp.ciscotac.net>", "Max-Forwards: 15", "Route: <sip:cucm.rtp.ciscotac.net;lr>",
                cat("Record-Route: <sip:proxy-call-id=", p, "@192.168.1.6:7003;transport=tls;lr>"),
                cat("Record-Route: <sip:proxy-call-id=", p, "@192.168.1.6:5061;transport=tls;lr>"),
                "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)", "Supported: replaces,timer",
                "Session-Expires: 1800;refresher=uac",
                cat("Session-ID: ", k("daf7c278732bb5a557fb57925dffcbf7"), ";remote=00000000000000000000000000000000")},
               webex_offer(k, "tandberg", "192.168.1.6", 36010));
}

std::string in4_not_found(Keys& k) {
    return sip({"SIP/2.0 404 Not Found", in4_top_via(k, true), in4_lower_vias(k), in4_call_id(k), "CSeq: 1 INVITE",
                in4_from(k), cat("To: <sip:jorobb@rtp.ciscotac.net>;tag=", k("96b9a0eaf669a590")),
                "Server: TANDBERG/4135 (X8.10.2)", "Warning: 399 192.168.1.5:5061 \"Policy Response\"",
                cat("Session-ID: 00000000000000000000000000000000;remote=", k("daf7c278732bb5a557fb57925dffcbf7"))});
}

// RFC 3261 17.1.1.3: the ACK of a non-2xx answer repeats the INVITE's top
// Via (same branch), Request-URI, Call-ID, From and Route; To from the answer.
std::string in4_ack(Keys& k) {
    return sip({"ACK sip:jorobb@rtp.ciscotac.net SIP/2.0", in4_top_via(k, false), in4_call_id(k), "CSeq: 1 ACK",
                in4_from(k), cat("To: <sip:jorobb@rtp.ciscotac.net>;tag=", k("96b9a0eaf669a590")), "Max-Forwards: 15",
                "Route: <sip:cucm.rtp.ciscotac.net;lr>"});
}

// --- The CUCM's outbound INVITE (OUT-1's, captures 1.6.3, EN L2397-2463:
// User-Agent Cisco-CUCM11.5, Remote-Party-ID, Expires, Supported,
// Session-Expires, Content-Length 714), as the CUCM sends it on the trunk
// to the Expressway-C and as the Expressway-C forwards it to the
// Expressway-E (its Via and Record-Routes, X-TAATag), where OUT-3 and OUT-4
// refuse it.
struct CucmCall {
    std::string call_id;     // "<hex>-<hex>-<hex>-1501a8c0@192.168.1.21"
    std::string from_tag;    // "<n>~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-<n>"
    std::string session_id;  // the CUCM's Session-ID
    std::string date;        // "Mon, 25 Sep 2017 15:26:02 GMT"
    std::string taa_tag;     // X-TAATag the Expressway-C adds
    std::string request_uri = "sip:pstojano-test@dmzlab.call.ciscospark.com";
    std::string host = "192.168.1.21";  // the CUCM's address as SIP writes it ("[...]" for IPv6)
    std::string transport = "TCP";      // on the trunk
    bool video = true;                  // offers (or will offer) video
    std::string body;                   // the offer; empty: delayed offer
};

// A CUCM call the guide does not give: its identifiers in the CUCM's forms.
CucmCall cucm_call(Keys& k, std::string_view date) {
    CucmCall c;
    c.call_id =
        cat(k.hex("cucm-cid-1", 8), "-", k.hex("cucm-cid-2", 8), "-", k.hex("cucm-cid-3", 5), "-1501a8c0@192.168.1.21");
    c.session_id = cat("75957d4fb66a13e835c10737aa", k.digits("cucm-session", 6));
    c.from_tag = cat(k.digits("cucm-tag", 6), "~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-3010", k.digits("cucm-tag-n", 4));
    c.date = date;
    c.taa_tag = cat(k.hex("taa-1", 8), "-", k.hex("taa-2", 4), "-", k.hex("taa-3", 4), "-", k.hex("taa-4", 4), "-",
                    k.hex("taa-5", 12));
    return c;
}

// The CUCM's Via on a request (its transaction named by `branch`); as the
// Expressway-C received it, with received= and the zone.
std::string cucm_via(Keys& k, const CucmCall& c, bool answered, std::string_view branch = "invite") {
    return cat("Via: SIP/2.0/", c.transport, " ", c.host, ":5060;branch=z9hG4bK", k.hex(cat("cucm-", branch), 14),
               answered ? cat(";received=", c.host, ";ingress-zone=CUCM11") : "");
}
// The Expressway-C's Via on its traversal connection from `port` to the
// Expressway-E (TLS, as the guide's traversal hop logs it).
std::string expc_via(Keys& k, uint16_t port, bool answered) {
    return cat(
        "Via: SIP/2.0/TLS 192.168.1.5:5061;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK",
        k.hex("expc-branch", 32), k.digits("expc-branch-n", 3), ";proxy-call-id=", uuid(k, "expc-pcid"),
        answered ? cat(";received=192.168.1.5;rport=", std::to_string(port), ";ingress-zone=HybridCallServiceTraversal")
                 : ";rport");
}
std::string cucm_from(const CucmCall& c) {
    return cat("From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=", c.from_tag);
}

// The Expressway-E's Via when it forwards the CUCM's call to Webex itself,
// as in seed 003 (no B2BUA: BI-2's 200 OK reaches the CUCM as Webex wrote it).
std::string expe_proxy_via(Keys& k, std::string_view webex_view) {
    return cat("Via: SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK",
               k.hex("expe-branch", 32), k.digits("expe-branch-n", 4), ";proxy-call-id=", uuid(k, "expe-pcid"),
               webex_view.empty() ? ";rport" : webex_view);
}

// How far the CUCM's INVITE has come: on the trunk, forwarded by the
// Expressway-C (to the Expressway-E), or by both Expressways (to Webex).
enum class Hop { kTrunk, kTraversal, kWebex };

// The Expressway-C's Record-Route entries: towards the Expressway-E (TLS)
// and towards the CUCM (the trunk's transport).
std::string expc_rr(Keys& k, const CucmCall& c, bool traversal_side) {
    return traversal_side ? cat("<sip:proxy-call-id=", uuid(k, "expc-pcid"), "@192.168.1.5:5061;transport=tls;lr>")
                          : cat("<sip:proxy-call-id=", uuid(k, "expc-pcid"),
                                "@192.168.1.5:5060;transport=", c.transport == "UDP" ? "udp" : "tcp", ";lr>");
}
std::string expc_record_routes(Keys& k, const CucmCall& c) {
    return cat(expc_rr(k, c, true), ",", expc_rr(k, c, false));
}
std::string expe_record_routes(Keys& k) {
    const std::string pcid = uuid(k, "expe-pcid");
    return cat("<sip:proxy-call-id=", pcid, "@64.102.241.236:5062;transport=tls;lr>,<sip:proxy-call-id=", pcid,
               "@192.168.1.6:7003;transport=tls;lr>");
}

std::string cucm_invite(Keys& k, const CucmCall& c, Hop hop, uint16_t expc_port = 0) {
    const bool by_c = hop != Hop::kTrunk, by_e = hop == Hop::kWebex;
    return sip({cat("INVITE ", c.request_uri, " SIP/2.0"),
                by_e ? expe_proxy_via(k, "") : "",
                by_c ? expc_via(k, expc_port, by_e) : "",
                cucm_via(k, c, by_c),
                cat("Call-ID: ", c.call_id),
                "CSeq: 101 INVITE",
                "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;party=calling;screen=yes;privacy=off",
                cat("Contact: <sip:5010@", c.host, ":5060;transport=", c.transport == "UDP" ? "udp" : "tcp", ">",
                    c.video ? ";video;audio" : ";audio"),
                cucm_from(c),
                cat("To: <", c.request_uri, ">"),
                cat("Max-Forwards: ", std::to_string(70 - int(by_c) - int(by_e))),
                by_e ? cat("Record-Route: ", expe_record_routes(k)) : "",
                by_c ? cat("Record-Route: ", expc_record_routes(k, c)) : "",
                "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY",
                "User-Agent: Cisco-CUCM11.5",
                "Expires: 180",
                cat("Date: ", c.date),
                "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called",
                "Session-Expires: 1800",
                "Min-SE: 1800",
                "Allow-Events: presence",
                by_c ? cat("X-TAATag: ", c.taa_tag) : "",
                "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP",
                cat("Cisco-Guid: ", k.digits("guid-1", 10), "-0000065536-00000", k.digits("guid-3", 5), "-",
                    k.digits("guid-4", 10)),
                cat("Session-ID: ", c.session_id, ";remote=00000000000000000000000000000000")},
               c.body);
}

// A response on the CUCM's call: the request's Vias as received, Call-ID,
// CSeq, From, To (tagged once the dialog exists), then `extra` header lines
// and the body.
std::string cucm_response(const CucmCall& c, std::string_view vias, std::string_view status, std::string_view cseq,
                          std::string_view to_tag, std::string_view extra, std::string_view body = {}) {
    return sip({cat("SIP/2.0 ", status), vias, cat("Call-ID: ", c.call_id), cat("CSeq: ", cseq), cucm_from(c),
                cat("To: <", c.request_uri, ">", to_tag.empty() ? "" : ";tag=", to_tag), extra},
               body);
}
// The Vias of the CUCM's INVITE as they come back to the CUCM, or (with
// `expc_port`) to the Expressway-C.
std::string invite_vias(Keys& k, const CucmCall& c, std::optional<uint16_t> expc_port) {
    return join({expc_port ? expc_via(k, *expc_port, true) : "", cucm_via(k, c, true)});
}

// The Expressway's refusal of an outbound call (OUT-3 404, OUT-4 403): its
// Warning names the Expressway-E's traversal port as the guide logs it.
std::string policy_refusal(Keys& k, const CucmCall& c, uint16_t expc_port, std::string_view status,
                           std::string_view to_tag) {
    return cucm_response(c, invite_vias(k, c, expc_port), status, "101 INVITE", to_tag,
                         join({"Server: TANDBERG/4135 (X8.10.2)", "Warning: 399 192.168.1.6:7003 \"Policy Response\"",
                               cat("Session-ID: 00000000000000000000000000000000;remote=", c.session_id)}));
}

// The Expressway-C's ACK of a non-2xx answer, hop by hop (RFC 3261 17.1.1.3).
std::string expc_ack(Keys& k, const CucmCall& c, uint16_t expc_port, std::string_view to_tag) {
    return sip({cat("ACK ", c.request_uri, " SIP/2.0"), expc_via(k, expc_port, false), cat("Call-ID: ", c.call_id),
                "CSeq: 101 ACK", cucm_from(c), cat("To: <", c.request_uri, ">;tag=", to_tag), "Max-Forwards: 69"});
}

// --- The trunk side of a healthy outbound call: the Expressway-C relays the
// answers of the Expressway-E's B2BUA (its inside Contact 192.168.1.6:5071,
// as the BI-1 BYE is addressed) to the CUCM, with both Expressways'
// Record-Routes; the CUCM ACKs, later hangs up.
struct TrunkDialog {
    std::string to_tag;          // the B2BUA's
    std::string remote_session;  // its Session-ID
    std::string expe_pcid;       // the Expressway-E's proxy-call-id
};
TrunkDialog trunk_dialog(Keys& k) {
    return {k.hex("b2bua-inside-tag", 16), k.hex("b2bua-inside-session", 32), uuid(k, "expe-inside-pcid")};
}
// The Record-Route set as the answers carry it (each proxy put its entries
// on top: the B2BUA-side Expressway-E's above the Expressway-C's); the CUCM
// (UAC) routes its in-dialog requests along it reversed.
std::string trunk_route_set(Keys& k, const CucmCall& c, const TrunkDialog& d, bool as_route) {
    const std::string e1 = cat("<sip:proxy-call-id=", d.expe_pcid, "@192.168.1.6:5061;transport=tls;lr>");
    const std::string e2 = cat("<sip:proxy-call-id=", d.expe_pcid, "@192.168.1.6:7003;transport=tls;lr>");
    if (as_route) return cat("Route: ", expc_rr(k, c, false), ",", expc_rr(k, c, true), ",", e2, ",", e1);
    return cat("Record-Route: ", e1, ",", e2, ",", expc_record_routes(k, c));
}
std::string trunk_answer(Keys& k, const CucmCall& c, const TrunkDialog& d, std::string_view status,
                         std::string_view body = {}) {
    return cucm_response(
        c, invite_vias(k, c, {}), status, "101 INVITE", d.to_tag,
        join({"Contact: <sip:192.168.1.6:5071;transport=tls>", trunk_route_set(k, c, d, false),
              "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
              "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
              body.empty() ? "" : "Supported: X-cisco-srtp-fallback,replaces,timer",
              body.empty() ? "" : "Session-Expires: 1800;refresher=uac", body.empty() ? "" : "Require: timer",
              cat("Session-ID: ", d.remote_session, ";remote=", c.session_id)}),
        body);
}
// An in-dialog request from the CUCM (ACK of the 2xx, BYE) along the route set.
std::string cucm_in_dialog(Keys& k, const CucmCall& c, const TrunkDialog& d, std::string_view method,
                           std::string_view cseq) {
    return sip({cat(method, " sip:192.168.1.6:5071;transport=tls SIP/2.0"), cucm_via(k, c, false, method),
                cat("Call-ID: ", c.call_id), cat("CSeq: ", cseq), cucm_from(c),
                cat("To: <", c.request_uri, ">;tag=", d.to_tag), "Max-Forwards: 70", trunk_route_set(k, c, d, true),
                "User-Agent: Cisco-CUCM11.5", cat("Date: ", c.date),
                cat("Session-ID: ", c.session_id, ";remote=", d.remote_session)});
}
// The B2BUA's answer to the CUCM's BYE, relayed by the Expressway-C.
std::string trunk_bye_ok(Keys& k, const CucmCall& c, const TrunkDialog& d) {
    return cucm_response(c, cucm_via(k, c, true, "BYE"), "200 OK", "102 BYE", d.to_tag,
                         join({"User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
                               cat("Session-ID: ", d.remote_session, ";remote=", c.session_id)}));
}

// --- Webex's side of an outbound call (captures 1.6.6, EN L3722-3826).
// Webex answers from l2sip-UA (User-Agent Cisco-L2SIP) with its Locus ids,
// and returns the top Via with its own rport/received (its load balancer).
struct WebexDialog {
    std::string vias;  // the INVITE's Vias as Webex returns them
    std::string call_id, from, to;
    std::string tag;           // Webex's To tag
    std::string record_route;  // the Record-Route set of its 1xx/2xx
    std::string session;       // Webex's Session-ID value
    std::string locus;
};

std::string webex_answer(const WebexDialog& d, std::string_view status, bool dialog, std::string_view body = {},
                         std::string_view extra = {}) {
    const bool trying = status.starts_with("100");
    return sip({cat("SIP/2.0 ", status), d.vias, cat("Call-ID: ", d.call_id), "CSeq: 101 INVITE",
                dialog ? "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>" : "",
                cat("From: ", d.from), cat("To: ", d.to, trying ? "" : ";tag=", trying ? "" : d.tag),
                dialog ? cat("Record-Route: ", d.record_route) : "", extra,
                trying ? "" : "Allow: INVITE,ACK,CANCEL,BYE,REFER,INFO,OPTIONS,NOTIFY,SUBSCRIBE",
                trying ? "" : "User-Agent: Cisco-L2SIP",
                body.empty() ? "" : "Supported: replaces\r\nAccept: application/sdp\r\nAllow-Events: kpml",
                trying ? "" : cat("Session-ID: ", d.session), trying ? "" : cat("Locus: ", d.locus),
                trying ? "" : "Locus-Type: CALL"},
               body);
}

// --- BI-1: the Expressway-E's B2BUA calls Webex (INVITE sent from
// 172.16.2.2:25034 at 14:46:10.488, EN L3556-3708); Webex answers 16.6 s
// later with audio zeroed; the CUCM hangs up 103 ms after the answer with
// Q.850 cause 47, which the B2BUA passes on.
struct B2buaLeg {
    std::string call_id = "44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21";
    std::string session = "75957d4fb66a13e835c10737aa329445";
    std::string taa_tag = "14a0bd87-1825-4ecf-9f3d-4a23cfa69725";
};
std::string b2bua_pcid(Keys& k) { return k("a3a78ee2-c01b-4741-b29b-55aedea256d2"); }
// The B2BUA's request Vias: the Expressway-E proxy's and the B2BUA's own (its
// transaction `txn`), as sent, or as Webex returns them.
std::string b2bua_vias(Keys& k, std::string_view txn, bool returned) {
    const bool invite = txn == "INVITE";
    const std::string branch = invite
                                   ? cat(k("323e6b15ad0cbbf409751f67848136fa"), k("1115"))
                                   : cat(k.hex(cat("b2bua-proxy-", txn), 32), k.digits(cat("b2bua-proxy-n-", txn), 4));
    const std::string top = cat("SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK",
                                branch, ";proxy-call-id=", b2bua_pcid(k),
                                returned ? cat(";rport=", k("38245"), ";received=192.168.5.26") : ";rport");
    const std::string own =
        cat("SIP/2.0/TLS 172.16.2.2:5073;branch=z9hG4bK", k.hex(cat("b2bua-", txn), 32),
            ";x-cisco-local-service=nettle;received=172.16.2.2;rport=", k.digits(cat("b2bua-rport-", txn), 5),
            ";ingress-zone=DefaultZone");
    // Webex writes the Vias it returns as one header, comma-separated (EN L3534-3624).
    return returned ? cat("Via: ", top, ",", own) : cat("Via: ", top, "\r\nVia: ", own);
}
std::string b2bua_from(Keys& k) {
    return cat("\"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=", k.hex("b2bua-outside-tag", 16));
}
WebexDialog bi1_webex(Keys& k, const B2buaLeg& l, std::string_view txn) {
    const std::string pcid = b2bua_pcid(k);
    return {b2bua_vias(k, txn, true),
            k(l.call_id),
            b2bua_from(k),
            "<sip:pstojano-test@dmzlab.call.ciscospark.com>",
            k("1311451760"),
            cat("<sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr>,<sip:proxy-call-id=", pcid,
                "@64.102.241.236:5062;transport=tls;lr>,<sip:proxy-call-id=", pcid,
                "@64.102.241.236:5061;transport=tls;lr>"),
            cat(k("ed35426ed3ade6fdc3b058792333df2b"), ";remote=", k(l.session)),
            k("4711a33f-9d49-11e7-9bf6-dea12d0f2127")};
}

std::string bi1_invite(Keys& k, const B2buaLeg& l) {
    const std::string pcid = b2bua_pcid(k);
    return sip({"INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0", b2bua_vias(k, "INVITE", false),
                cat("From: ", b2bua_from(k)), "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>",
                cat("Call-ID: ", k(l.call_id)), "CSeq: 101 INVITE",
                "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;privacy=off;screen=no;party=calling",
                "Contact: <sip:172.16.2.2:5073;transport=tls>;video;audio", "Max-Forwards: 14",
                cat("Record-Route: <sip:proxy-call-id=", pcid, "@64.102.241.236:5062;transport=tls;lr>"),
                cat("Record-Route: <sip:proxy-call-id=", pcid, "@64.102.241.236:5061;transport=tls;lr>"),
                "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)", "Supported: X-cisco-srtp-fallback,replaces,timer",
                "Session-Expires: 1800;refresher=uac", "Min-SE: 500", cat("X-TAATag: ", k(l.taa_tag)),
                cat("Session-ID: ", k(l.session), ";remote=00000000000000000000000000000000")},
               g729_offer(k));
}

// The B2BUA's ACK of the 2xx and its BYE, to Webex's Contact through
// Webex's edge (the Expressway-E takes its own Route entries off).
std::string bi1_in_dialog(Keys& k, const B2buaLeg& l, std::string_view method) {
    const bool bye = method == "BYE";
    return sip({cat(method, " sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"),
                b2bua_vias(k, method, false), cat("From: ", b2bua_from(k)),
                cat("To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=", k("1311451760")),
                cat("Call-ID: ", k(l.call_id)), bye ? "CSeq: 102 BYE" : "CSeq: 101 ACK", "Max-Forwards: 69",
                "Route: <sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr>",
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)", bye ? "Reason: Q.850 ;cause=47" : "",
                cat("Session-ID: ", k(l.session), ";remote=", k("ed35426ed3ade6fdc3b058792333df2b"))});
}

std::string bi1_bye_ok(Keys& k, const B2buaLeg& l) {
    const WebexDialog d = bi1_webex(k, l, "BYE");
    return sip({"SIP/2.0 200 OK", d.vias, cat("Call-ID: ", d.call_id), "CSeq: 102 BYE", cat("From: ", d.from),
                cat("To: ", d.to, ";tag=", d.tag), "User-Agent: Cisco-L2SIP", cat("Session-ID: ", d.session)});
}

// --- BI-2: a delayed-offer call from the CUCM through both Expressways
// (proxying, as in seed 003) to Webex. Webex's 200 OK carries its offer
// (Content-Length 4068) and reaches the CUCM as Webex wrote it; the CUCM
// reads 5000 bytes ("Content Length 4068, Bytes Remaining 3804"), so the
// message is 8804 bytes with a 4736-byte header block. The guide gives those
// sizes, not the headers: the bulk here is the state Webex's stateless edge
// keeps in its Record-Route URIs (RFC 3261 16.6), sized to that block.
constexpr size_t kBi2HeaderBlock = 4736;
constexpr uint16_t kBi2TraversalPort = 26686;  // the Expressway-C's traversal connection (not on these wires)

WebexDialog bi2_webex(Keys& k, const CucmCall& c, bool at_trunk, size_t token_len) {
    const std::string top = expe_proxy_via(k, cat(";rport=", k.digits("bi2-webex-rport", 5), ";received=192.168.5.26"));
    WebexDialog d;
    d.vias = at_trunk
                 ? cucm_via(k, c, true)
                 : cat(top, ",", expc_via(k, kBi2TraversalPort, true).substr(5), ",", cucm_via(k, c, true).substr(5));
    d.call_id = c.call_id;
    d.from = cucm_from(c).substr(6);
    d.to = cat("<", c.request_uri, ">");
    d.tag = k.digits("bi2-webex-tag", 10);
    d.record_route = cat(
        "<sip:192.168.5.26:5062;transport=tls;lr;x-route=", k.token("bi2-rr-1", token_len / 2),
        ">,<sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr;x-route=", k.token("bi2-rr-2", token_len - token_len / 2),
        ">,", expe_record_routes(k), ",", expc_record_routes(k, c));
    d.session = cat(k.hex("bi2-webex-session", 32), ";remote=", c.session_id);
    d.locus = k("c904ecb1-d286-11e6-bfdf-b60ed914549d");
    return d;
}

size_t header_block(std::string_view m) { return m.find("\r\n\r\n") + 4; }

// The route-state length that brings the 200 OK's header block at the
// CUCM to kBi2HeaderBlock; Webex's 1xx/2xx of the dialog all carry it.
size_t bi2_route_state(Keys& k, const CucmCall& c) {
    const size_t bare = header_block(webex_answer(bi2_webex(k, c, true, 0), "200 OK", true, webex_full_offer(k)));
    if (bare > kBi2HeaderBlock) throw std::logic_error("BI-2 200 OK headers over the guide's size");
    return kBi2HeaderBlock - bare;
}

// --- Seed 003: the Expressway-E's delayed-offer INVITE to Webex and
// Webex's 500 "Invalid content in far end 200 OK", verbatim (captures 2.3 b
// and c, wrapped lines joined), and the Expressway-E's ACK of it.
std::string cmr_top_via(Keys& k) {
    return cat("Via: SIP/2.0/TLS 58.162.48.4:5061;egress-zone=DNSZoneB2B;branch=z9hG4bK",
               k("6f09b6c9d25bf7f92fa25e6f9a336a0b"), k("52417"), ".", k("3f21ed7645b445bb8e55e174caa5935c"),
               ";proxy-call-id=", k("b8fb1c34-d048-472b-8b41-81c96abb19d1"), ";rport");
}
std::string cmr_call_id(Keys& k) { return cat("Call-ID: ", k("e7672380-5991e82c-e0ca3-64151cac@172.28.21.100")); }
std::string cmr_from(Keys& k) {
    return cat("From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=", k("2950560"), "~",
               k("3fb53c10-0c98-891d-d84f-6fa87e4135c3"), "-", k("22671423"));
}
std::string cmr_to(Keys& k) {
    return cat("To: \"CiscoWebEx\" <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>;tag=", k("38659d409ccec3f7"));
}

std::string cmr_invite(Keys& k) {
    const std::string p1 = k("b8fb1c34-d048-472b-8b41-81c96abb19d1"), p2 = k("fdbf1c60-62e1-4204-884a-00fe8664ee66");
    return sip({"INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0",
                cmr_top_via(k),
                cat("Via: SIP/2.0/TLS 172.28.21.104:5061;egress-zone=TraversalClientB2B;branch=z9hG4bK",
                    k("ae647bb81b403d0562281463002ad68a"), k("379858"), ".", k("bdfb90811a812d6a11d607f3e17095a1"),
                    ";proxy-call-id=", p2, ";received=172.28.21.104;rport=25048;ingress-zone=TraversalServerB2B"),
                cat("Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK", k("11c80762b0b051"),
                    ";received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B"),
                cmr_call_id(k),
                "CSeq: 101 INVITE",
                "Remote-Party-ID: \"7221.company.com.au\" <sip:172.28.21.100>;party=calling;screen=yes;privacy=off",
                "Contact: <sip:172.28.21.100:5560;transport=tcp>;video;audio;isFocus;sip.cisco.multistream;"
                "x-cisco-tip;+multiple-codecs-in-ans",
                cmr_from(k),
                "To: <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>",
                "Max-Forwards: 14",
                cat("Record-Route: <sip:proxy-call-id=", p1, "@58.162.48.4:5061;transport=tls;lr>"),
                cat("Record-Route: <sip:proxy-call-id=", p1, "@172.28.21.110:7011;transport=tls;lr>"),
                cat("Record-Route: <sip:proxy-call-id=", p2, "@172.28.21.104:5061;transport=tls;lr>"),
                cat("Record-Route: <sip:proxy-call-id=", p2, "@172.28.21.104:5060;transport=tcp;lr>"),
                "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY",
                "User-Agent: Cisco-CUCM10.5",
                "Expires: 180",
                "Date: Mon, 06 Jul 2015 02:30:04 GMT",
                "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called",
                "Session-Expires: 1800",
                "Min-SE: 1800",
                "Allow-Events: presence",
                cat("X-TAATag: ", k("4a936c0c-69a7-4fd8-a070-82b7c3ecb3ce")),
                "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP",
                cat("Cisco-Guid: ", k("3882296192"), "-0000065536-0000007914-", k("1679105196"))});
}

std::string cmr_server_error(Keys& k) {
    return sip(
        {"SIP/2.0 500 Internal Server Error",
         cat("Via: SIP/2.0/TLS 58.162.48.4:5061;branch=z9hG4bK", k("6f09b6c9d25bf7f92fa25e6f9a336a0b"), k("52417"), ".",
             k("3f21ed7645b445bb8e55e174caa5935c"), ";rport=25129;egress-zone=DNSZoneB2B;",
             "proxy-call-id=", k("b8fb1c34-d048-472b-8b41-81c96abb19d1")),
         cat("Via: SIP/2.0/TLS 172.28.21.104:5061;branch=z9hG4bK", k("ae647bb81b403d0562281463002ad68a"), k("379858"),
             ".", k("bdfb90811a812d6a11d607f3e17095a1"), ";rport=25048;egress-zone=TraversalClientB2B;proxy-call-id=",
             k("fdbf1c60-62e1-4204-884a-00fe8664ee66"), ";received=172.28.21.104;ingress-zone=TraversalServerB2B"),
         cat("Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK", k("11c80762b0b051"),
             ";received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B"),
         cmr_call_id(k), "CSeq: 101 INVITE", cmr_from(k), cmr_to(k), "Server: TANDBERG/4352 (X8.5.2-b2bua-1.0)",
         "P-Asserted-Identity: \"CiscoWebEx\" <sip:webex.com>",
         "Warning: 399 114.29.213.174:5071 \"Invalid content in far end 200 OK\""});
}

std::string cmr_ack(Keys& k) {
    return sip({"ACK sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0", cmr_top_via(k), cmr_call_id(k),
                "CSeq: 101 ACK", cmr_from(k), cmr_to(k), "Max-Forwards: 70"});
}

// --- IN-5 and the inbound calls: Webex's INVITE as the Expressway-E
// received it from 146.20.193.73:40342 (EN L2058-2088, guide 3.3; the
// headers after Route, which the guide does not show, as Webex sends them),
// the B2BUA's answers, Webex's ACK and BYE.
std::string webex_in_vias(Keys& k, bool received, std::string_view txn = "INVITE") {
    const bool invite = txn == "INVITE";
    const std::string b1 = invite ? k("564cd36d87f3417513c9b559dc666f71") : k.hex(cat("webex-in-", txn), 32);
    const std::string b2 = invite ? cat(k("3237"), "-", k("5c5060d07ecc546a0bb861ef52a5f507"))
                                  : cat(k.digits(cat("webex-in-n-", txn), 4), "-", k.hex(cat("webex-in-2-", txn), 32));
    const std::string top =
        cat("SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK", b1,
            received ? ";received=146.20.193.73;rport=40342;ingress-zone=HybridCallServicesDNS" : "");
    const std::string second = cat("SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-", b2, ";rport=", k("43306"));
    // Webex sends its Vias as one comma-separated header; the Expressway
    // answers with one Via header per value.
    return received ? cat("Via: ", top, "\r\nVia: ", second) : cat("Via: ", top, ",", second);
}
std::string webex_in_call_id(Keys& k) { return cat("Call-ID: ", k("6bc0ca8210c0b48df69f38057ec1e48b"), "@127.0.0.1"); }
std::string webex_in_from(Keys& k) {
    return cat("From: \"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=", k("540300020"));
}
std::string webex_in_session(Keys& k) { return k.hex("webex-in-session", 32); }

std::string webex_in_invite(Keys& k) {
    return sip({"INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0", webex_in_vias(k, false), webex_in_call_id(k),
                "CSeq: 1 INVITE",
                "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>;call-type=squared",
                webex_in_from(k), "To: <sip:pstojano-test@rtp.ciscotac.net>", "Max-Forwards: 70",
                "Route: <sip:l2sip@64.102.241.236:5062;transport=tls;lr>,<sip:cucm.rtp.ciscotac.net;lr>",
                "Allow: INVITE,ACK,CANCEL,BYE,REFER,INFO,OPTIONS,NOTIFY,SUBSCRIBE", "User-Agent: Cisco-L2SIP",
                "Supported: replaces", "Allow-Events: kpml",
                cat("Session-ID: ", webex_in_session(k), ";remote=00000000000000000000000000000000"),
                cat("Locus: ", k.hex("in-locus-1", 8), "-", k.hex("in-locus-2", 4), "-11e7-", k.hex("in-locus-4", 4),
                    "-", k.hex("in-locus-5", 12)),
                "Locus-Type: CALL"},
               webex_offer(k, "linus", "146.20.193.109", 33510));
}

// The Expressway-E B2BUA's answers to Webex (100 at once; 180 and 200 once
// the inside leg has them).
std::string expe_in_answer(Keys& k, std::string_view status, std::string_view body = {}) {
    const bool trying = status.starts_with("100");
    return sip(
        {cat("SIP/2.0 ", status), webex_in_vias(k, true), webex_in_call_id(k), "CSeq: 1 INVITE", webex_in_from(k),
         cat("To: <sip:pstojano-test@rtp.ciscotac.net>", trying ? "" : ";tag=", trying ? "" : k.hex("expe-in-tag", 16)),
         trying ? "Server: TANDBERG/4135 (X8.10.2)" : "Contact: <sip:172.16.2.2:5073;transport=tls>",
         trying ? "" : "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
         trying ? "" : "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
         trying ? "" : cat("Session-ID: ", k.hex("expe-in-session", 32), ";remote=", webex_in_session(k))},
        body);
}

// Webex's in-dialog requests to the B2BUA's Contact: the ACK of its 200, the BYE.
std::string webex_in_request(Keys& k, std::string_view method) {
    const bool bye = method == "BYE";
    return sip({cat(method, " sip:172.16.2.2:5073;transport=tls SIP/2.0"), webex_in_vias(k, false, method),
                webex_in_call_id(k), bye ? "CSeq: 2 BYE" : "CSeq: 1 ACK", webex_in_from(k),
                cat("To: <sip:pstojano-test@rtp.ciscotac.net>;tag=", k.hex("expe-in-tag", 16)), "Max-Forwards: 70",
                "User-Agent: Cisco-L2SIP",
                cat("Session-ID: ", webex_in_session(k), ";remote=", k.hex("expe-in-session", 32))});
}
std::string expe_in_bye_ok(Keys& k) {
    return sip({"SIP/2.0 200 OK", webex_in_vias(k, true, "BYE"), webex_in_call_id(k), "CSeq: 2 BYE", webex_in_from(k),
                cat("To: <sip:pstojano-test@rtp.ciscotac.net>;tag=", k.hex("expe-in-tag", 16)),
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
                cat("Session-ID: ", k.hex("expe-in-session", 32), ";remote=", webex_in_session(k))});
}

// --- Inbound calls inside: the B2BUA's INVITE on the traversal hop to the
// Expressway-C (IN-5, EN L2095-2141: same Call-ID and From tag, egress-zone
// HybridCallServiceTraversal, and the Contact without call-type=squared when
// parameter preservation is off), or on to the CUCM on 5065 (EN L1771-1831,
// the call after IN-4's fix). The Expressway-C's 100, the CUCM's 180/200
// (relayed by the Expressway-C on the traversal hop), the B2BUA's ACK, the
// CUCM's BYE.
struct InboundCall {
    std::string call_id;  // "Call-ID: ..." line
    std::string from;     // "From: ..." line
    std::string request_uri;
    std::string webex_vias;  // Webex's Vias as the Expressway-E received them
    bool to_cucm;            // the Expressway-C -> CUCM hop (else the traversal hop)
    bool squared;            // Contact keeps call-type=squared
    int audio_port;          // the B2BUA's media ports inside
    uint16_t c_port = 0;     // the Expressway-C's source port to the CUCM
};

InboundCall in5_inside(Keys& k) {
    return {webex_in_call_id(k),
            webex_in_from(k),
            "sip:pstojano-test@rtp.ciscotac.net",
            webex_in_vias(k, true),
            false,
            false,
            36020};
}
// The call after IN-4's fix, as the Expressway-C sends it to the CUCM from
// `c_port` (Call-ID OCR "daala6f..." read as 32 hex digits, as Webex writes them).
InboundCall healthy_to_cucm(Keys& k, uint16_t c_port) {
    return {cat("Call-ID: ", k("da1a6fab546ce76591fc464f0a50ee32"), "@127.0.0.1"),
            cat("From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=", k("567490631")),
            "sip:jorobb@rtp.ciscotac.net",
            cat("Via: SIP/2.0/TLS 192.168.4.146:5062;branch=z9hG4bK", k.hex("healthy-webex-branch", 32),
                ";received=148.62.40.64;rport=36149;ingress-zone=HybridCallServicesDNS\r\n",
                "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-", k.digits("healthy-webex-n", 4), "-",
                k.hex("healthy-webex-branch-2", 32), ";rport=", k.digits("healthy-webex-rport", 5)),
            true,
            true,
            36030,
            c_port};
}

// The Vias of a request the B2BUA sends inside (transaction `txn`): the
// Expressway-C's on the CUCM hop, the Expressway-E's traversal Via; for the
// INVITE also its B2BUA loop and Webex's. `answered`: as they come back.
std::string inside_vias(Keys& k, const InboundCall& c, bool answered, std::string_view txn = "INVITE") {
    const std::string e_rx = ";received=192.168.1.6;rport=7003;ingress-zone=HybridCallServiceTraversal";
    std::string v =
        join({c.to_cucm ? cat("Via: SIP/2.0/TCP 192.168.1.5:5060;egress-zone=CUCM11;branch=z9hG4bK",
                              k.hex(cat("c-branch-", txn), 32), k.digits(cat("c-branch-n-", txn), 3),
                              ";proxy-call-id=", uuid(k, "c-pcid"),
                              answered ? cat(";received=192.168.1.5;rport=", std::to_string(c.c_port)) : ";rport")
                        : "",
              cat("Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK",
                  k.hex(cat("e-branch-", txn), 32), k.digits(cat("e-branch-n-", txn), 3),
                  ";proxy-call-id=", uuid(k, "e-pcid"), answered || c.to_cucm ? e_rx : ";rport")});
    if (txn != "INVITE") return v;
    return cat(v, "\r\nVia: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bK", k.hex("b2bua-in-branch", 32),
               ";x-cisco-local-service=nettle;received=192.168.1.6;rport=", k.digits("b2bua-in-rport", 5),
               ";ingress-zone=DefaultZone\r\nVia: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;"
               "branch=z9hG4bK",
               k.hex("loop-branch", 32), k.digits("loop-n", 3), ".", k.hex("loop-hash", 32),
               ";proxy-call-id=", uuid(k, "loop-pcid"), ";received=172.16.2.2;rport=25016\r\n", c.webex_vias);
}
// Record-Route entries: each proxy puts its own on top, so once the call
// reached the CUCM the Expressway-C's come first; the CUCM (UAS) routes its
// requests along them in that order, the B2BUA (UAC) in reverse.
std::string expc_inside_rr(Keys& k) {
    return cat("<sip:proxy-call-id=", uuid(k, "c-pcid"),
               "@192.168.1.5:5060;transport=tcp;lr>,<sip:proxy-call-id=", uuid(k, "c-pcid"),
               "@192.168.1.5:5061;transport=tls;lr>");
}
std::string expe_inside_rr(Keys& k) {
    return cat("<sip:proxy-call-id=", uuid(k, "e-pcid"),
               "@192.168.1.6:7003;transport=tls;lr>,<sip:proxy-call-id=", uuid(k, "e-pcid"),
               "@192.168.1.6:5061;transport=tls;lr>");
}
std::string cucm_in_tag(Keys& k) {
    return cat(k.digits("cucm-in-tag", 6), "~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-3010", k.digits("cucm-in-tag-n", 4));
}
std::string to_line(const InboundCall& c, std::string_view tag) {
    return cat("To: <", c.request_uri, ">", tag.empty() ? "" : ";tag=", tag);
}
std::string cucm_contact_uri(const InboundCall& c) {
    return cat(c.request_uri.substr(0, c.request_uri.find('@')), "@192.168.1.21:5065;transport=tcp");
}

std::string inside_invite(Keys& k, const InboundCall& c) {
    return sip({cat("INVITE ", c.request_uri, " SIP/2.0"), inside_vias(k, c, false), c.call_id, "CSeq: 1 INVITE",
                cat("Contact: <sip:192.168.1.6:5073;transport=tls>", c.squared ? ";call-type=squared" : ""), c.from,
                to_line(c, ""), c.to_cucm ? "Max-Forwards: 14" : "Max-Forwards: 15",
                c.to_cucm ? "" : "Route: <sip:cucm.rtp.ciscotac.net;lr>",
                c.to_cucm ? cat("Record-Route: ", expc_inside_rr(k), ",", expe_inside_rr(k))
                          : cat("Record-Route: ", expe_inside_rr(k)),
                "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)", "Supported: replaces,timer",
                cat("Session-ID: ", k.hex("expe-in-session", 32), ";remote=00000000000000000000000000000000")},
               webex_offer(k, "tandberg", "192.168.1.6", c.audio_port));
}

// An answer to the inside INVITE: the Expressway-C's 100, the CUCM's 180 and 200.
std::string inside_answer(Keys& k, const InboundCall& c, std::string_view status, std::string_view body = {}) {
    const bool trying = status.starts_with("100");
    return sip(
        {cat("SIP/2.0 ", status), inside_vias(k, c, true), c.call_id, "CSeq: 1 INVITE", c.from,
         to_line(c, trying ? "" : cucm_in_tag(k)),
         trying ? "Server: TANDBERG/4135 (X8.10.2)" : cat("Contact: <", cucm_contact_uri(c), ">"),
         trying ? "" : cat("Record-Route: ", expc_inside_rr(k), ",", expe_inside_rr(k)),
         trying ? "" : "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY",
         trying ? "" : "Server: Cisco-CUCM11.5",
         trying ? "" : cat("Session-ID: ", k.hex("cucm-in-session", 32), ";remote=", k.hex("expe-in-session", 32))},
        body);
}

// The B2BUA's ACK of the CUCM's 200: on the traversal hop its Route still
// holds the Expressway-C's entries (reversed); on the CUCM hop none is left.
std::string inside_ack(Keys& k, const InboundCall& c) {
    return sip({cat("ACK ", cucm_contact_uri(c), " SIP/2.0"), inside_vias(k, c, false, "ACK"), c.call_id, "CSeq: 1 ACK",
                c.from, to_line(c, cucm_in_tag(k)), "Max-Forwards: 70",
                c.to_cucm ? ""
                          : cat("Route: <sip:proxy-call-id=", uuid(k, "c-pcid"),
                                "@192.168.1.5:5061;transport=tls;lr>,<sip:proxy-call-id=", uuid(k, "c-pcid"),
                                "@192.168.1.5:5060;transport=tcp;lr>"),
                "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
                cat("Session-ID: ", k.hex("expe-in-session", 32), ";remote=", k.hex("cucm-in-session", 32))});
}

// The CUCM hangs up: its BYE to the B2BUA's Contact along the route set,
// and the B2BUA's 200 OK relayed back (the CUCM hop only).
std::string cucm_bye_in(Keys& k, const InboundCall& c, bool answered) {
    const std::string via = cat("Via: SIP/2.0/TCP 192.168.1.21:5065;branch=z9hG4bK", k.hex("cucm-in-bye", 14),
                                answered ? ";received=192.168.1.21;ingress-zone=CUCM11" : "");
    const std::string from = cat("From: ", to_line(c, cucm_in_tag(k)).substr(4));
    const std::string to = cat("To: ", c.from.substr(6));
    if (answered)
        return sip({"SIP/2.0 200 OK", via, c.call_id, "CSeq: 102 BYE", from, to,
                    "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
                    cat("Session-ID: ", k.hex("expe-in-session", 32), ";remote=", k.hex("cucm-in-session", 32))});
    return sip({"BYE sip:192.168.1.6:5073;transport=tls SIP/2.0", via, c.call_id, "CSeq: 102 BYE", from, to,
                "Max-Forwards: 70", cat("Route: ", expc_inside_rr(k), ",", expe_inside_rr(k)),
                "User-Agent: Cisco-CUCM11.5", "Reason: Q.850 ;cause=16",
                cat("Session-ID: ", k.hex("cucm-in-session", 32), ";remote=", k.hex("expe-in-session", 32))});
}

// --- Seed 004: a Webex Calling MPP phone registers with BroadWorks (L408-475).

// Lines joined by CRLF (an empty one is left out), then the blank line:
// the seed's messages keep their own header order and spacing.
std::string verbatim(std::initializer_list<std::string_view> lines) {
    std::string m;
    for (std::string_view l : lines)
        if (!l.empty()) m.append(l).append("\r\n");
    return m.append("\r\n");
}

// `n` hex digits the seed picks (the digest response, the cnonce).
std::string seed_hex(Rng& id, size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) s += kDigits[id.below(16)];
    return s;
}

}  // namespace

WxcRegistration wxc_registration(Rng& id, std::string_view phone_ip, uint16_t phone_port, std::string_view transport,
                                 std::string_view final_status) {
    constexpr std::string_view kUa =
        "User-Agent: Cisco-CP-8865-3PCC/12.0.2_2c01b5e753d5_47cfff26a-4713-41a1-8d75-28d7b638ffe8_2c01b5e7-53d5";
    constexpr std::string_view kFrom = "From: <sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0";
    constexpr std::string_view kTo = "To: <sip:w3nca1a025@XXXXX.example.com>";
    constexpr std::string_view kAllow = "Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER, UPDATE";
    std::string lower_transport(transport);
    for (char& c : lower_transport) c = char(std::tolower(static_cast<unsigned char>(c)));
    const std::string phone = cat(phone_ip, ":", std::to_string(phone_port));
    const std::string call_id = cat("98126dba-9df06bd9@", phone_ip);
    const std::string contact = cat("<sip:w3nca1a025@", phone, ";transport=", lower_transport, ">");
    auto via = [&](std::string_view branch) { return cat("Via: SIP/2.0/", transport, " ", phone, ";branch=", branch); };
    // The registrar's Via: its received= as the seed masks it.
    auto via_back = [&](std::string_view branch) {
        return cat("Via:SIP/2.0/", transport, " ", phone, ";received=187.190.XXX.XXX;branch=", branch);
    };
    const std::string cnonce = seed_hex(id, 8);
    const std::string response = seed_hex(id, 32);
    const std::string auth = cat("Authorization: Digest username=\"+1XXXXXXXXXX\", realm=\"BroadWorks\", "
                                 "nonce=\"BroadWorksX1m5h6zucT8ymkkBW\", uri=\"sip:XXXXX.example.com\", response=\"",
                                 response, "\", algorithm=MD5, cnonce=\"", cnonce, "\", qop=auth, nc=00000001");
    auto request = [&](std::string_view branch, std::string_view cseq, std::string_view authorization,
                       std::string_view session) {
        return verbatim({"REGISTER sip:XXXXX.example.com SIP/2.0", via(branch), kFrom, kTo, cat("Call-ID: ", call_id),
                         cseq, "Max-Forwards: 70", authorization, cat("Contact: ", contact, ";expires=3600"), kUa,
                         "Peripheral-Data: none", session, "Content-Length: 0", kAllow,
                         "Allow-Events: hold,talk,conference", "Supported: replaces, sec-agree, record-aware",
                         "Accept-Language: en"});
    };
    const bool ok = final_status.starts_with("2");
    WxcRegistration m;
    m.register1 = request("z9hG4bK-c77bd320", "CSeq: 6367 REGISTER", "",
                          "Session-ID: 300e21a200105000a0002c01b5e753d5;remote=00000000000000000000000000000000");
    m.unauthorized =
        verbatim({"SIP/2.0 401 Unauthorized", via_back("z9hG4bK-c77bd320"),
                  "From:<sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0",
                  "To:<sip:w3nca1a025@XXXXX.example.com>;tag=799618563-1693867868150", cat("Call-ID:", call_id),
                  "CSeq:6367 REGISTER",
                  "Session-ID:d1b7e5b700804ca4a817949623258793;remote=300e21a200105000a0002c01b5e753d5",
                  "WWW-Authenticate:DIGEST realm=\"BroadWorks\",qop=\"auth\",nonce=\"BroadWorksX1m5h6zucT8ymkkBW\","
                  "algorithm=MD5",
                  cat("Contact:", contact, ";expires=120"), "Content-Length:0"});
    m.register2 = request("z9hG4bK-be588fb", "CSeq: 6368 REGISTER", auth,
                          "Session-ID: 300e21a200105000a0002c01b5e753d5;remote=d1b7e5b700804ca4a817949623258793");
    // The final as BroadWorks writes its answers; only a 200 carries the
    // binding and the event packages.
    m.final_response = verbatim(
        {cat("SIP/2.0 ", final_status), via_back("z9hG4bK-be588fb"),
         "From:<sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0",
         "To:<sip:w3nca1a025@XXXXX.example.com>;tag=258864438-1693867868205", cat("Call-ID:", call_id),
         "CSeq:6368 REGISTER", "Session-ID:d1b7e5b700804ca4a817949623258793;remote=300e21a200105000a0002c01b5e753d5",
         ok ? "Allow-Events:call-info,line-seize,dialog,message-summary,as-feature-event,x-broadworks-hoteling,"
              "x-broadworks-call-center-status"
            : "",
         ok ? cat("Contact:", contact, ";q=0.5;expires=120") : "", "Content-Length:0"});
    return m;
}

namespace {

// ---------------------------------------------------------------------------
// The calls: each writes its messages on its hop(s) at the guide's times
// (relative to the INVITE at t) and returns the time of its last packet.

// IN-4: INVITE, the 404 6 ms later (EN: INVITE logged 18:16:15,830, 404 sent
// ,836), the Expressway-E's ACK. `uac` is the Expressway-E's side of the hop.
uint64_t call_in4(Keys& k, SipHop& hop, Side uac, uint64_t t) {
    hop.send(uac, t, in4_invite(k));
    const uint64_t t_404 = hop.send(other(uac), t + 6 * kMs, in4_not_found(k));
    return hop.send(uac, hop.answer(uac, t_404, 250 * kUs), in4_ack(k));
}

// OUT-3 / OUT-4: the Expressway-C's INVITE, the Expressway-E's 100 Trying
// when it takes longer than 200 ms (RFC 3261 17.2.1), its refusal at
// t_final, the ACK. `uac` is the Expressway-C's side.
uint64_t call_refused(Keys& k, SipHop& hop, Side uac, const CucmCall& c, uint16_t expc_port, uint64_t t,
                      uint64_t t_final, std::string_view status, std::string_view to_tag) {
    const uint64_t t_invite = hop.send(uac, t, cucm_invite(k, c, Hop::kTraversal, expc_port));
    if (t_final - t > 200 * kMs)
        hop.send(other(uac), hop.answer(other(uac), t_invite, 4 * kMs),
                 cucm_response(c, invite_vias(k, c, expc_port), "100 Trying", "101 INVITE", "",
                               "Server: TANDBERG/4135 (X8.10.2)"));
    const uint64_t t_refusal = hop.send(other(uac), t_final, policy_refusal(k, c, expc_port, status, to_tag));
    return hop.send(uac, hop.answer(uac, t_refusal, 300 * kUs), expc_ack(k, c, expc_port, to_tag));
}

// BI-1 on the Expressway-E -> Webex hop (the Expressway-E is the client):
// INVITE at 14:46:10.488, 100 Trying at .755, 180 Ringing at 11.537, 200 OK
// at 27.072 (16.6 s), ACK at .080, BYE with cause 47 at .175 (103 ms after
// the 200), Webex's 200 OK to it.
uint64_t call_bi1(Keys& k, SipHop& hop, uint64_t t) {
    const B2buaLeg leg;
    hop.send(kClient, t, bi1_invite(k, leg));
    const WebexDialog d = bi1_webex(k, leg, "INVITE");
    hop.send(kServer, t + 267 * kMs, webex_answer(d, "100 Trying", false));
    hop.send(kServer, t + 1049 * kMs, webex_answer(d, "180 Ringing", true));
    const uint64_t t_ok = t + 16584 * kMs;
    hop.send(kServer, t_ok, webex_answer(d, "200 OK", true, audio_zeroed_answer(k)));
    hop.send(kClient, t_ok + 8 * kMs, bi1_in_dialog(k, leg, "ACK"));
    const uint64_t t_bye = hop.send(kClient, t_ok + 103 * kMs, bi1_in_dialog(k, leg, "BYE"));
    return hop.send(kServer, hop.answer(kServer, t_bye, 2 * kMs), bi1_bye_ok(k, leg));
}

// BI-2 on two hops: the trunk (the CUCM connected to the Expressway-C's
// 5060) and the Expressway-E -> Webex hop. Ladder (captures 1.6.7): INVITE
// 14:05:01.183, 100 .190, the INVITE reaches Webex ~.231; 180 at 04.018 /
// 04.025; Webex's 200 OK at 19.733, passed to the CUCM at 19.741; the CUCM
// reads 5000 bytes and resets the connection at 19.762 with no answer.
// Unacknowledged, Webex resends its 200 OK from T1 doubling to T2 (RFC 3261
// 13.3.1.4) until, 20.9 s later, it declines the call (603 at 40.645).
uint64_t call_bi2(Keys& k, SipHop& trunk, SipHop& webex, const CucmCall& c, uint64_t t) {
    trunk.send(kClient, t, cucm_invite(k, c, Hop::kTrunk));
    trunk.send(
        kServer, t + 7 * kMs,
        cucm_response(c, invite_vias(k, c, {}), "100 Trying", "101 INVITE", "", "Server: TANDBERG/4135 (X8.10.2)"));
    webex.send(kClient, t + 48 * kMs, cucm_invite(k, c, Hop::kWebex, kBi2TraversalPort));
    const size_t state = bi2_route_state(k, c);
    const WebexDialog leg = bi2_webex(k, c, false, state), trunk_view = bi2_webex(k, c, true, state);
    webex.send(kServer, webex.answer(kServer, t + 48 * kMs, 3 * kMs), webex_answer(leg, "100 Trying", false));
    webex.send(kServer, t + 2835 * kMs, webex_answer(leg, "180 Ringing", true));
    trunk.send(kServer, t + 2842 * kMs, webex_answer(trunk_view, "180 Ringing", true));
    const std::string offer = webex_full_offer(k);
    const std::string ok = webex_answer(leg, "200 OK", true, offer);
    const uint64_t t_ok = t + 18550 * kMs;
    webex.send(kServer, t_ok, ok);
    trunk.send(kServer, t + 18558 * kMs, webex_answer(trunk_view, "200 OK", true, offer));
    trunk.connection().abort(kClient, t + 18579 * kMs);
    const uint64_t t_decline = t + 39462 * kMs;
    for (uint64_t interval = kT1, at = t_ok + kT1; at < t_decline;
         interval = std::min(2 * interval, kT2), at += interval)
        webex.send(kServer, at, ok);
    return webex.send(kServer, t_decline, webex_answer(leg, "603 Decline", false));
}

// Seed 003 on the Expressway-E -> Webex hop: INVITE at 02:30:03.758, the
// 500 at 04.887 (1.129 s later), the ACK.
uint64_t call_cmr(Keys& k, SipHop& hop, uint64_t t) {
    hop.send(kClient, t, cmr_invite(k));
    const uint64_t t_500 = hop.send(kServer, t + 1129 * kMs, cmr_server_error(k));
    return hop.send(kClient, hop.answer(kClient, t_500, 300 * kUs), cmr_ack(k));
}

// An inbound call from Webex (the client of `outside`) answered through
// the Expressway-E's B2BUA; `inside` (the Expressway-C its client) carries
// the B2BUA's leg to the Expressway-C, when given. Webex's INVITE at t, the
// inside INVITE 21 ms later; the CUCM rings 1.2 s and answers 6.1 s after it.
// With `hang_up_after`, Webex hangs up that long after its ACK.
uint64_t call_inbound(Keys& k, SipHop& outside, SipHop* inside, uint64_t t, std::optional<uint64_t> hang_up_after) {
    const uint64_t t_invite = outside.send(kClient, t, webex_in_invite(k));
    outside.send(kServer, outside.answer(kServer, t_invite, 2 * kMs), expe_in_answer(k, "100 Trying"));
    const InboundCall in = in5_inside(k);
    const uint64_t t_inside = t + 21 * kMs;
    if (inside) {
        const uint64_t t_i = inside->send(kServer, t_inside, inside_invite(k, in));
        inside->send(kClient, inside->answer(kClient, t_i, 3 * kMs), inside_answer(k, in, "100 Trying"));
        inside->send(kClient, t_inside + 1200 * kMs, inside_answer(k, in, "180 Ringing"));
        inside->send(kClient, t_inside + 7300 * kMs,
                     inside_answer(k, in, "200 OK", aac_ld_answer(k, "CiscoSystemsCCM-SIP", "192.168.1.21", 24600)));
    }
    outside.send(kServer, t_inside + 1204 * kMs, expe_in_answer(k, "180 Ringing"));
    const uint64_t t_ok =
        outside.send(kServer, t_inside + 7304 * kMs,
                     expe_in_answer(k, "200 OK", aac_ld_answer(k, "tandberg", "64.102.241.236", 36040)));
    const uint64_t t_ack = outside.send(kClient, outside.answer(kClient, t_ok, 1 * kMs), webex_in_request(k, "ACK"));
    uint64_t last = t_ack;
    if (inside) last = inside->send(kServer, t_ack + 3 * kMs, inside_ack(k, in));
    if (hang_up_after) {
        const uint64_t t_bye = outside.send(kClient, t_ack + *hang_up_after, webex_in_request(k, "BYE"));
        last = outside.send(kServer, outside.answer(kServer, t_bye, 3 * kMs), expe_in_bye_ok(k));
    }
    return last;
}

// A healthy inbound call on the Expressway-C -> CUCM hop (5065): the CUCM
// writes its 100 Trying and 180 Ringing together (one segment), answers
// 4.2 s later, and hangs up after 31 s.
uint64_t call_healthy_cucm(Keys& k, SipHop& hop, uint16_t c_port, uint64_t t) {
    const InboundCall c = healthy_to_cucm(k, c_port);
    const uint64_t t_invite = hop.send(kClient, t, inside_invite(k, c));
    hop.send(kServer, hop.answer(kServer, t_invite, 12 * kMs),
             cat(inside_answer(k, c, "100 Trying"), inside_answer(k, c, "180 Ringing")));
    const uint64_t t_ok =
        hop.send(kServer, t + 4200 * kMs,
                 inside_answer(k, c, "200 OK", aac_ld_answer(k, "CiscoSystemsCCM-SIP", "192.168.1.21", 24610)));
    const uint64_t t_ack = hop.send(kClient, hop.answer(kClient, t_ok, 3 * kMs), inside_ack(k, c));
    const uint64_t t_bye = hop.send(kServer, t_ack + 31 * kSec, cucm_bye_in(k, c, false));
    return hop.send(kClient, hop.answer(kClient, t_bye, 4 * kMs), cucm_bye_in(k, c, true));
}

// A healthy outbound call on the CUCM -> Expressway-C trunk (the CUCM is the
// client): INVITE, 100, 180 after 1.4 s, 200 after 5.2 s, ACK, and the CUCM
// hangs up 21 s later.
uint64_t call_trunk(Keys& k, SipHop& hop, const CucmCall& c, uint64_t t) {
    const TrunkDialog d = trunk_dialog(k);
    const uint64_t t_invite = hop.send(kClient, t, cucm_invite(k, c, Hop::kTrunk));
    hop.send(
        kServer, hop.answer(kServer, t_invite, 2 * kMs),
        cucm_response(c, invite_vias(k, c, {}), "100 Trying", "101 INVITE", "", "Server: TANDBERG/4135 (X8.10.2)"));
    hop.send(kServer, t + 1400 * kMs, trunk_answer(k, c, d, "180 Ringing"));
    const std::string ip = c.host.starts_with("[") ? "IP6 2001:db8:1::6" : "IP4 192.168.1.6";
    const uint64_t t_ok =
        hop.send(kServer, t + 5200 * kMs, trunk_answer(k, c, d, "200 OK", expe_answer_to_cucm(k, ip, c.video)));
    const uint64_t t_ack =
        hop.send(kClient, hop.answer(kClient, t_ok, 1 * kMs), cucm_in_dialog(k, c, d, "ACK", "101 ACK"));
    const uint64_t t_bye = hop.send(kClient, t_ack + 21 * kSec, cucm_in_dialog(k, c, d, "BYE", "102 BYE"));
    return hop.send(kServer, hop.answer(kServer, t_bye, 3 * kMs), trunk_bye_ok(k, c, d));
}

// The CUCM's INVITE over UDP that nobody answers: sent again after T1, 2T1,
// 4T1, ... (Timer A, RFC 3261 17.1.1.2) until Timer B (64*T1) ends the
// transaction: 7 copies, the last 31.5 s after the first.
uint64_t call_unanswered(Keys& k, SipHop& hop, const CucmCall& c, uint64_t t) {
    const std::string invite = cucm_invite(k, c, Hop::kTrunk);
    uint64_t last = hop.send(kClient, t, invite);
    for (uint64_t interval = kT1, at = t + kT1; at < t + 64 * kT1; interval *= 2, at += interval)
        last = hop.send(kClient, at, invite);
    return last;
}

// ---------------------------------------------------------------------------
// The scenarios.

// A connection opened just before its first message (an outbound call's
// connection to Webex): the SYN leaves so that the handshake ends ~3 ms
// before t.
uint64_t connect_before(const Host& client, const Host& server, uint64_t t) {
    return t - 2 * (client.spec.tap_delay_ns + server.spec.tap_delay_ns) - 3 * kMs;
}
// The traversal connections are long-lived: the capture sees them start
// 1.5 s before the call.
constexpr uint64_t kTraversalLead = 1500 * kMs;

constexpr uint64_t kIn4Invite = utc(2017, 9, 19, 18, 16, 15, 830'000);
void sip_in_preloaded_route(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    // The Expressway-C's traversal connection (its port 26847) to the Expressway-E.
    SipHop hop = SipHop::tcp(tl, tl.host(expc()), 26847, tl.host(expe_inside()), 5060, t - kTraversalLead);
    call_in4(k, hop, kServer, t);
}

// OUT-3: the Expressway-C's traversal connection from 25675 (EN L2956).
constexpr uint64_t kOut3Invite = utc(2017, 9, 25, 15, 26, 2, 959'000);
constexpr uint64_t kOut3NotFound = utc(2017, 9, 25, 15, 26, 13, 286'000);
void sip_out_search_rule(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    CucmCall c = cucm_call(k, "Mon, 25 Sep 2017 15:26:02 GMT");
    c.call_id = k("d58f2680-9c91200a-1c7ba-1501a8c0@192.168.1.21");
    c.session_id = k("75957d4fb66a13e835c10737aa505813");
    c.taa_tag = k("8e8c014d-5d01-4581-8108-5cb096778fc5");
    c.body = cucm_offer(k, "IP4 192.168.1.21", true);
    SipHop hop = SipHop::tcp(tl, tl.host(expc()), 25675, tl.host(expe_inside()), 5060, t - kTraversalLead);
    call_refused(k, hop, kClient, c, 25675, t, t + (kOut3NotFound - kOut3Invite), "404 Not Found",
                 k("10d2cfbc45e4373f"));
}

// OUT-4: the guide gives the times of day (20:54:43,722 -> ,727), not the
// date; its Session-ID counter (...512577) follows OUT-3's (...505813), so
// the same day is taken.
constexpr uint64_t kOut4Invite = utc(2017, 9, 25, 20, 54, 43, 722'000);
void sip_out_cpl(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    CucmCall c = cucm_call(k, "Mon, 25 Sep 2017 20:54:43 GMT");
    c.call_id = k("c030f100-9c916d13-1cdcb-1501a8c0@192.168.1.21");
    c.session_id = k("75957d4fb66a13e835c10737aa512577");
    c.taa_tag = k("4fffefed-0512-4067-ac8c-35828f0a1150");
    c.from_tag = cat(k("512579"), "~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-", k("30107000"));
    c.body = cucm_offer(k, "IP4 192.168.1.21", true);
    SipHop hop = SipHop::tcp(tl, tl.host(expc()), 25675, tl.host(expe_inside()), 5060, t - kTraversalLead);
    call_refused(k, hop, kClient, c, 25675, t, t + 5 * kMs, "403 Forbidden", k("64fe7f9eab37029d"));
}

// BI-1: 172.16.2.2:25034 -> 146.20.193.64 (EN L3556), here 64.102.241.236
// (after NAT) -> 146.20.193.64:5060 in clear.
constexpr uint64_t kBi1Invite = utc(2017, 9, 19, 14, 46, 10, 488'000);
void sip_codec_rejected(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    Host& expe = tl.host(expressway_e());
    Host& wbx = tl.host(webex_64());
    SipHop hop = SipHop::tcp(tl, expe, 25034, wbx, 5060, connect_before(expe, wbx, t));
    call_bi1(k, hop, t);
}

// BI-2: the trunk from the CUCM (an ephemeral port) to the Expressway-C's
// 5060, and the Expressway-E's connection from 25150 (EN L4069) to Webex,
// in clear on 5060 for the lab. The date and times are the guide's
// (2017-01-04, ladder in UTC).
constexpr uint64_t kBi2Invite = utc(2017, 1, 4, 14, 5, 1, 183'000);
void sip_message_too_large(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    CucmCall c = cucm_call(k, "Wed, 04 Jan 2017 14:05:01 GMT");
    Host& cm = tl.host(cucm());
    Host& expe = tl.host(expressway_e());
    Host& wbx = tl.host(webex_64());
    SipHop trunk = SipHop::tcp(tl, cm, 51762, tl.host(expc()), 5060, t - 800 * kMs);
    SipHop leg = SipHop::tcp(tl, expe, 25150, wbx, 5060, connect_before(expe, wbx, t + 48 * kMs));
    call_bi2(k, trunk, leg, c, t);
}

// Seed 003: 172.28.252.1:25129 (public 58.162.48.4) -> the Webex edge, here
// in clear on 5060.
constexpr uint64_t kCmrInvite = utc(2015, 7, 6, 2, 30, 3, 758'000);
void sip_delayed_offer(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    Host& expe = tl.host(cmr_expe());
    Host& wbx = tl.host(cmr_webex());
    SipHop hop = SipHop::tcp(tl, expe, 25129, wbx, 5060, connect_before(expe, wbx, t));
    call_cmr(k, hop, t);
}

// IN-5: Webex's connection from 146.20.193.73:40342 ("TCP Connecting" at
// 18:01:46,461, the INVITE at 48,140: EN L1272, L2058), in clear on 5060;
// inside, the Expressway-C's traversal connection from 26686 (EN L2095).
constexpr uint64_t kIn5Connect = utc(2017, 9, 19, 18, 1, 46, 461'000);
constexpr uint64_t kIn5Invite = utc(2017, 9, 19, 18, 1, 48, 140'000);
std::vector<Frame> run_calltype_stripped(const ScenarioOptions& o) {
    Timeline outside(o), inside(o);
    Keys k(outside.id(), false);
    SipHop out = SipHop::tcp(outside, outside.host(webex_73()), 40342, outside.host(expressway_e()), 5060, kIn5Connect);
    SipHop in =
        SipHop::tcp(inside, inside.host(expc()), 26686, inside.host(expe_inside()), 5060, kIn5Invite - kTraversalLead);
    call_inbound(k, out, &in, kIn5Invite, {});
    if (o.inside) *o.inside = inside.finish();
    return outside.finish();
}

// The call after IN-4's fix, on the Expressway-C's connection to the CUCM's 5065.
void sip_healthy_tcp(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    Host& c = tl.host(expc());
    SipHop hop = SipHop::tcp(tl, c, 25347, tl.host(cucm()), 5065, t - 300 * kMs);
    call_healthy_cucm(k, hop, 25347, t);
}

// A call from the CUCM over its UDP trunk to the Expressway-C (IPv4), the
// offer with or without video.
CucmCall cucm_udp_call(Keys& k, std::string_view date, bool video) {
    CucmCall c = cucm_call(k, date);
    c.transport = "UDP";
    c.video = video;
    c.body = cucm_offer(k, "IP4 192.168.1.21", video);
    return c;
}
SipHop cucm_udp_trunk(Timeline& tl) { return SipHop::udp(tl, tl.host(cucm()), 5060, tl.host(expc()), 5060); }

// An outbound call from the CUCM over a UDP trunk, small enough for one datagram each.
void sip_healthy_udp(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    const CucmCall c = cucm_udp_call(k, "Tue, 19 Sep 2017 15:02:11 GMT", false);
    SipHop hop = cucm_udp_trunk(tl);
    call_trunk(k, hop, c, t);
}

// OUT-1's INVITE from the CUCM (EN L2397-2463: Call-ID 991f7e80-..., its
// From tag, Content-Length 714) over UDP: 1.7 KB, more than the 1500-byte
// MTU, so the CUCM's kernel sends it as two IPv4 fragments; answered
// normally. Then a second call over the trunk's IPv6 addresses, fragmented
// with a Fragment header.
void sip_udp_fragmented(Timeline& tl, uint64_t t) {
    {
        Keys k(tl.id(), false);
        CucmCall c = cucm_udp_call(k, "Tue, 19 Sep 2017 17:25:03 GMT", true);
        c.call_id = k("991f7e80-9c11517a-130ac-1501a8c0@192.168.1.21");
        c.from_tag = cat(k("332677"), "~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-", k("30106860"));
        SipHop hop = cucm_udp_trunk(tl);
        call_trunk(k, hop, c, t);
    }
    Keys k(tl.id(), true);  // another call: fresh identifiers
    CucmCall c = cucm_call(k, "Tue, 19 Sep 2017 17:25:06 GMT");
    c.call_id =
        cat(k.hex("v6-cid-1", 8), "-", k.hex("v6-cid-2", 8), "-", k.hex("v6-cid-3", 5), "-00000021@[2001:db8:1::21]");
    c.host = "[2001:db8:1::21]";
    c.transport = "UDP";
    c.body = cucm_offer(k, "IP6 2001:db8:1::21", true);
    SipHop hop = SipHop::udp(tl, tl.host(cucm_v6()), 5060, tl.host(expc_v6()), 5060);
    call_trunk(k, hop, c, t + 3100 * kMs);
}

// The Expressway-C is down: the CUCM's INVITE is never answered.
void sip_no_final_response(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    const CucmCall c = cucm_udp_call(k, "Wed, 20 Sep 2017 09:12:40 GMT", false);
    SipHop hop = cucm_udp_trunk(tl);
    call_unanswered(k, hop, c, t);
}

// IN-5's outside call on the mutual-TLS port 5062, in clear (both ends
// misconfigured to TCP): a healthy call that Webex ends after 14 s.
void sip_cleartext_on_tls_port(Timeline& tl, uint64_t t) {
    Keys k(tl.id(), false);
    SipHop hop = SipHop::tcp(tl, tl.host(webex_73()), 40342, tl.host(expressway_e()), 5062, t - 1679 * kMs);
    call_inbound(k, hop, nullptr, t, 14 * kSec);
}

// Seed 004's phone registering in a lab where SIP is visible: the same
// REGISTER / 401 / REGISTER with credentials / final, in clear on TCP 5060
// from the phone's SIP port, on a connection opened just before, at the
// seed's gaps (the 401 5.3 ms after the REGISTER reached the registrar, the
// credentials 10.5 ms after the 401, the final 6.6 ms after them). The
// connection stays up (SIP keeps it). Hosts as the DNS scenarios' phone and
// SBC (seed 004 §3.6): a Linux phone, WS=4; the SBC 15.8 ms from the tap.
constexpr StackProfile kMppPhoneStack{64, 1460, 14600, 14480, 2, true, 14600, 1 << 20};
constexpr StackProfile kWxcSbcStack{64, 1400, 29200, 28960, 7, true, 30032, 1 << 20};
HostSpec wxc_phone() { return {v4(192, 168, 100, 6), &kMppPhoneStack, 0, 32 * kUs, true, kGigabit}; }
HostSpec wxc_registrar() { return {v4(139, 177, 64, 13), &kWxcSbcStack, 14, 15757 * kUs, false, kGigabit}; }

void wxc_register_clear(Timeline& tl, uint64_t t, std::string_view final_status) {
    const WxcRegistration m = wxc_registration(tl.id(), "192.168.100.6", 5060, "TCP", final_status);
    Host& phone = tl.host(wxc_phone());
    Host& registrar = tl.host(wxc_registrar());
    SipHop hop = SipHop::tcp(tl, phone, 5060, registrar, 5060, connect_before(phone, registrar, t));
    t = hop.send(kClient, t, m.register1);
    t = hop.send(kServer, hop.answer(kServer, t, 5287 * kUs), m.unauthorized);
    t = hop.send(kClient, hop.answer(kClient, t, 10451 * kUs), m.register2);
    hop.send(kServer, hop.answer(kServer, t, 6561 * kUs), m.final_response);
}
// The credentials are refused: 403 Forbidden.
void wxc_register_rejected(Timeline& tl, uint64_t t) { wxc_register_clear(tl, t, "403 Forbidden"); }
void wxc_register_healthy_clear(Timeline& tl, uint64_t t) { wxc_register_clear(tl, t, "200 OK"); }
// The seed's REGISTER left the phone at 22:51:08.127871.
constexpr uint64_t kWxcRegister = utc(2023, 9, 4, 22, 51, 8, 127'871);

// Every call above, each with fresh identifiers (distinct Call-IDs), on its
// own TCP connection (closed 2 s after the call; BI-2's trunk is reset) or
// the UDP trunk, a call every 20-80 ms, cut at --packets frames. For
// benchmarks: SIP on TCP 5060/5062/5065 and UDP 5060, IPv4 and IPv6,
// fragments, one and several messages per segment.
class SipMix {
public:
    explicit SipMix(Timeline& tl) : tl_(tl) {}

    // One call starting at t.
    void call(uint64_t t) {
        Keys k(tl_.id(), true);
        const uint64_t kind = tl_.shape().below(100);
        Host& expe = tl_.host(expressway_e());
        Host& c = tl_.host(expc());
        Host& e_in = tl_.host(expe_inside());
        Host& cm = tl_.host(cucm());
        if (kind < 8) {
            SipHop hop = SipHop::tcp(tl_, c, port(c), e_in, 5060, t - kTraversalLead);
            hop.close(kClient, call_in4(k, hop, kServer, t) + 2 * kSec);
        } else if (kind < 20) {
            const bool out3 = kind < 14;
            CucmCall cc = cucm_call(k, "Fri, 22 Sep 2017 15:00:00 GMT");
            cc.body = cucm_offer(k, "IP4 192.168.1.21", true);
            const uint16_t p = port(c);
            SipHop hop = SipHop::tcp(tl_, c, p, e_in, 5060, t - kTraversalLead);
            const uint64_t end =
                call_refused(k, hop, kClient, cc, p, t, t + (out3 ? kOut3NotFound - kOut3Invite : 5 * kMs),
                             out3 ? "404 Not Found" : "403 Forbidden", k.hex("refusal-tag", 16));
            hop.close(kClient, end + 2 * kSec);
        } else if (kind < 28) {
            Host& wbx = tl_.host(webex_64());
            SipHop hop = SipHop::tcp(tl_, expe, port(expe), wbx, 5060, connect_before(expe, wbx, t));
            hop.close(kClient, call_bi1(k, hop, t) + 2 * kSec);
        } else if (kind < 33) {
            Host& wbx = tl_.host(webex_64());
            CucmCall cc = cucm_call(k, "Fri, 22 Sep 2017 15:00:00 GMT");
            SipHop trunk = SipHop::tcp(tl_, cm, port(cm), c, 5060, t - 800 * kMs);
            SipHop leg = SipHop::tcp(tl_, expe, port(expe), wbx, 5060, connect_before(expe, wbx, t + 48 * kMs));
            leg.close(kClient, call_bi2(k, trunk, leg, cc, t) + 2 * kSec);
        } else if (kind < 39) {
            Host& ce = tl_.host(cmr_expe());
            Host& wbx = tl_.host(cmr_webex());
            SipHop hop = SipHop::tcp(tl_, ce, port(ce), wbx, 5060, connect_before(ce, wbx, t));
            hop.close(kClient, call_cmr(k, hop, t) + 2 * kSec);
        } else if (kind < 54) {
            // An inbound call, both legs in this one capture; one in three on
            // 5062 in clear, without the inside leg.
            Host& wbx = tl_.host(webex_73());
            const bool on_tls_port = kind < 44;
            SipHop out = SipHop::tcp(tl_, wbx, port(wbx), expe, on_tls_port ? 5062 : 5060, t - 1679 * kMs);
            std::optional<SipHop> in;
            if (!on_tls_port) in.emplace(SipHop::tcp(tl_, c, port(c), e_in, 5060, t - kTraversalLead));
            const uint64_t end = call_inbound(k, out, in ? &*in : nullptr, t, 14 * kSec);
            out.close(kClient, end + 2 * kSec);
            if (in) in->close(kClient, end + 2 * kSec);
        } else if (kind < 68) {
            const uint16_t p = port(c);
            SipHop hop = SipHop::tcp(tl_, c, p, cm, 5065, t - 300 * kMs);
            hop.close(kClient, call_healthy_cucm(k, hop, p, t) + 2 * kSec);
        } else {
            // The UDP trunk: healthy calls, some fragmented (IPv4 and IPv6), some unanswered.
            CucmCall cc = cucm_call(k, "Fri, 22 Sep 2017 15:00:00 GMT");
            cc.transport = "UDP";
            const bool v6 = kind >= 96;
            cc.video = kind >= 86;  // a video offer does not fit one datagram
            if (v6) {
                cc.host = "[2001:db8:1::21]";
                cc.call_id = cat(k.hex("v6-cid-1", 8), "-", k.hex("v6-cid-2", 8), "-", k.hex("v6-cid-3", 5),
                                 "-00000021@[2001:db8:1::21]");
            }
            cc.body = cucm_offer(k, v6 ? "IP6 2001:db8:1::21" : "IP4 192.168.1.21", cc.video);
            SipHop hop = v6 ? SipHop::udp(tl_, tl_.host(cucm_v6()), 5060, tl_.host(expc_v6()), 5060)
                            : SipHop::udp(tl_, cm, 5060, c, 5060);
            if (kind >= 80 && kind < 86)
                call_unanswered(k, hop, cc, t);
            else
                call_trunk(k, hop, cc, t);
        }
    }

private:
    // Each host's ephemeral ports in turn (Linux range; the Expressways'
    // outbound range 25000-29999), so a 4-tuple returns only long after its
    // connection closed.
    uint16_t port(const Host& h) {
        const bool expressway = h.spec.stack == &kExpresswayStack;
        const uint16_t lo = expressway ? 25000 : 32768, hi = expressway ? 29999 : 60999;
        auto [it, fresh] = next_.try_emplace(h.spec.addr, lo);
        const uint16_t p = it->second;
        it->second = p == hi ? lo : uint16_t(p + 1);
        return p;
    }

    Timeline& tl_;
    std::map<IpAddr, uint16_t> next_;
};

void sip_mixed(Timeline& tl, uint64_t t0) {
    const uint64_t want = tl.options().packets;
    const uint64_t budget = want + want / 20 + 256;  // overshoot, then cut at the want-th frame in time
    tl.reserve(size_t(budget) + 4096);
    tl.stop_after(size_t(want));
    SipMix mix(tl);
    for (uint64_t t = t0; tl.size() < budget; t += tl.shape().between(20, 80) * kMs) mix.call(t);
}

// ---------------------------------------------------------------------------
// The registry.

template <void (*Fn)(Timeline&, uint64_t), uint64_t kStart>
std::vector<Frame> run(const ScenarioOptions& o) {
    Timeline tl(o);
    Fn(tl, kStart);
    return tl.finish();
}

const Scenario kSipScenarios[] = {
    {"sip-in-preloaded-route-404",
     "IN-4: Exp-E forwards Webex's INVITE with Route cucm.rtp...;lr, Exp-C answers 404 Policy Response in 6 ms (TCP "
     "5060)",
     false, run<sip_in_preloaded_route, kIn4Invite>},
    {"sip-out-search-rule-404",
     "OUT-3: Exp-C's INVITE to dmzlab.call.ciscospark.com, 100, 404 Policy Response 10.3 s later (TCP 5060)", false,
     run<sip_out_search_rule, kOut3Invite>},
    {"sip-out-cpl-403",
     "OUT-4: Exp-C's INVITE to dmzlab.call.ciscospark.com refused 403 Policy Response in 5 ms (TCP 5060)", false,
     run<sip_out_cpl, kOut4Invite>},
    {"sip-codec-rejected",
     "BI-1: G.729-only offer to Webex (lab: TCP 5060 in clear), 200 OK with m=audio 0, BYE cause 47 103 ms later",
     false, run<sip_codec_rejected, kBi1Invite>},
    {"sip-message-too-large",
     "BI-2: 8804-byte 200 OK to the CUCM (TCP 5060) reset unanswered; Webex (lab: TCP 5060 in clear) resends, 603",
     false, run<sip_message_too_large, kBi2Invite>},
    {"sip-delayed-offer-500",
     "seed 003: delayed-offer INVITE 58.162.48.4 -> Webex (lab: TCP 5060 in clear), 500 Invalid content 1.129 s later",
     false, run<sip_delayed_offer, kCmrInvite>},
    {"sip-calltype-stripped",
     "IN-5: Webex INVITE with call-type=squared (outside, lab TCP 5060); inside (--out-inside) the Exp-C leg without "
     "it",
     false, run_calltype_stripped, true},
    {"sip-healthy-tcp", "healthy inbound call Exp-C -> CUCM on TCP 5065: 100+180 in one segment, 200, ACK, BYE", false,
     run<sip_healthy_tcp, utc(2017, 9, 19, 18, 25, 41, 304'000)>},
    {"sip-healthy-udp", "healthy outbound call CUCM -> Exp-C on UDP 5060 (audio only, one datagram per message)", false,
     run<sip_healthy_udp, utc(2017, 9, 19, 15, 2, 11, 120'000)>},
    {"sip-udp-fragmented-invite",
     "healthy calls on UDP 5060 whose 1.7 KB INVITE leaves as IPv4 fragments, then as IPv6 fragments", false,
     run<sip_udp_fragmented, utc(2017, 9, 19, 17, 25, 3, 412'000)>},
    {"sip-no-final-response", "CUCM's INVITE on UDP 5060 resent at T1 doubling (7 copies over 31.5 s), never answered",
     false, run<sip_no_final_response, utc(2017, 9, 20, 9, 12, 40, 6'000)>},
    {"sip-cleartext-on-tls-port", "a healthy inbound call from Webex in clear on the mutual-TLS port 5062", false,
     run<sip_cleartext_on_tls_port, utc(2017, 9, 21, 16, 40, 12, 208'000)>},
    {"sip-mixed", "--packets frames of all SIP calls above with distinct Call-IDs, TCP/UDP, IPv4/IPv6, fragments", true,
     run<sip_mixed, utc(2017, 9, 22, 15, 0, 0, 0)>},
    {"wxc-register-rejected",
     "seed 004: Webex Calling phone (lab: REGISTER in clear on TCP 5060, SIP visible) REGISTER, 401, REGISTER with "
     "Authorization, 403 Forbidden",
     false, run<wxc_register_rejected, kWxcRegister>},
    {"wxc-register-healthy-clear",
     "seed 004: Webex Calling phone (lab: REGISTER in clear on TCP 5060, SIP visible) REGISTER, 401, REGISTER with "
     "Authorization, 200 OK",
     false, run<wxc_register_healthy_clear, kWxcRegister>},
};

}  // namespace

std::span<const Scenario> sip_scenarios() { return kSipScenarios; }

}  // namespace cs::gen
