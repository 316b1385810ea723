// scenarios: the library of named traffic scenarios callsentry-gen can write.
// A scenario turns a seed into a time-ordered list of Ethernet frames as the
// firewall's outside span port would see them. This unit owns the registry
// (name, one-line description, generator), the building blocks every scenario
// file shares (time, hosts, the tap's Timeline, the TCP connection model, UDP
// socket pairs) and the TCP scenarios; the TLS, SIP and DNS scenarios are in
// tls_scenarios.cpp, sip_scenarios.cpp and dns_scenarios.cpp.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/packet_view.h"
#include "tools/gen/packet_builder.h"

namespace cs::gen {

// One captured frame: packet time (ns since the Unix epoch, UTC) and bytes.
struct Frame {
    uint64_t ts_ns = 0;
    std::vector<uint8_t> bytes;
};

struct ScenarioOptions {
    // Changes ISNs, IP-IDs, TCP timestamp clocks, DNS ids and payload bytes;
    // never addresses, ports, sizes or timings (those follow the guide).
    uint64_t seed = 1;
    // Frames to write, for the scenarios that are sized (see Scenario::sized).
    uint64_t packets = 200000;
    // Two-vantage scenarios (Scenario::two_vantage) write the same traffic as
    // a tap inside the firewall sees it here, when set.
    std::vector<Frame>* inside = nullptr;
};

struct Scenario {
    std::string_view name;
    std::string_view description;  // one line, for --list
    bool sized = false;            // honours ScenarioOptions::packets
    std::vector<Frame> (*generate)(const ScenarioOptions&);
    bool two_vantage = false;      // also fills ScenarioOptions::inside
    // Writes packets a middlebox forged in a host's name (its TTL, IP-ID and
    // timestamp clock do not fit that host's other packets), on purpose.
    bool forges_packets = false;
};

// Every scenario, in --list order.
std::span<const Scenario> all_scenarios();

// nullptr when no scenario has that name.
const Scenario* find_scenario(std::string_view name);

// The TLS scenarios (tls_scenarios.cpp), listed by the registry.
std::span<const Scenario> tls_scenarios();

// ===========================================================================
// Building blocks shared by the scenario files.

// ---------------------------------------------------------------------------
// Time: every timestamp is ns since the Unix epoch, UTC, as the guide's
// capture clock (the Expressway logs' UTCTime matches its tcpdump).

inline constexpr uint64_t kUs = 1000;
inline constexpr uint64_t kMs = 1000 * kUs;
inline constexpr uint64_t kSec = 1000 * kMs;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

constexpr uint64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, uint64_t us) {
    return (uint64_t(days_from_civil(y, mo, d)) * 86400 + h * 3600ull + mi * 60ull + s) * kSec + us * kUs;
}

// ---------------------------------------------------------------------------
// Randomness: raw std::mt19937_64 outputs only. std:: distributions are not
// specified bit for bit and differ between standard libraries, which would
// make the same seed give different pcaps on different build machines.

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint64_t next() { return g_(); }
    // [0, n). The modulo bias is below 2^-40 for the small n used here.
    uint64_t below(uint64_t n) { return n ? g_() % n : 0; }
    // [lo, hi], inclusive.
    uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
    bool percent(unsigned p) { return below(100) < p; }
    void fill(uint8_t* p, size_t n) {
        while (n >= 8) {
            uint64_t r = g_();
            for (int i = 0; i < 8; ++i) p[i] = uint8_t(r >> (8 * i));
            p += 8;
            n -= 8;
        }
        if (n) {
            uint64_t r = g_();
            for (size_t i = 0; i < n; ++i) p[i] = uint8_t(r >> (8 * i));
        }
    }

private:
    std::mt19937_64 g_;
};

// The structure stream (addresses, ports, sizes, timings) is seeded with a
// constant, so --seed changes only the values a stack picks at random.
inline constexpr uint64_t kShapeSeed = 0x63616c6c73656e74;  // "callsent"


// ---------------------------------------------------------------------------
// Hosts and the tap.

// What a host's TCP/IP stack puts in its packets.
struct StackProfile {
    uint8_t initial_ttl;
    uint16_t mss;
    uint16_t syn_window;     // unscaled window in its SYN
    uint16_t synack_window;  // unscaled window in its SYN-ACK
    uint8_t wscale;
    bool timestamps;
    uint32_t rcv_window;      // receive window (bytes) right after the handshake
    uint32_t rcv_window_max;  // what autotuning grows it to
};

// Expressway-E: Linux. SYN Win=29200 MSS=1460 WS=128, SYN-ACK Win=28960 (guide §9).
inline constexpr StackProfile kExpresswayStack{64, 1460, 29200, 28960, 7, true, 29312, 6 << 20};
// Webex L2SIP: Linux with MSS 1380. SYN Win=14600 MSS=1380 WS=128 (guide IN-2);
// its window is 14720 after the handshake and grows towards 26112 (captures §5.1).
inline constexpr StackProfile kWebexStack{64, 1380, 14600, 14480, 7, true, 14720, 1 << 20};
// A generic Linux server or client.
inline constexpr StackProfile kLinuxStack{64, 1460, 64240, 65160, 7, true, 64256, 6 << 20};
// A Cisco ASA firewall (its own traffic: IPsec). Initial TTL 255.
inline constexpr StackProfile kFirewallStack{255, 1380, 32768, 32768, 0, false, 32768, 32768};
// Google's public resolvers: replies arrive with TTLs around 117 (initial 128).
inline constexpr StackProfile kResolverStack{128, 1460, 65535, 65535, 8, true, 65535, 1 << 20};
// A Windows client: TTL 128, no TCP timestamps, WS=256.
inline constexpr StackProfile kWindowsStack{128, 1460, 64240, 65535, 8, false, 131328, 4 << 20};

struct HostSpec {
    IpAddr addr;
    const StackProfile* stack;
    uint8_t hops;           // routers between the host and the tap (the firewall counts)
    uint64_t tap_delay_ns;  // one-way delay between the host and the tap
    bool on_prem;           // inside the firewall: decides the L2 direction
    uint64_t link_bps;      // the rate its packet trains reach the tap at
};

struct Host {
    HostSpec spec;
    uint8_t ttl;       // as seen at the tap
    uint32_t ts_base;  // TCP timestamp clock: ts_base + packet time in ms (1000 Hz)
    uint32_t tsval(uint64_t t) const { return ts_base + uint32_t(t / kMs); }
};

// On the firewall's outside link every frame runs between the firewall's
// outside interface and the upstream router.
inline constexpr uint8_t kFirewallMac[6] = {0xe0, 0x0e, 0xda, 0xc8, 0x8c, 0xf3};
inline constexpr uint8_t kUpstreamMac[6] = {0x00, 0x1b, 0x54, 0xc2, 0x51, 0x80};

inline L2Spec l2_from(const Host& from, const std::vector<uint16_t>& vlans) {
    L2Spec l2;
    std::copy_n(from.spec.on_prem ? kFirewallMac : kUpstreamMac, 6, l2.src_mac);
    std::copy_n(from.spec.on_prem ? kUpstreamMac : kFirewallMac, 6, l2.dst_mac);
    l2.vlans = vlans;
    return l2;
}

inline IpAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddr::v4(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d);
}

// An IPv6 address from two 64-bit halves (the mixes use 2001:db8::/32, the documentation prefix).
inline IpAddr v6(uint64_t hi, uint64_t lo) {
    uint8_t b[16];
    for (int i = 0; i < 8; ++i) {
        b[i] = uint8_t(hi >> (56 - 8 * i));
        b[8 + i] = uint8_t(lo >> (56 - 8 * i));
    }
    return IpAddr::v6_bytes(b);
}

// The guide's cast (guide §2). The Expressway-E is seen under its public,
// post-NAT address one firewall hop away; the Webex peers ~15 hops and
// 15-30 ms away (outside RTT 30-80 ms).
inline HostSpec expressway_e() { return {v4(64, 102, 241, 236), &kExpresswayStack, 1, 100 * kUs, true, 1'000'000'000}; }
inline HostSpec webex(uint8_t last_octet, uint64_t tap_delay) {
    return {v4(146, 20, 193, last_octet), &kWebexStack, 15, tap_delay, false, 200'000'000};
}
inline HostSpec webex_73() { return webex(73, 24 * kMs); }
inline HostSpec webex_64() { return webex(64, 19 * kMs); }  // l2sip-cfa-01.wbx2.com
inline HostSpec webex_70() { return webex(70, 21 * kMs); }  // l2sip-cfa-02.wbx2.com
inline HostSpec resolver() { return {v4(8, 8, 8, 8), &kResolverStack, 11, 4 * kMs, false, 1'000'000'000}; }

// Everything a scenario writes: the frames, the hosts (shared, so a host keeps
// one TTL and one timestamp clock however many scenarios it appears in), and
// the two random streams.
class Timeline {
public:
    explicit Timeline(const ScenarioOptions& o) : options_(o), id_(o.seed), shape_(kShapeSeed) {}

    const ScenarioOptions& options() const { return options_; }
    Rng& id() { return id_; }        // values the seed may change
    Rng& shape() { return shape_; }  // structure the seed must not change

    // The host at spec.addr, created on first use.
    Host& host(const HostSpec& spec) {
        auto it = hosts_.find(spec.addr);
        if (it != hosts_.end()) return it->second;
        Host h{spec, uint8_t(spec.stack->initial_ttl - spec.hops), uint32_t(id_.next())};
        return hosts_.emplace(spec.addr, h).first->second;
    }

    void add(uint64_t t, std::vector<uint8_t> bytes) { frames_.push_back({t, std::move(bytes)}); }
    size_t size() const { return frames_.size(); }
    void reserve(size_t n) { frames_.reserve(n); }
    // Keep only the first n frames in time, as a capture stopped after n packets.
    void stop_after(size_t n) { stop_after_ = n; }

    // The frames in time order (ties keep the order they were written in).
    std::vector<Frame> finish() {
        std::stable_sort(frames_.begin(), frames_.end(),
                         [](const Frame& a, const Frame& b) { return a.ts_ns < b.ts_ns; });
        if (stop_after_ && frames_.size() > *stop_after_) frames_.resize(*stop_after_);
        return std::move(frames_);
    }

private:
    ScenarioOptions options_;
    Rng id_;
    Rng shape_;
    std::map<IpAddr, Host> hosts_;
    std::vector<Frame> frames_;
    std::optional<size_t> stop_after_;
};

// Appends n random bytes (payloads, keys, ciphertext: values the seed picks).
inline void put_random(Timeline& tl, std::vector<uint8_t>& out, size_t n) {
    size_t at = out.size();
    out.resize(at + n);
    tl.id().fill(out.data() + at, n);
}
inline std::vector<uint8_t> random_payload(Timeline& tl, size_t n) {
    std::vector<uint8_t> p;
    put_random(tl, p, n);
    return p;
}

// Time a frame of `len` bytes occupies on the host's link (with preamble, FCS, gap).
inline uint64_t wire_time(const Host& h, size_t len) { return (len + 24) * 8 * kSec / h.spec.link_bps; }


// ---------------------------------------------------------------------------
// TCP connection model. One object per connection; every packet of it goes
// through emit(), so sequence numbers, ACKs, windows, IP-IDs and timestamps
// stay consistent. IP-IDs follow Linux with DF set: a per-socket counter from
// a random start, except SYN-ACKs and resets to unknown connections, which
// Linux sends with IP-ID 0.

enum class Side : uint8_t { kClient, kServer };
constexpr Side other(Side s) { return s == Side::kClient ? Side::kServer : Side::kClient; }

// Host processing before a kernel answers (SYN-ACK, ACK, RST).
inline constexpr uint64_t kKernelThink = 40 * kUs;
// Linux starts (and restarts after idle) with 10 segments in flight.
inline constexpr uint32_t kInitialCwnd = 10;
inline constexpr uint32_t kMaxCwnd = 64;

class TcpConnection {
public:
    TcpConnection(Timeline& tl, Host& client, uint16_t client_port, Host& server, uint16_t server_port,
                  std::vector<uint16_t> vlans = {})
        : tl_(tl), vlans_(std::move(vlans)) {
        ends_[0].host = &client;
        ends_[0].port = client_port;
        ends_[1].host = &server;
        ends_[1].port = server_port;
        for (End& e : ends_) {
            e.isn = uint32_t(tl.id().next());
            e.nxt = e.isn;
            e.ip_id = uint16_t(tl.id().next());
            e.rcv_window = e.host->spec.stack->rcv_window;
        }
        timestamps_ = client.spec.stack->timestamps && server.spec.stack->timestamps;
        seg_payload_ = std::min(client.spec.stack->mss, server.spec.stack->mss) - (timestamps_ ? 12u : 0u);
    }

    // When `who` puts on the wire, as seen at the tap, its answer to a packet
    // the tap saw at `seen_at`, after thinking for `think` at the host.
    uint64_t answer_time(Side who, uint64_t seen_at, uint64_t think) const {
        return seen_at + 2 * end(who).host->spec.tap_delay_ns + think;
    }

    // The client's SYN; called again it is a retransmission (same ISN, next
    // IP-ID, new TSval, as Linux retransmits).
    void syn(uint64_t t) {
        End& c = end(Side::kClient);
        const StackProfile& st = *c.host->spec.stack;
        Seg s;
        s.flags = kSyn;
        s.seq = c.isn;
        s.window = st.syn_window;
        s.mss = st.mss;
        s.wscale = st.wscale;
        s.timestamp = st.timestamps;
        emit(Side::kClient, t, s);
        c.nxt = c.isn + 1;
    }

    // A SYN at t and a retransmission at each of `offsets` after it.
    void syn_with_retransmits(uint64_t t, std::span<const uint64_t> offsets) {
        syn(t);
        for (uint64_t off : offsets) syn(t + off);
    }

    // The server's RST/ACK for a SYN seen at `syn_seen_at`: nothing listens.
    // Linux answers from a control socket: seq 0, ack ISN+1, window 0, no
    // options, IP-ID 0. Returns its time.
    uint64_t refuse(uint64_t syn_seen_at, uint64_t think) {
        uint64_t t = answer_time(Side::kServer, syn_seen_at, think);
        Seg s;
        s.flags = kRst | kAck;
        s.ack = end(Side::kClient).isn + 1;
        s.window = 0;
        s.ip_id = 0;
        s.options = false;
        emit(Side::kServer, t, s);
        return t;
    }

    // SYN at t, SYN-ACK, ACK. Returns the time of the client's ACK.
    uint64_t handshake(uint64_t t) {
        syn(t);
        End& c = end(Side::kClient);
        End& sv = end(Side::kServer);
        const StackProfile& sst = *sv.host->spec.stack;

        uint64_t t_synack = answer_time(Side::kServer, t, kKernelThink);
        Seg sa;
        sa.flags = kSyn | kAck;
        sa.seq = sv.isn;
        sa.ack = c.nxt;
        sa.window = sst.synack_window;
        sa.mss = sst.mss;
        sa.wscale = sst.wscale;
        sa.timestamp = timestamps_;
        sa.ip_id = 0;
        emit(Side::kServer, t_synack, sa);
        sv.nxt = sv.isn + 1;

        uint64_t t_ack = answer_time(Side::kClient, t_synack, kKernelThink);
        pure_ack(Side::kClient, t_ack, sv.nxt);
        return t_ack;
    }

    // `data` from `from`, starting at t, in flights of up to cwnd segments at
    // the sender's link rate; the receiver ACKs every second segment and the
    // last one (unless `peer_acks` is false: the data never reaches it, or it
    // is gone). Returns the time of the last data segment.
    uint64_t send(Side from, uint64_t t, const std::vector<uint8_t>& data, bool peer_acks = true) {
        End& a = end(from);
        const Side to = other(from);
        uint32_t cwnd = kInitialCwnd;
        size_t off = 0;
        uint64_t now = t, last_data = t;
        std::vector<std::pair<uint64_t, uint32_t>> acks;  // (time, ack number)
        std::vector<uint8_t> chunk;
        while (off < data.size()) {
            acks.clear();
            uint32_t unacked = 0;
            for (uint32_t n = 0; n < cwnd && off < data.size(); ++n) {
                size_t len = std::min<size_t>(data.size() - off, seg_payload_);
                chunk.assign(data.begin() + ptrdiff_t(off), data.begin() + ptrdiff_t(off + len));
                off += len;
                const bool last = off == data.size();
                Seg s;
                s.flags = uint8_t(kAck | (last ? kPsh : 0));
                s.seq = a.nxt;
                s.ack = end(to).nxt;
                s.timestamp = timestamps_;
                size_t frame_len = emit(from, now, s, chunk);
                a.nxt += uint32_t(len);
                last_data = now;
                if (++unacked == 2 || last || n + 1 == cwnd) {
                    acks.emplace_back(answer_time(to, now, kKernelThink), a.nxt);
                    unacked = 0;
                }
                now += wire_time(*a.host, frame_len);
            }
            if (!peer_acks) acks.clear();
            // The flight's ACKs are written after it, so a segment written
            // later never precedes in the file what it could have seen.
            End& b = end(to);
            for (auto [when, ack] : acks) {
                b.rcv_window = std::min(b.host->spec.stack->rcv_window_max, b.rcv_window + 2 * seg_payload_);
                pure_ack(to, when, ack);
            }
            if (off < data.size() && !acks.empty()) {
                now = answer_time(from, acks.back().first, 0);
                cwnd = std::min(cwnd * 2, kMaxCwnd);
            }
        }
        return last_data;
    }

    // FIN/ACK from `from` at t, the peer's FIN/ACK, the last ACK. Returns its time.
    uint64_t close(Side from, uint64_t t) {
        End& a = end(from);
        End& b = end(other(from));
        Seg f;
        f.flags = kFin | kAck;
        f.seq = a.nxt;
        f.ack = b.nxt;
        f.timestamp = timestamps_;
        emit(from, t, f);
        a.nxt += 1;

        uint64_t t2 = answer_time(other(from), t, 200 * kUs);  // its application closes too
        Seg g;
        g.flags = kFin | kAck;
        g.seq = b.nxt;
        g.ack = a.nxt;
        g.timestamp = timestamps_;
        emit(other(from), t2, g);
        b.nxt += 1;

        uint64_t t3 = answer_time(from, t2, kKernelThink);
        pure_ack(from, t3, b.nxt);
        return t3;
    }

    // A pure ACK from `from` at t of everything the peer sent.
    void ack(Side from, uint64_t t) { pure_ack(from, t, end(other(from)).nxt); }

    // One FIN/ACK from `from` at t (a half close), and, if `peer_acks`, the
    // peer kernel's ACK of it. Returns the FIN's time.
    uint64_t fin(Side from, uint64_t t, bool peer_acks = true) {
        End& a = end(from);
        Seg f;
        f.flags = kFin | kAck;
        f.seq = a.nxt;
        f.ack = end(other(from)).nxt;
        f.timestamp = timestamps_;
        emit(from, t, f);
        a.nxt += 1;
        if (peer_acks) pure_ack(other(from), answer_time(other(from), t, kKernelThink), a.nxt);
        return t;
    }

    // An application abort (close with SO_LINGER 0): Linux sends RST/ACK from
    // the socket, with its IP-ID counter and timestamps.
    void abort(Side from, uint64_t t) {
        Seg r;
        r.flags = kRst | kAck;
        r.seq = end(from).nxt;
        r.ack = end(other(from)).nxt;
        r.timestamp = timestamps_;
        emit(from, t, r);
    }

    // The kernel's RST for a segment that reached a socket already closed:
    // seq = the ACK it carried, no ACK flag, window 0, no options, IP-ID 0.
    void reset_reply(Side from, uint64_t t) {
        Seg r;
        r.flags = kRst;
        r.seq = end(from).nxt;
        r.window = 0;
        r.options = false;
        r.ip_id = 0;
        emit(from, t, r);
    }

    // `data` sent again by `from` at t from sequence number `seq` (a
    // retransmission: next IP-ID, new TSval; nothing is ACKed).
    void resend(Side from, uint64_t t, uint32_t seq, const std::vector<uint8_t>& data) {
        Seg s;
        s.flags = kAck | kPsh;
        s.seq = seq;
        s.ack = end(other(from)).nxt;
        s.timestamp = timestamps_;
        emit(from, t, s, data);
    }

    // A segment made by a middlebox in the name of `claimed`: every field the
    // forger chose is given; it joins no host's timestamp history.
    struct Forged {
        uint8_t flags = kRst;
        uint8_t ttl = 64;
        uint16_t ip_id = 0;
        uint16_t window = 0;
        std::optional<uint32_t> tsval;  // with tsecr: the timestamp option
        uint32_t tsecr = 0;
        std::optional<uint8_t> wscale;
    };
    void forge(Side claimed, uint64_t t, const Forged& f) {
        End& a = end(claimed);
        End& b = end(other(claimed));
        IpSpec ip;
        ip.src = a.host->spec.addr;
        ip.dst = b.host->spec.addr;
        ip.ttl = f.ttl;
        ip.ip_id = f.ip_id;
        TcpSpec tcp;
        tcp.sport = a.port;
        tcp.dport = b.port;
        tcp.seq = a.nxt;
        tcp.flags = f.flags;
        tcp.window = f.window;
        tcp.tsval = f.tsval;
        tcp.tsecr = f.tsecr;
        tcp.wscale = f.wscale;
        // `ttl` is as the tap sees it; write() lowers cloud packets by one
        // for the inside tap, so a packet made for the inside only is raised here.
        if (taps_ == kInsideTap && !a.host->spec.on_prem) ip.ttl = uint8_t(ip.ttl + 1);
        write(claimed, t, ip, tcp, {});
    }

    // --- a second tap inside the firewall. From also_inside() on, each
    // packet is written for every tap it passes (set_taps): on the inside
    // the on-prem host has its pre-NAT address, sends with its initial TTL
    // and is seen `transit` earlier; cloud packets are seen `transit` later,
    // one TTL lower. The inside segment runs between the host's NIC and the
    // firewall's inside interface.
    enum Tap : uint8_t { kOutsideTap = 1, kInsideTap = 2, kBothTaps = 3 };
    void also_inside(Timeline& inside, IpAddr pre_nat, uint64_t transit) {
        inside_ = Inside{&inside, pre_nat, transit};
    }
    void set_taps(uint8_t taps) { taps_ = taps; }
    // The time the inside tap sees a packet from `from` that the outside tap sees at t.
    uint64_t inside_time(Side from, uint64_t t) const {
        if (!inside_) return t;
        return end(from).host->spec.on_prem ? t - inside_->transit : t + inside_->transit;
    }

    // The sender's timestamp clock at t, and the next sequence number of a side.
    uint32_t tsval(Side s, uint64_t t) const { return end(s).host->tsval(t); }
    uint32_t next_seq(Side s) const { return end(s).nxt; }
    const Host& host(Side s) const { return *end(s).host; }

private:
    struct End {
        Host* host = nullptr;
        uint16_t port = 0;
        uint32_t isn = 0, nxt = 0;
        uint16_t ip_id = 0;       // next IP-ID of this socket
        uint32_t rcv_window = 0;  // bytes
        std::vector<uint64_t> seen;  // tap times of the segments this end sent
    };
    // One segment; options as the connection negotiated them.
    struct Seg {
        uint8_t flags = 0;
        uint32_t seq = 0, ack = 0;
        std::optional<uint16_t> window;  // unset: the sender's receive window, scaled
        std::optional<uint16_t> mss;
        std::optional<uint8_t> wscale;
        bool timestamp = false;          // carry the timestamp option
        bool options = true;             // false: no options at all (reset to a SYN)
        std::optional<uint16_t> ip_id;   // unset: the socket's counter
    };

    End& end(Side s) { return ends_[s == Side::kClient ? 0 : 1]; }
    const End& end(Side s) const { return ends_[s == Side::kClient ? 0 : 1]; }

    void pure_ack(Side from, uint64_t t, uint32_t ack) {
        Seg s;
        s.flags = kAck;
        s.seq = end(from).nxt;
        s.ack = ack;
        s.timestamp = timestamps_;
        emit(from, t, s);
    }

    // TSecr: the TSval of the newest segment from the peer that had reached
    // `me` when it sent at tap time t (seen at the tap before t minus the
    // round trip between the tap and `me`). 0 before anything arrived.
    uint32_t ts_echo(const End& me, const End& peer, uint64_t t) const {
        const uint64_t rtt = 2 * me.host->spec.tap_delay_ns;
        std::optional<uint64_t> newest;
        for (uint64_t s : peer.seen)
            if (s + rtt <= t && (!newest || s > *newest)) newest = s;
        return newest ? peer.host->tsval(*newest) : 0;
    }

    // Builds and records one frame; returns its length.
    size_t emit(Side from, uint64_t t, const Seg& s, const std::vector<uint8_t>& payload = {}) {
        End& a = end(from);
        End& b = end(other(from));
        const StackProfile& st = *a.host->spec.stack;
        IpSpec ip;
        ip.src = a.host->spec.addr;
        ip.dst = b.host->spec.addr;
        ip.ttl = a.host->ttl;
        ip.ip_id = s.ip_id ? *s.ip_id : a.ip_id++;
        TcpSpec tcp;
        tcp.sport = a.port;
        tcp.dport = b.port;
        tcp.seq = s.seq;
        tcp.ack = s.ack;
        tcp.flags = s.flags;
        // Windows in SYNs are never scaled; after the handshake they are.
        tcp.window = s.window ? *s.window : uint16_t(std::min<uint32_t>(0xffff, a.rcv_window >> st.wscale));
        if (s.options) {
            tcp.mss = s.mss;
            tcp.sack_perm = (s.flags & kSyn) != 0;
            tcp.wscale = s.wscale;
            if (s.timestamp) {
                tcp.tsval = a.host->tsval(t);
                tcp.tsecr = s.flags == kSyn ? 0 : ts_echo(a, b, t);
            }
        }
        size_t len = write(from, t, ip, tcp, payload);
        a.seen.push_back(t);
        return len;
    }

    // Writes one packet for each tap it passes; returns the outside frame's length.
    size_t write(Side from, uint64_t t, IpSpec ip, const TcpSpec& tcp, const std::vector<uint8_t>& payload) {
        const Host& h = *end(from).host;
        size_t len = 0;
        if (taps_ & kOutsideTap) {
            std::vector<uint8_t> f = build_tcp(l2_from(h, vlans_), ip, tcp, payload);
            len = f.size();
            tl_.add(t, std::move(f));
        }
        if (inside_ && (taps_ & kInsideTap)) {
            static constexpr uint8_t kHostMac[6] = {0x00, 0x50, 0x56, 0x80, 0x34, 0x64};      // VMware NIC (guide C7)
            static constexpr uint8_t kFirewallInMac[6] = {0x00, 0x1b, 0x17, 0x00, 0x01, 0x30};  // Palo Alto (guide C7)
            const bool up = h.spec.on_prem;
            L2Spec l2;
            std::copy_n(up ? kHostMac : kFirewallInMac, 6, l2.src_mac);
            std::copy_n(up ? kFirewallInMac : kHostMac, 6, l2.dst_mac);
            l2.vlans = vlans_;
            (up ? ip.src : ip.dst) = inside_->pre_nat;
            ip.ttl = up ? uint8_t(ip.ttl + 1) : uint8_t(ip.ttl - 1);
            inside_->tl->add(inside_time(from, t), build_tcp(l2, ip, tcp, payload));
        }
        return len;
    }

    Timeline& tl_;
    std::vector<uint16_t> vlans_;
    std::array<End, 2> ends_;
    bool timestamps_ = false;
    uint32_t seg_payload_ = 0;
    struct Inside {
        Timeline* tl;
        IpAddr pre_nat;
        uint64_t transit;
    };
    std::optional<Inside> inside_;
    uint8_t taps_ = kBothTaps;
};

// ---------------------------------------------------------------------------
// UDP: one socket pair. A connected socket (a stub resolver's, an NTP
// client's) numbers its datagrams from a random start, as Linux does; an
// unconnected one (a server's bound socket, dnsmasq's forwarders) sends DF
// datagrams with IP-ID 0 (Linux ip_select_ident).

class UdpFlow {
public:
    UdpFlow(Timeline& tl, Host& client, uint16_t client_port, Host& server, uint16_t server_port,
            std::vector<uint16_t> vlans = {})
        : tl_(tl), vlans_(std::move(vlans)) {
        ends_[0] = {&client, client_port, uint16_t(tl.id().next())};
        ends_[1] = {&server, server_port, uint16_t(tl.id().next())};
    }

    // `s` sends from an unconnected socket from now on.
    void unconnected(Side s) { end(s).connected = false; }

    uint64_t answer_time(Side who, uint64_t seen_at, uint64_t think) const {
        return seen_at + 2 * end(who).host->spec.tap_delay_ns + think;
    }

    void send(Side from, uint64_t t, const std::vector<uint8_t>& payload) {
        End& a = end(from);
        const End& b = end(other(from));
        IpSpec ip;
        ip.src = a.host->spec.addr;
        ip.dst = b.host->spec.addr;
        ip.ttl = a.host->ttl;
        ip.ip_id = a.connected ? a.ip_id++ : 0;
        tl_.add(t, build_udp(l2_from(*a.host, vlans_), ip, UdpSpec{a.port, b.port}, payload));
    }

private:
    struct End {
        Host* host = nullptr;
        uint16_t port = 0;
        uint16_t ip_id = 0;
        bool connected = true;
    };
    End& end(Side s) { return ends_[s == Side::kClient ? 0 : 1]; }
    const End& end(Side s) const { return ends_[s == Side::kClient ? 0 : 1]; }

    Timeline& tl_;
    std::vector<uint16_t> vlans_;
    std::array<End, 2> ends_;
};

}  // namespace cs::gen
