// libFuzzer target for the DNS parser: any bytes as one UDP message, and the
// same bytes as a DNS-over-TCP stream deframed through chunks of varying size
// with every frame parsed. Checks that rdata spans lie inside the input and
// are read whole (an over-read trips ASan), that names are within their
// bounds and rendered as promised, and that section bookkeeping adds up.
//
// Input: byte 0 = flags (seed for the TCP chunk sizes), then the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

// Compiled into this unit so the fuzz build instruments it (see fuzz_decode).
#include "workers/dns_parser.cpp"

namespace {

volatile uint8_t sink = 0;

void check_name(const cs::DnsName& n) {
    if (n.length > cs::DnsName::kCapacity) std::abort();
    if (n.length == 0) return;  // a record or question not reached
    if (n.labels == 0 && n.view() != ".") std::abort();
    uint32_t dots = 0;
    for (char c : n.view()) {
        if (c >= 'A' && c <= 'Z') std::abort();     // rendered lower-case
        if (uint8_t(c) <= 0x20 || uint8_t(c) >= 0x7f) std::abort();  // unusual bytes become '?'
        dots += c == '.';
    }
    if (n.labels > 0 && dots + 1 != n.labels) std::abort();
}

void check_record(const cs::DnsRecord& rr, std::span<const uint8_t> msg) {
    check_name(rr.name);
    if (rr.rdata.size() != rr.rdlength) std::abort();
    if (!rr.rdata.empty() && (rr.rdata.data() < msg.data() || rr.rdata.data() + rr.rdata.size() > msg.data() + msg.size()))
        std::abort();
    for (uint8_t b : rr.rdata) sink = uint8_t(sink + b);
    if (!rr.decoded) return;
    check_name(rr.target);
    for (auto s : {rr.naptr.flags, rr.naptr.services, rr.naptr.regexp}) {
        if (!s.empty() && (s.data() < rr.rdata.data() || s.data() + s.size() > rr.rdata.data() + rr.rdata.size()))
            std::abort();
        for (uint8_t b : s) sink = uint8_t(sink + b);
    }
}

void check_message(std::span<const uint8_t> msg, cs::DnsMessage& m) {
    const cs::DnsStatus s = cs::parse_dns_message(msg, m);
    if (s.status == cs::DnsParseStatus::kIncomplete) std::abort();
    if (int(s.reason) >= int(cs::DnsAnomalyKind::kCount) || s.at > msg.size()) std::abort();
    if (s.ok() != (s.reason == cs::DnsAnomalyKind::kNone)) std::abort();
    sink = uint8_t(sink + cs::dns_anomaly_name(s.reason)[0] + cs::dns_rcode_name(m.rcode())[0]);
    if (m.question_count > cs::DnsMessage::kMaxQuestions || m.answer_count > cs::DnsMessage::kMaxAnswers ||
        m.authority_count > cs::DnsMessage::kMaxAuthority || m.additional_count > cs::DnsMessage::kMaxAdditional)
        std::abort();
    const cs::DnsHeader& h = m.header;
    if (m.question_count + m.questions_dropped > h.qdcount || m.answer_count + m.answers_dropped > h.ancount ||
        m.authority_count + m.authority_dropped > h.nscount || m.additional_count + m.additional_dropped > h.arcount)
        std::abort();
    for (const auto& q : m.questions()) check_name(q.name);
    for (auto sec : {m.answers(), m.authorities(), m.additionals()})
        for (const auto& rr : sec) check_record(rr, msg);
    if (!s.ok()) return;
    if (m.cut_short && !h.tc) std::abort();
    if (!m.cut_short) {
        if (m.question_count + m.questions_dropped != h.qdcount || m.answer_count + m.answers_dropped != h.ancount ||
            m.authority_count + m.authority_dropped != h.nscount ||
            m.additional_count + m.additional_dropped != h.arcount)
            std::abort();
    } else if (m.trailing_bytes != 0) {
        std::abort();
    }
    if (m.trailing_bytes > msg.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 70000) return 0;
    static cs::DnsMessage m;  // ~40 KiB, reused like a worker's
    const uint8_t flags = data[0];
    const std::span<const uint8_t> in(data + 1, size - 1);
    (void)cs::parse_dns_header(in);
    check_message(in, m);

    // The same bytes as a TCP stream, handed over in chunks: each frame is
    // copied out of the reassembly buffer exactly sized, so ASan sees its end.
    std::vector<uint8_t> buf;
    uint32_t x = flags * 2654435761u + uint32_t(size);
    size_t i = 0;
    while (i < in.size()) {
        x = x * 1103515245u + 12345u;
        const size_t n = std::min<size_t>(1 + (x >> 16) % 300, in.size() - i);
        buf.insert(buf.end(), in.begin() + long(i), in.begin() + long(i + n));
        i += n;
        for (;;) {
            auto f = cs::dns_tcp_frame(buf);
            if (f.status == cs::DnsParseStatus::kInvalid) return 0;
            if (f.status == cs::DnsParseStatus::kIncomplete) {
                if (f.need == 0) std::abort();
                break;
            }
            if (f.value.consumed != 2u + f.value.length || f.value.consumed > buf.size() ||
                f.value.message.size() != f.value.length)
                std::abort();
            const std::vector<uint8_t> msg(f.value.message.begin(), f.value.message.end());
            check_message(msg, m);
            buf.erase(buf.begin(), buf.begin() + f.value.consumed);
        }
    }
    return 0;
}
