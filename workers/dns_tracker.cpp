#include "workers/dns_tracker.h"

#include <algorithm>
#include <cstring>

#include "workers/flow_table.h"
#include "workers/tcp_diagnosis.h"

namespace cs {

#ifndef CS_DEFAULT_DNS_RULES
#define CS_DEFAULT_DNS_RULES "/usr/share/callsentry/dns.rules.yaml"
#endif

namespace {

// DNS over TCP is rare on the paths watched (a truncated answer retried, a
// zone transfer): few flows at once. 4 KiB holds the guide's largest answer
// (the six registration targets with glue, 566 bytes) many times over; a
// larger message is read from its header and question.
constexpr uint32_t kDnsBufferBytes = 4096;
constexpr uint32_t kDnsStreamsPerWorker = 256;
constexpr uint16_t kDnsPort = 53;

// The same for every message of one flow on one vantage, whichever worker saw it.
uint64_t conn_id_of(const Flow& f) {
    uint64_t x = (uint64_t(f.hash) << 32) ^ (uint64_t(f.vantage) << 16) ^ f.key.proto;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

// A header as DNS speakers write it: a standard opcode (QUERY, NOTIFY,
// UPDATE), the reserved Z bit clear, one to four questions. Enough to tell
// DNS from other traffic on port 53 before anything is followed.
bool plausible_header(std::span<const uint8_t> msg) {
    const DnsParsed<DnsHeader> h = parse_dns_header(msg);
    if (!h.ok()) return false;
    const DnsHeader& x = h.value;
    const bool opcode = x.opcode == dns::kOpQuery || x.opcode == dns::kOpNotify || x.opcode == dns::kOpUpdate;
    return opcode && !x.z && x.qdcount >= 1 && x.qdcount <= DnsMessage::kMaxQuestions;
}

// A rule's structured conditions against the lookup it matched. SIP method
// and status conditions never hold for a DNS name.
bool conditions_hold(const Conditions& c, Direction direction, uint16_t vantage, const std::vector<std::string>& vantages) {
    if (!c.methods.empty() || c.status_min) return false;
    if (c.direction == Conditions::Direction::kInbound && direction != Direction::kInbound) return false;
    if (c.direction == Conditions::Direction::kOutbound && direction != Direction::kOutbound) return false;
    if (!c.vantages.empty()) {
        if (vantage >= vantages.size()) return false;
        if (std::find(c.vantages.begin(), c.vantages.end(), vantages[vantage]) == c.vantages.end()) return false;
    }
    return true;
}

// A character-string's bytes for an event: printable ASCII kept, the rest '?'.
template <size_t N>
uint8_t printable(std::span<const uint8_t> in, char (&out)[N]) {
    const size_t n = std::min(in.size(), N);
    for (size_t i = 0; i < n; ++i) out[i] = in[i] >= 0x20 && in[i] < 0x7f ? char(in[i]) : '?';
    return uint8_t(n);
}

void count_rcode(DnsCounters& n, uint16_t rcode) {
    switch (rcode) {
        case dns::kNoError: ++n.rcode_noerror; break;
        case dns::kNxDomain: ++n.rcode_nxdomain; break;
        case dns::kServFail: ++n.rcode_servfail; break;
        case dns::kRefused: ++n.rcode_refused; break;
        default: ++n.rcode_other; break;
    }
}

// An A/AAAA record into the fact, linked to the SRV target it resolves.
void add_address(DnsFact& fact, const DnsRecord& rr, uint8_t srv) {
    if (fact.address_count >= DnsFact::kMaxAddresses) {
        ++fact.records_not_kept;
        return;
    }
    DnsFactAddress& a = fact.address[fact.address_count++];
    a.v6 = rr.type == dns::kTypeAAAA;
    a.ip = a.v6 ? IpAddr::v6_bytes(rr.address) : IpAddr::v4_bytes(rr.address);
    a.ttl = rr.ttl;
    a.srv = srv;
}

uint8_t srv_for(const DnsFact& fact, const DnsName& owner) {
    for (uint8_t i = 0; i < fact.srv_count; ++i)
        if (fact.srv[i].target.is(owner.view())) return i;
    return DnsFactAddress::kNoSrv;
}

// The records the diagnosis reads: SRV, CNAME, NAPTR and addresses of the
// answer; addresses of the additional section that resolve an SRV target;
// a negative answer's SOA.
void summarise_records(const DnsMessage& m, DnsFact& fact) {
    fact.records_not_kept = uint16_t(std::min<uint32_t>(m.answers_dropped + m.additional_dropped, UINT16_MAX));
    auto full = [&](uint8_t count, int cap) {
        if (count < cap) return false;
        ++fact.records_not_kept;
        return true;
    };
    for (const DnsRecord& rr : m.answers()) {
        if (rr.type == fact.qtype || (fact.qtype == dns::kTypeANY && rr.type != dns::kTypeOPT)) ++fact.answers_of_qtype;
        if (!rr.decoded) continue;
        switch (rr.type) {
            case dns::kTypeSRV:
                if (full(fact.srv_count, DnsFact::kMaxSrv)) break;
                {
                    DnsFactSrv& s = fact.srv[fact.srv_count++];
                    s.priority = rr.srv.priority;
                    s.weight = rr.srv.weight;
                    s.port = rr.srv.port;
                    s.ttl = rr.ttl;
                    s.target.set(rr.target.view());
                }
                break;
            case dns::kTypeCNAME:
                if (!full(fact.cname_count, DnsFact::kMaxCnames)) fact.cname[fact.cname_count++].set(rr.target.view());
                break;
            case dns::kTypeNAPTR:
                if (full(fact.naptr_count, DnsFact::kMaxNaptr)) break;
                {
                    DnsFactNaptr& n = fact.naptr[fact.naptr_count++];
                    n.order = rr.naptr.order;
                    n.preference = rr.naptr.preference;
                    n.flags_len = printable(rr.naptr.flags, n.flags);
                    n.services_len = printable(rr.naptr.services, n.services);
                    n.replacement.set(rr.target.view());
                }
                break;
            default:
                break;
        }
    }
    for (const DnsRecord& rr : m.answers())
        if (rr.decoded && (rr.type == dns::kTypeA || rr.type == dns::kTypeAAAA)) add_address(fact, rr, srv_for(fact, rr.name));
    for (const DnsRecord& rr : m.additionals()) {
        if (!rr.decoded || (rr.type != dns::kTypeA && rr.type != dns::kTypeAAAA)) continue;
        const uint8_t srv = srv_for(fact, rr.name);
        if (srv != DnsFactAddress::kNoSrv) add_address(fact, rr, srv);
    }
    for (const DnsRecord& rr : m.authorities()) fact.soa_in_authority |= rr.type == dns::kTypeSOA;
}

}  // namespace

std::string dns_rules_path(const std::string& configured) {
    return configured.empty() ? CS_DEFAULT_DNS_RULES : configured;
}

bool load_dns_shared(const std::string& path, const BuildOptions& opts, DnsShared* out, std::string* error) {
    out->rules = load_rule_set(path, opts, error);
    if (!out->rules) return false;
    out->rule_tag.assign(out->rules->rules().size(), 0);
    for (size_t i = 0; i < out->rules->rules().size(); ++i) out->rule_tag[i] = dns_tag_from_name(out->rules->rule(i).tag);
    return true;
}

// ---- DnsStreamDir ------------------------------------------------------------

void DnsStreamDir::begin(uint8_t* buf, uint32_t capacity, Visitor* visitor, DnsCounters* n) {
    *this = DnsStreamDir{};
    buf_ = buf;
    cap_ = capacity;
    visitor_ = visitor;
    n_ = n;
}

void DnsStreamDir::on_data(const uint8_t* data, uint32_t len) {
    while (len && !lost_) {
        if (used_ == 0 && !skip_) first_frame_ = frame_;
        if (skip_or_append(buf_, cap_, used_, skip_, data, len)) drain();
    }
    n_->tcp_bytes_ignored += len;
}

void DnsStreamDir::drain() {
    while (used_ && !lost_) {
        const DnsParsed<DnsTcpFrame> fr = dns_tcp_frame({buf_, used_});
        if (fr.status == DnsParseStatus::kInvalid) {
            ++n_->malformed;
            ++n_->malformed_by[size_t(fr.reason)];
            lose_framing(used_);
            return;
        }
        if (fr.ok()) {
            visitor_->on_stream_message(fr.value.message, true, first_frame_);
            const uint32_t n = fr.value.consumed;
            std::memmove(buf_, buf_ + n, used_ - n);
            used_ -= n;
            if (used_) first_frame_ = frame_;
            continue;
        }
        if (used_ < cap_) return;  // incomplete, and room for more
        // Larger than the buffer: what it holds is the header and the question.
        ++n_->tcp_oversize;
        visitor_->on_stream_message({buf_ + 2, used_ - 2}, false, first_frame_);
        skip_ = fr.need;
        used_ = 0;
    }
}

void DnsStreamDir::on_gap(uint32_t missing_bytes) {
    ++n_->tcp_gaps;
    if (skip_ >= missing_bytes) {  // the hole fell inside a message being skipped anyway
        skip_ -= missing_bytes;
        return;
    }
    lose_framing(used_);
}

void DnsStreamDir::lose_framing(uint32_t ignored) {
    lost_ = true;
    n_->tcp_bytes_ignored += ignored;
    used_ = skip_ = 0;
}

// ---- DnsStreamPool -----------------------------------------------------------


// ---- DnsTracker --------------------------------------------------------------

DnsTracker::DnsTracker(const Config& cfg, const DnsShared* shared, DnsFactSink& sink, ReassemblyPool& pool)
    : cfg_(cfg),
      shared_(nullptr),
      sink_(sink),
      rpool_(pool),
      streams_(kDnsStreamsPerWorker, kDnsBufferBytes),
      msg_(std::make_unique<DnsMessage>()),
      fact_(std::make_unique<DnsFact>()) {
    for (const auto& in : cfg.inputs)
        if (std::find(vantages_.begin(), vantages_.end(), in.vantage) == vantages_.end()) vantages_.push_back(in.vantage);
    take_rules(shared);
}

void DnsTracker::take_rules(const DnsShared* shared) {
    shared_ = shared;
    if (!shared_ || !shared_->rules) return;
    if (!scratch_) scratch_ = shared_->rules->make_scratch();
    else scratch_.fit(*shared_->rules);
}

bool DnsTracker::claim(Flow& f, const PacketView& v) {
    if (v.sport != kDnsPort && v.dport != kDnsPort) return false;
    const std::span<const uint8_t> p(v.payload, v.payload_len);
    StreamState& t = f.app;
    if (!v.is_tcp()) {
        if (!plausible_header(p)) return false;
        ++n_.flows_udp;
        return true;
    }
    // A client may send the length prefix in a segment of its own.
    if (p.size() < 2 || uint32_t(p[0] << 8 | p[1]) < dns::kHeaderLength) return false;
    if (p.size() > 2 && !plausible_header(p.subspan(2))) return false;
    ++n_.flows_tcp;
    const uint32_t slot = streams_.alloc();
    if (slot == DnsStreamPool::kNone) {
        ++n_.tcp_pool_exhausted;
        return true;
    }
    t.slot = slot;
    for (int d = 0; d < 2; ++d) streams_.dir(slot, d).begin(streams_.buffer(slot, d), streams_.buffer_bytes(), this, &n_);
    return true;
}

void DnsTracker::on_datagram(Flow& f, const PacketView& v) {
    if (!v.payload_len) return;
    const bool whole = v.payload_len == v.payload_wire_len;
    if (!whole) ++n_.snapped;
    cur_flow_ = &f;
    cur_ = &v;
    on_message({v.payload, v.payload_len}, whole, v.frame);
    cur_ = nullptr;
}

void DnsTracker::on_tcp_packet(Flow& f, const PacketView& v, bool from_client) {
    StreamState& t = f.app;
    if (t.slot == StreamState::kNoSlot) return;  // no stream buffer was free
    const int d = from_client ? 0 : 1;
    StreamReassembler& mine = t.rs[d];
    cur_flow_ = &f;
    cur_ = &v;
    DnsStreamDir& sink = streams_.dir(t.slot, d);
    sink.at_frame(v.frame);
    if (v.payload_len) mine.segment(rpool_, v.seq, v.payload, v.payload_len, sink);
    StreamReassembler& peer = t.rs[1 - d];
    if ((v.tcp_flags & kAck) && peer.started()) peer.ack_seen(rpool_, v.ack, streams_.dir(t.slot, 1 - d));
    if (v.tcp_flags & kFin) mine.fin(rpool_, v.seq + v.payload_wire_len, sink);
    cur_ = nullptr;
}

void DnsTracker::finish(Flow& f) {
    StreamState& t = f.app;
    for (auto& r : t.rs) r.release(rpool_);
    if (t.slot != StreamState::kNoSlot) {
        streams_.free(t.slot);
        t.slot = StreamState::kNoSlot;
    }
}

void DnsTracker::on_stream_message(std::span<const uint8_t> bytes, bool whole, uint32_t first_frame) {
    if (cur_) on_message(bytes, whole, first_frame);
}

DnsTracker::Match DnsTracker::scan(std::string_view qname, Direction direction, uint16_t vantage) const {
    Match out;
    if (!shared_ || !shared_->rules || !scratch_) return out;
    const RuleSet& rules = *shared_->rules;
    MatchSet hits;
    if (!rules.scan(scratch_, Field::kQname, qname, hits)) return out;
    hits.for_each([&](size_t i) {
        const Rule& r = rules.rule(i);
        if (!conditions_hold(r.conditions, direction, vantage, vantages_)) return;
        if (i < shared_->rule_tag.size()) out.tags |= shared_->rule_tag[i];
        if (out.total < UINT8_MAX) ++out.total;
        if (out.count < DnsFact::kMaxRules) out.rules[out.count++] = r.id;
    });
    return out;
}

void DnsTracker::on_message(std::span<const uint8_t> bytes, bool whole, uint32_t first_frame) {
    const PacketView& v = *cur_;
    const Flow& f = *cur_flow_;
    DnsMessage& m = *msg_;
    const DnsStatus st = parse_dns_message(bytes, m);
    ++n_.messages;
    if (!st.ok() && whole) {
        ++n_.malformed;
        ++n_.malformed_by[size_t(st.reason)];
    }
    if (st.reason == DnsAnomalyKind::kTruncatedHeader) return;  // nothing was read
    const DnsHeader& h = m.header;
    if (h.qr) {
        ++n_.responses;
        count_rcode(n_, m.rcode());
        n_.truncated += h.tc;
    } else {
        ++n_.queries;
    }
    if (h.opcode != dns::kOpQuery) {
        ++n_.not_query;
        return;
    }
    if (m.question_count == 0) {
        ++n_.no_question;
        return;
    }

    // Who asked whom, then whether the name is watched: most messages stop here.
    Endpoints e;
    if (f.key.proto == 6) {
        e = endpoints_of(f);  // over TCP the querier opened the connection (RFC 7766)
    } else if (h.qr) {
        e = {v.dst, v.src, v.dport, v.sport};  // over UDP the QR bit says whether the sender asked
    } else {
        e = {v.src, v.dst, v.sport, v.dport};
    }
    const Direction direction = direction_of(cfg_, e.client_ip, e.server_ip);
    const DnsQuestion& q = m.question[0];
    const Match hit = scan(q.name.view(), direction, f.vantage);
    if (!hit.tags) return;

    DnsFact& fact = *fact_;
    fact = DnsFact{};
    fact.transport = f.key.proto;
    fact.direction = direction;
    fact.vantage = f.vantage;
    fact.client_ip = e.client_ip;
    fact.server_ip = e.server_ip;
    fact.client_port = e.client_port;
    fact.server_port = e.server_port;
    fact.qname = q.name;
    fact.qtype = q.type;
    fact.qclass = q.qclass;
    fact.tags = hit.tags;
    std::copy(hit.rules, hit.rules + hit.count, fact.matched_rules);
    fact.matched_count = hit.count;
    fact.matched_total = hit.total;
    ++n_.watched;
    fact.conn_id = conn_id_of(f);
    fact.ts_ns = v.ts_ns;
    fact.frame = v.frame;
    fact.first_frame = first_frame;
    fact.seq_in_conn = ++cur_flow_->app.messages;
    fact.id = h.id;
    fact.is_response = h.qr;
    fact.opcode = h.opcode;
    fact.aa = h.aa;
    fact.tc = h.tc;
    fact.rd = h.rd;
    fact.ra = h.ra;
    fact.ad = h.ad;
    fact.cd = h.cd;
    fact.rcode = m.rcode();
    fact.ancount = h.ancount;
    fact.nscount = h.nscount;
    fact.arcount = h.arcount;
    fact.cut_short = m.cut_short;
    if (st.ok()) {
        summarise_records(m, fact);
    } else {
        fact.answers_unread = true;
        fact.malformed = whole;
        if (whole) fact.anomaly = st.reason;
    }
    if (!sink_.push_dns(fact)) ++n_.facts_dropped;
}

}  // namespace cs
