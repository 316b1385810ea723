// dns_parser: pure DNS message parsing (RFC 1035 and the record types the
// product reads: A, AAAA, CNAME, NS, PTR, SRV, NAPTR, SOA, EDNS OPT) and the
// 2-byte length framing of DNS over TCP. Bytes in, structs out: no state, no
// allocation, never reads past the span. Names are decompressed with loop
// protection and rendered lower-case into fixed buffers inside the structs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cs {

// ---- wire constants --------------------------------------------------------

namespace dns {
// Record types.
constexpr uint16_t kTypeA = 1, kTypeNS = 2, kTypeCNAME = 5, kTypeSOA = 6, kTypePTR = 12, kTypeMX = 15,
                   kTypeTXT = 16, kTypeAAAA = 28, kTypeSRV = 33, kTypeNAPTR = 35, kTypeOPT = 41, kTypeSVCB = 64,
                   kTypeHTTPS = 65, kTypeANY = 255;
// Classes (254 and 255 appear in UPDATE messages with empty rdata).
constexpr uint16_t kClassIN = 1, kClassCH = 3, kClassNONE = 254, kClassANY = 255;
// Response codes (4 bits in the header; EDNS extends them to 12 bits).
constexpr uint16_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5,
                   kBadVers = 16;
// Opcodes.
constexpr uint8_t kOpQuery = 0, kOpNotify = 4, kOpUpdate = 5;
constexpr uint32_t kHeaderLength = 12;
// RFC 1035 §2.3.4: a name is at most 255 bytes on the wire (length bytes and
// the root included), a label at most 63.
constexpr uint32_t kMaxNameWireLength = 255, kMaxLabelLength = 63;
// Pointer jumps followed within one name. A compressor never points at a
// pointer, so every jump adds at least one label: at most 127 in a legal name.
// The bound keeps the work per name small when a hostile message chains
// pointers to pointers.
constexpr uint32_t kMaxPointerJumps = 127;
// Smallest question (root name, type, class) and resource record (root name,
// type, class, TTL, rdlength): the floor for "counts absurd vs length".
constexpr uint32_t kMinQuestionLength = 5, kMinRecordLength = 11;
}  // namespace dns

// Every reason a message or a TCP frame is refused.
enum class DnsAnomalyKind : uint8_t {
    kNone = 0,
    kTruncatedHeader,      // fewer than 12 bytes
    kCountsExceedLength,   // the section counts need more bytes than the message has (TC=0)
    kQuestionPastEnd,      // a question (name, type or class) runs past the end
    kRecordPastEnd,        // a resource record (name, fixed fields or rdata) runs past the end
    kBadRdataLength,       // rdata does not frame its type's fields (A not 4 bytes, SRV target overruns, ...)
    kBadPointer,           // compression pointer outside the message (past the end, or into the header)
    kPointerLoop,          // pointer not strictly before the labels it ends (self, forward, cycle), or too many jumps
    kLabelTooLong,         // label length byte 64..191: neither a label (<= 63) nor a pointer
    kNameTooLong,          // decompressed name over 255 bytes
    kTcpFrameTooShort,     // TCP length prefix below the 12-byte header
    kCount
};
const char* dns_anomaly_name(DnsAnomalyKind k);

// ---- names -----------------------------------------------------------------

const char* dns_rcode_name(uint16_t rcode);     // "NOERROR", "NXDOMAIN", ... (12-bit EDNS codes too), or "unknown"
const char* dns_type_name(uint16_t type);       // "A", "AAAA", "SRV", "NAPTR", ... or "unknown"
const char* dns_opcode_name(uint8_t opcode);    // "QUERY", "NOTIFY", "UPDATE", ... or "unknown"

// ---- results ---------------------------------------------------------------

enum class DnsParseStatus : uint8_t { kOk, kIncomplete, kInvalid };

struct DnsStatus {
    DnsParseStatus status = DnsParseStatus::kInvalid;
    uint32_t need = 0;                                  // kIncomplete: at least this many more bytes
    DnsAnomalyKind reason = DnsAnomalyKind::kNone;      // kInvalid: why
    uint32_t at = 0;                                    // kInvalid: byte offset of the problem in the input
    bool ok() const { return status == DnsParseStatus::kOk; }
};

template <class T>
struct DnsParsed : DnsStatus {
    T value{};                                          // kOk: the result
};

// A decompressed domain name in presentation form: lower-case, labels joined
// by '.', no trailing dot; the root is ".". 253 characters hold the longest
// legal name. A label byte that would make the text ambiguous or unprintable
// ('.', space, control, non-ASCII) is rendered '?' and `unusual` is set.
struct DnsName {
    static constexpr size_t kCapacity = 253;
    char text[kCapacity] = {};
    uint8_t length = 0;
    uint8_t labels = 0;
    bool unusual = false;
    std::string_view view() const { return {text, length}; }
    bool operator==(std::string_view s) const { return view() == s; }
};

// ---- message ---------------------------------------------------------------

struct DnsHeader {
    uint16_t id = 0;
    bool qr = false;          // response
    uint8_t opcode = 0;
    bool aa = false, tc = false, rd = false, ra = false;
    bool z = false, ad = false, cd = false;
    uint8_t rcode = 0;        // the header's 4 bits (DnsMessage::rcode() adds the EDNS bits)
    uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};
// Invalid (kTruncatedHeader) below 12 bytes: a DNS message arrives whole.
DnsParsed<DnsHeader> parse_dns_header(std::span<const uint8_t> msg);

struct DnsQuestion {
    DnsName name;
    uint16_t type = 0;
    uint16_t qclass = 0;
};

struct DnsSrv {
    uint16_t priority = 0, weight = 0, port = 0;   // target: DnsRecord::target
};
struct DnsNaptr {
    uint16_t order = 0, preference = 0;            // replacement: DnsRecord::target
    std::span<const uint8_t> flags, services, regexp;  // character-string contents, as sent
};
struct DnsSoa {
    uint32_t serial = 0;
    uint32_t minimum = 0;     // negative-caching TTL bound (RFC 2308); mname: DnsRecord::target
};

struct DnsRecord {
    DnsName name;
    uint16_t type = 0;
    uint16_t rclass = 0;
    uint32_t ttl = 0;
    uint16_t rdlength = 0;
    uint32_t rdata_offset = 0;                 // where rdata starts in the message
    std::span<const uint8_t> rdata;            // points into the message
    bool decoded = false;                      // the type's fields below are filled
    uint8_t address[16] = {};                  // A (first 4 bytes) and AAAA, network order
    DnsName target;                            // CNAME/NS/PTR target, SRV target, NAPTR replacement, SOA mname
    DnsSrv srv;
    DnsNaptr naptr;
    DnsSoa soa;
};

// EDNS (RFC 6891), from the OPT record of the additional section.
struct DnsEdns {
    bool present = false;
    uint16_t udp_size = 0;
    uint8_t extended_rcode = 0;   // upper 8 bits of the 12-bit rcode
    uint8_t version = 0;
    bool dnssec_ok = false;
};

// One message. Sections hold the first records up to their capacity; the rest
// are parsed (so the whole message is checked) and counted as dropped.
struct DnsMessage {
    static constexpr size_t kMaxQuestions = 4, kMaxAnswers = 32, kMaxAuthority = 8, kMaxAdditional = 16;
    DnsHeader header;
    DnsQuestion question[kMaxQuestions];
    DnsRecord answer[kMaxAnswers];
    DnsRecord authority[kMaxAuthority];
    DnsRecord additional[kMaxAdditional];
    uint16_t question_count = 0, answer_count = 0, authority_count = 0, additional_count = 0;  // kept
    uint16_t questions_dropped = 0, answers_dropped = 0, authority_dropped = 0, additional_dropped = 0;
    DnsEdns edns;
    // TC=1 and the message ended, at a question or record, before its counts
    // were met: servers cut truncated answers short. Not an error.
    bool cut_short = false;
    uint32_t trailing_bytes = 0;   // bytes after the last counted record

    uint16_t rcode() const { return uint16_t(edns.extended_rcode) << 4 | header.rcode; }
    std::span<const DnsQuestion> questions() const { return {question, question_count}; }
    std::span<const DnsRecord> answers() const { return {answer, answer_count}; }
    std::span<const DnsRecord> authorities() const { return {authority, authority_count}; }
    std::span<const DnsRecord> additionals() const { return {additional, additional_count}; }
};

// Parses one whole message (a UDP payload, or the body of one TCP frame) into
// `out`, which the caller owns and reuses (about 40 KiB: keep one, not one per
// packet on the stack). Ok or Invalid, never Incomplete. On Invalid, `out`
// keeps what was read before the problem (the header unless the header itself
// was short), so a malformed response can still be matched to its query.
// Rdata spans point into `msg`.
DnsStatus parse_dns_message(std::span<const uint8_t> msg, DnsMessage& out);

// ---- TCP framing (RFC 1035 §4.2.2, RFC 7766) ---------------------------------

struct DnsTcpFrame {
    uint16_t length = 0;                     // the prefix: message length
    std::span<const uint8_t> message;        // points into the input
    uint32_t consumed = 0;                   // 2 + length: where the next frame starts
};
// The frame at the start of `b`. Incomplete (need N more) until the prefix and
// the whole message are there; Invalid (kTcpFrameTooShort) when the prefix is
// below 12. A segment may hold several frames: call again at `consumed`.
DnsParsed<DnsTcpFrame> dns_tcp_frame(std::span<const uint8_t> b);

}  // namespace cs
