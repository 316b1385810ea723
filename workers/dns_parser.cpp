#include "workers/dns_parser.h"

#include <cstring>

namespace cs {

namespace {

DnsStatus invalid(DnsAnomalyKind why, size_t at) {
    DnsStatus s;
    s.status = DnsParseStatus::kInvalid;
    s.reason = why;
    s.at = uint32_t(at);
    return s;
}

DnsStatus ok_status() {
    DnsStatus s;
    s.status = DnsParseStatus::kOk;
    return s;
}

uint16_t u16_at(std::span<const uint8_t> b, size_t i) { return uint16_t(b[i] << 8 | b[i + 1]); }
uint32_t u32_at(std::span<const uint8_t> b, size_t i) { return uint32_t(u16_at(b, i)) << 16 | u16_at(b, i + 2); }

char render_byte(uint8_t c, bool* unusual) {
    if (c >= 'A' && c <= 'Z') return char(c - 'A' + 'a');
    if (c > 0x20 && c < 0x7f && c != '.') return char(c);
    *unusual = true;
    return '?';
}

// Reads the name at `offset` of `msg` into `out`. The uncompressed part must
// end by `limit` (the rdata end, or the message end), else `past_end` is the
// reason: the caller knows whether that is a cut message or bad rdata. After a
// pointer the name may lie anywhere before it in the message. On success
// `*end` is the offset just after the name where it was written.
//
// Loops: every pointer must point strictly before the run of labels that it
// ends (the first run starts at `offset`, later ones at the previous target).
// Run starts therefore strictly decrease, which rules out cycles; a real
// compressor only ever points back at an earlier copy of a suffix.
DnsStatus read_name(std::span<const uint8_t> msg, size_t offset, size_t limit, DnsAnomalyKind past_end,
                    DnsName& out, size_t* end) {
    out.length = 0;
    out.labels = 0;
    out.unusual = false;
    size_t pos = offset, run_start = offset;
    uint32_t wire = 0, jumps = 0;
    bool jumped = false;
    for (;;) {
        // Past the limit before a jump: the message (or rdata) ends inside the
        // name. After a jump the pointer led somewhere that does not hold a name.
        if (pos >= limit) return invalid(jumped ? DnsAnomalyKind::kBadPointer : past_end, pos);
        const uint8_t c = msg[pos];
        if (c == 0) {
            if (!jumped) *end = pos + 1;
            if (out.labels == 0) out.text[out.length++] = '.';
            return ok_status();
        }
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= limit) return invalid(jumped ? DnsAnomalyKind::kBadPointer : past_end, pos);
            const size_t target = size_t(c & 0x3f) << 8 | msg[pos + 1];
            if (target < dns::kHeaderLength || target >= msg.size()) return invalid(DnsAnomalyKind::kBadPointer, pos);
            if (target >= run_start || ++jumps > dns::kMaxPointerJumps)
                return invalid(DnsAnomalyKind::kPointerLoop, pos);
            if (!jumped) *end = pos + 2;
            jumped = true;
            pos = run_start = target;
            limit = msg.size();
            continue;
        }
        if (c > dns::kMaxLabelLength) return invalid(DnsAnomalyKind::kLabelTooLong, pos);
        // Length byte and label, and room left for the root byte.
        wire += 1u + c;
        if (wire + 1 > dns::kMaxNameWireLength) return invalid(DnsAnomalyKind::kNameTooLong, pos);
        if (pos + 1 + c > limit) return invalid(jumped ? DnsAnomalyKind::kBadPointer : past_end, pos);
        // wire <= 254 keeps the text within 253: each label adds its bytes and
        // at most one dot, one less than it adds on the wire.
        if (out.labels > 0) out.text[out.length++] = '.';
        for (size_t i = 0; i < c; ++i) out.text[out.length++] = render_byte(msg[pos + 1 + i], &out.unusual);
        ++out.labels;
        pos += 1 + c;
    }
}

// <character-string> (RFC 1035 §3.3): length byte and contents, within rdata.
bool read_char_string(std::span<const uint8_t> msg, size_t* pos, size_t end, std::span<const uint8_t>* out) {
    if (*pos >= end || *pos + 1 + msg[*pos] > end) return false;
    *out = msg.subspan(*pos + 1, msg[*pos]);
    *pos += 1 + msg[*pos];
    return true;
}

// Decodes the rdata of the types the product reads; others are kept as type
// and rdata only. A/AAAA are class-specific (IN only); the name-bearing types
// are read in any class. UPDATE's empty rdata (class ANY/NONE) is not decoded.
DnsStatus decode_rdata(std::span<const uint8_t> msg, DnsRecord& rr) {
    const size_t start = rr.rdata_offset, end = start + rr.rdlength;
    if (rr.rdlength == 0 && (rr.rclass == dns::kClassANY || rr.rclass == dns::kClassNONE)) return ok_status();
    const auto bad = [&](size_t at) { return invalid(DnsAnomalyKind::kBadRdataLength, at); };
    // A name that must fill the rdata exactly from `pos`.
    const auto last_name = [&](size_t pos) {
        size_t after = 0;
        DnsStatus s = read_name(msg, pos, end, DnsAnomalyKind::kBadRdataLength, rr.target, &after);
        if (s.ok() && after != end) return bad(after);
        return s;
    };
    DnsStatus s = ok_status();
    switch (rr.type) {
        case dns::kTypeA:
        case dns::kTypeAAAA: {
            if (rr.rclass != dns::kClassIN) return ok_status();
            const size_t n = rr.type == dns::kTypeA ? 4 : 16;
            if (rr.rdlength != n) return bad(start);
            std::memcpy(rr.address, msg.data() + start, n);
            break;
        }
        case dns::kTypeCNAME:
        case dns::kTypeNS:
        case dns::kTypePTR:
            s = last_name(start);
            break;
        case dns::kTypeSRV:
            if (rr.rdlength < 7) return bad(start);
            rr.srv.priority = u16_at(msg, start);
            rr.srv.weight = u16_at(msg, start + 2);
            rr.srv.port = u16_at(msg, start + 4);
            s = last_name(start + 6);
            break;
        case dns::kTypeNAPTR: {
            if (rr.rdlength < 4) return bad(start);
            rr.naptr.order = u16_at(msg, start);
            rr.naptr.preference = u16_at(msg, start + 2);
            size_t pos = start + 4;
            if (!read_char_string(msg, &pos, end, &rr.naptr.flags) ||
                !read_char_string(msg, &pos, end, &rr.naptr.services) ||
                !read_char_string(msg, &pos, end, &rr.naptr.regexp))
                return bad(pos);
            s = last_name(pos);
            break;
        }
        case dns::kTypeSOA: {
            size_t pos = 0;
            s = read_name(msg, start, end, DnsAnomalyKind::kBadRdataLength, rr.target, &pos);
            if (!s.ok()) return s;
            DnsName rname;  // read to find where it ends; the product keeps only the mname
            s = read_name(msg, pos, end, DnsAnomalyKind::kBadRdataLength, rname, &pos);
            if (!s.ok()) return s;
            if (end - pos != 20) return bad(pos);  // serial, refresh, retry, expire, minimum
            rr.soa.serial = u32_at(msg, pos);
            rr.soa.minimum = u32_at(msg, pos + 16);
            break;
        }
        default:
            return ok_status();
    }
    if (s.ok()) rr.decoded = true;
    return s;
}

// One resource record at *pos into `rr`; *pos moves past it when it is good.
DnsStatus read_record(std::span<const uint8_t> msg, size_t* pos, DnsRecord& rr) {
    rr = DnsRecord{};
    size_t p = 0;
    DnsStatus s = read_name(msg, *pos, msg.size(), DnsAnomalyKind::kRecordPastEnd, rr.name, &p);
    if (!s.ok()) return s;
    if (msg.size() - p < 10) return invalid(DnsAnomalyKind::kRecordPastEnd, p);
    rr.type = u16_at(msg, p);
    rr.rclass = u16_at(msg, p + 2);
    rr.ttl = u32_at(msg, p + 4);
    rr.rdlength = u16_at(msg, p + 8);
    p += 10;
    if (msg.size() - p < rr.rdlength) return invalid(DnsAnomalyKind::kRecordPastEnd, p);
    rr.rdata_offset = uint32_t(p);
    rr.rdata = msg.subspan(p, rr.rdlength);
    s = decode_rdata(msg, rr);
    if (!s.ok()) return s;
    *pos = p + rr.rdlength;
    return s;
}

bool is_past_end(DnsAnomalyKind k) {
    return k == DnsAnomalyKind::kQuestionPastEnd || k == DnsAnomalyKind::kRecordPastEnd;
}

}  // namespace

// ---- names -------------------------------------------------------------------

const char* dns_anomaly_name(DnsAnomalyKind k) {
    switch (k) {
        case DnsAnomalyKind::kNone: return "none";
        case DnsAnomalyKind::kTruncatedHeader: return "truncated_header";
        case DnsAnomalyKind::kCountsExceedLength: return "counts_exceed_length";
        case DnsAnomalyKind::kQuestionPastEnd: return "question_past_end";
        case DnsAnomalyKind::kRecordPastEnd: return "record_past_end";
        case DnsAnomalyKind::kBadRdataLength: return "bad_rdata_length";
        case DnsAnomalyKind::kBadPointer: return "bad_compression_pointer";
        case DnsAnomalyKind::kPointerLoop: return "compression_pointer_loop";
        case DnsAnomalyKind::kLabelTooLong: return "label_too_long";
        case DnsAnomalyKind::kNameTooLong: return "name_too_long";
        case DnsAnomalyKind::kTcpFrameTooShort: return "tcp_frame_too_short";
        case DnsAnomalyKind::kCount: break;
    }
    return "unknown";
}

const char* dns_rcode_name(uint16_t rcode) {
    switch (rcode) {
        case 0: return "NOERROR";
        case 1: return "FORMERR";
        case 2: return "SERVFAIL";
        case 3: return "NXDOMAIN";
        case 4: return "NOTIMP";
        case 5: return "REFUSED";
        case 6: return "YXDOMAIN";
        case 7: return "YXRRSET";
        case 8: return "NXRRSET";
        case 9: return "NOTAUTH";
        case 10: return "NOTZONE";
        case 11: return "DSOTYPENI";
        case 16: return "BADVERS";
        case 17: return "BADKEY";
        case 18: return "BADTIME";
        case 19: return "BADMODE";
        case 20: return "BADNAME";
        case 21: return "BADALG";
        case 22: return "BADTRUNC";
        case 23: return "BADCOOKIE";
    }
    return "unknown";
}

const char* dns_type_name(uint16_t type) {
    switch (type) {
        case dns::kTypeA: return "A";
        case dns::kTypeNS: return "NS";
        case dns::kTypeCNAME: return "CNAME";
        case dns::kTypeSOA: return "SOA";
        case dns::kTypePTR: return "PTR";
        case dns::kTypeMX: return "MX";
        case dns::kTypeTXT: return "TXT";
        case dns::kTypeAAAA: return "AAAA";
        case dns::kTypeSRV: return "SRV";
        case dns::kTypeNAPTR: return "NAPTR";
        case dns::kTypeOPT: return "OPT";
        case dns::kTypeSVCB: return "SVCB";
        case dns::kTypeHTTPS: return "HTTPS";
        case dns::kTypeANY: return "ANY";
    }
    return "unknown";
}

const char* dns_opcode_name(uint8_t opcode) {
    switch (opcode) {
        case 0: return "QUERY";
        case 1: return "IQUERY";
        case 2: return "STATUS";
        case 4: return "NOTIFY";
        case 5: return "UPDATE";
        case 6: return "DSO";
    }
    return "unknown";
}

// ---- message -------------------------------------------------------------------

DnsParsed<DnsHeader> parse_dns_header(std::span<const uint8_t> msg) {
    DnsParsed<DnsHeader> r;
    if (msg.size() < dns::kHeaderLength) {
        static_cast<DnsStatus&>(r) = invalid(DnsAnomalyKind::kTruncatedHeader, msg.size());
        return r;
    }
    DnsHeader& h = r.value;
    h.id = u16_at(msg, 0);
    const uint8_t f1 = msg[2], f2 = msg[3];
    h.qr = f1 & 0x80;
    h.opcode = uint8_t(f1 >> 3 & 0x0f);
    h.aa = f1 & 0x04;
    h.tc = f1 & 0x02;
    h.rd = f1 & 0x01;
    h.ra = f2 & 0x80;
    h.z = f2 & 0x40;
    h.ad = f2 & 0x20;
    h.cd = f2 & 0x10;
    h.rcode = f2 & 0x0f;
    h.qdcount = u16_at(msg, 4);
    h.ancount = u16_at(msg, 6);
    h.nscount = u16_at(msg, 8);
    h.arcount = u16_at(msg, 10);
    r.status = DnsParseStatus::kOk;
    return r;
}

DnsStatus parse_dns_message(std::span<const uint8_t> msg, DnsMessage& out) {
    out.header = DnsHeader{};
    out.question_count = out.answer_count = out.authority_count = out.additional_count = 0;
    out.questions_dropped = out.answers_dropped = out.authority_dropped = out.additional_dropped = 0;
    out.edns = DnsEdns{};
    out.cut_short = false;
    out.trailing_bytes = 0;

    auto hp = parse_dns_header(msg);
    if (!hp.ok()) return hp;
    const DnsHeader& h = out.header = hp.value;

    // A message whose counts cannot fit is not worth walking. A truncated
    // answer (TC=1) may legitimately carry counts it was cut short of.
    const uint64_t floor = uint64_t(h.qdcount) * dns::kMinQuestionLength +
                           (uint64_t(h.ancount) + h.nscount + h.arcount) * dns::kMinRecordLength;
    if (!h.tc && floor > msg.size() - dns::kHeaderLength)
        return invalid(DnsAnomalyKind::kCountsExceedLength, 4);

    size_t pos = dns::kHeaderLength;
    // With TC=1, running out of bytes at or inside a question or record ends
    // the parse there; other problems stay errors.
    const auto cut = [&](const DnsStatus& s) {
        if (h.tc && is_past_end(s.reason)) {
            out.cut_short = true;
            return true;
        }
        return false;
    };

    DnsQuestion scratch_q;
    for (uint32_t i = 0; i < h.qdcount; ++i) {
        DnsQuestion& q = out.question_count < DnsMessage::kMaxQuestions ? out.question[out.question_count] : scratch_q;
        size_t p = 0;
        DnsStatus s = read_name(msg, pos, msg.size(), DnsAnomalyKind::kQuestionPastEnd, q.name, &p);
        if (s.ok() && msg.size() - p < 4) s = invalid(DnsAnomalyKind::kQuestionPastEnd, p);
        if (!s.ok()) return cut(s) ? ok_status() : s;
        q.type = u16_at(msg, p);
        q.qclass = u16_at(msg, p + 2);
        pos = p + 4;
        if (&q == &scratch_q) ++out.questions_dropped;
        else ++out.question_count;
    }

    struct Section {
        uint16_t count;
        DnsRecord* slots;
        size_t capacity;
        uint16_t* kept;
        uint16_t* dropped;
    };
    const Section sections[3] = {
        {h.ancount, out.answer, DnsMessage::kMaxAnswers, &out.answer_count, &out.answers_dropped},
        {h.nscount, out.authority, DnsMessage::kMaxAuthority, &out.authority_count, &out.authority_dropped},
        {h.arcount, out.additional, DnsMessage::kMaxAdditional, &out.additional_count, &out.additional_dropped},
    };
    DnsRecord scratch;
    for (const Section& sec : sections) {
        for (uint32_t i = 0; i < sec.count; ++i) {
            DnsRecord& rr = *sec.kept < sec.capacity ? sec.slots[*sec.kept] : scratch;
            DnsStatus s = read_record(msg, &pos, rr);
            if (!s.ok()) return cut(s) ? ok_status() : s;
            if (rr.type == dns::kTypeOPT && &sec == &sections[2] && !out.edns.present) {
                out.edns.present = true;
                out.edns.udp_size = rr.rclass;
                out.edns.extended_rcode = uint8_t(rr.ttl >> 24);
                out.edns.version = uint8_t(rr.ttl >> 16);
                out.edns.dnssec_ok = rr.ttl & 0x8000;
            }
            if (&rr == &scratch) ++*sec.dropped;
            else ++*sec.kept;
        }
    }
    out.trailing_bytes = uint32_t(msg.size() - pos);
    return ok_status();
}

// ---- TCP framing -------------------------------------------------------------------

DnsParsed<DnsTcpFrame> dns_tcp_frame(std::span<const uint8_t> b) {
    DnsParsed<DnsTcpFrame> r;
    if (b.size() < 2) {
        r.status = DnsParseStatus::kIncomplete;
        r.need = uint32_t(2 - b.size());
        return r;
    }
    const uint16_t len = u16_at(b, 0);
    if (len < dns::kHeaderLength) {
        static_cast<DnsStatus&>(r) = invalid(DnsAnomalyKind::kTcpFrameTooShort, 0);
        return r;
    }
    if (b.size() - 2 < len) {
        r.status = DnsParseStatus::kIncomplete;
        r.need = uint32_t(2 + len - b.size());
        return r;
    }
    r.status = DnsParseStatus::kOk;
    r.value.length = len;
    r.value.message = b.subspan(2, len);
    r.value.consumed = 2u + len;
    return r;
}

}  // namespace cs
