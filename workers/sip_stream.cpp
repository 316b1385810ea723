#include "workers/sip_stream.h"

#include <algorithm>
#include <cstring>

#include "workers/sip_parser.h"

namespace cs {

void SipStreamDir::begin(uint8_t* buf, uint32_t capacity, uint32_t max_body, SipMessageVisitor* visitor,
                         SipStreamCounters* n) {
    *this = SipStreamDir{};
    buf_ = buf;
    cap_ = capacity;
    max_body_ = max_body;
    visitor_ = visitor;
    n_ = n;
}

void SipStreamDir::on_data(const uint8_t* data, uint32_t len) {
    while (len) {
        if (used_ == 0 && !skip_) first_frame_ = frame_;
        if (!skip_or_append(buf_, cap_, used_, skip_, data, len)) continue;
        drain();
        if (used_ == cap_ && len) {
            // Full and still no message: garbage that never frames; start over.
            n_->bytes_discarded += used_;
            used_ = 0;
            searched_ = need_ = 0;
            resyncing_ = true;
        }
    }
}

void SipStreamDir::on_gap(uint32_t missing_bytes) {
    ++n_->gaps;
    if (skip_ >= missing_bytes) {  // the hole fell inside a body being skipped anyway
        skip_ -= missing_bytes;
        return;
    }
    n_->bytes_discarded += used_;
    used_ = 0;
    skip_ = 0;
    searched_ = need_ = 0;
    resyncing_ = true;
}

void SipStreamDir::consume(uint32_t n) {
    std::memmove(buf_, buf_ + n, used_ - n);
    used_ -= n;
    searched_ = 0;
    need_ = 0;
    if (used_) first_frame_ = frame_;
}

// Whether the header block's blank line (CRLF CRLF, or bare LF LF) is in the
// buffer; searches only what was not searched before.
bool SipStreamDir::header_block_complete() {
    const uint32_t from = searched_ > 3 ? searched_ - 3 : 0;
    for (uint32_t i = from; i + 1 < used_; ++i) {
        if (buf_[i] != '\n') continue;
        if (buf_[i + 1] == '\n' || (i + 2 < used_ && buf_[i + 1] == '\r' && buf_[i + 2] == '\n')) return true;
    }
    searched_ = used_;
    return false;
}

// Finds the next line that starts a SIP message; drops what precedes it.
bool SipStreamDir::resync() {
    for (uint32_t i = 0; i < used_; ++i) {
        if (i > 0 && buf_[i - 1] != '\n') continue;
        const uint32_t left = used_ - i;
        if (left < 16 && left < cap_ - i) {
            // Too short to tell yet: keep it, wait for more.
            n_->bytes_discarded += i;
            if (i) consume(i);
            return false;
        }
        if (looks_like_sip({buf_ + i, left})) {
            n_->bytes_discarded += i;
            if (i) consume(i);
            resyncing_ = false;
            ++n_->resyncs;
            return true;
        }
    }
    n_->bytes_discarded += used_;
    used_ = 0;
    searched_ = need_ = 0;
    return false;
}

void SipStreamDir::drain() {
    for (;;) {
        if (resyncing_ && !resync()) return;
        const uint32_t ka = sip_keepalive_bytes({buf_, used_});
        if (ka) consume(ka);
        if (used_ == 0) return;
        if (need_ ? used_ < need_ && used_ < cap_ : !header_block_complete() && used_ < cap_) return;
        const SipFrame fr = sip_frame({buf_, used_}, cap_, max_body_);
        if (fr.status == SipFrame::kComplete) {
            ++n_->messages;
            visitor_->on_message({buf_, fr.length}, fr.length, true, first_frame_);
            consume(fr.length);
            continue;
        }
        if (fr.status == SipFrame::kInvalid) {
            ++n_->invalid;
            resyncing_ = true;
            // Skip the line that failed, so the search starts after it.
            buf_[0] = 0;
            continue;
        }
        // Need more. A message the buffer cannot hold: report it from what is here.
        if (fr.header_bytes) need_ = fr.length;
        if (fr.length > cap_ && fr.header_bytes && used_ == cap_) {
            ++n_->oversize;
            ++n_->messages;
            visitor_->on_message({buf_, used_}, fr.length, false, first_frame_);
            skip_ = fr.length - used_;
            used_ = 0;
            searched_ = need_ = 0;
        }
        return;
    }
}


}  // namespace cs
