// sip_stream: one direction of a TCP connection that carries SIP, framed into
// messages. Reassembly delivers bytes; they are appended to a fixed buffer the
// worker's SipStreamPool lends the flow; each complete message (sip_frame:
// Content-Length framing, CRLF keep-alives dropped) goes to the visitor and
// leaves the buffer. A message larger than the buffer is reported from its
// header block and its body skipped; after a gap or garbage the stream resumes
// at the next line that starts a SIP message.
#pragma once
#include <cstdint>
#include <memory>
#include <span>

#include "pipeline/tcp_reassembly.h"
#include "workers/stream_pool.h"

namespace cs {

struct SipStreamCounters {
    uint64_t messages = 0;          // complete messages framed
    uint64_t oversize = 0;          // messages larger than the buffer (reported from their headers)
    uint64_t invalid = 0;           // bytes that did not frame as SIP: resync started
    uint64_t resyncs = 0;           // a SIP start line found again after a gap or garbage
    uint64_t bytes_discarded = 0;   // skipped while resyncing or after a gap
    uint64_t gaps = 0;
    uint64_t pool_exhausted = 0;    // a SIP flow found no free stream buffer (not analysed)
};

class SipMessageVisitor {
public:
    virtual ~SipMessageVisitor() = default;
    // One message. `bytes`: the whole message, or (body_complete false) its
    // header block and the part of the body the buffer held. `declared_bytes`:
    // headers + Content-Length, the size the sender sent. `first_frame`: the
    // frame that carried its first byte.
    virtual void on_message(std::span<const uint8_t> bytes, uint32_t declared_bytes, bool body_complete,
                            uint32_t first_frame) = 0;
};

class SipStreamDir : public StreamSink {
public:
    void begin(uint8_t* buf, uint32_t capacity, uint32_t max_body, SipMessageVisitor* visitor, SipStreamCounters* n);
    // The frame whose payload is being delivered (for first_frame).
    void at_frame(uint32_t frame) { frame_ = frame; }

    void on_data(const uint8_t* data, uint32_t len) override;
    void on_gap(uint32_t missing_bytes) override;
    void on_anomaly(ReassemblyAnomaly) override {}

private:
    void drain();
    void consume(uint32_t n);
    bool resync();
    bool header_block_complete();

    uint8_t* buf_ = nullptr;
    uint32_t cap_ = 0, max_body_ = 0, used_ = 0;
    uint32_t skip_ = 0;          // body bytes of an oversize message still to drop
    // Framing is linear in the bytes: the buffer is searched for the blank
    // line only where new bytes came, and once the message's length is known
    // nothing is parsed again until that many bytes are here.
    uint32_t searched_ = 0;      // bytes already searched for the end of the header block
    uint32_t need_ = 0;          // the message's whole length, once known (0: not yet)
    uint32_t frame_ = 0, first_frame_ = 0;
    bool resyncing_ = false;
    SipMessageVisitor* visitor_ = nullptr;
    SipStreamCounters* n_ = nullptr;
};

// A worker's SIP stream buffers (a SIP flow holds one slot while it lives).
using SipStreamPool = StreamPool<SipStreamDir>;

}  // namespace cs
