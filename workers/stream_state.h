// StreamState: the application part of a flow record: both directions' TCP
// reassembly, which analyzer the content chose (TLS, SIP or DNS), and the index of
// the analyzer state the worker's pool lends the flow while it is analysed.
#pragma once
#include <cstdint>

#include "pipeline/tcp_reassembly.h"

namespace cs {

struct StreamState {
    static constexpr uint32_t kNoSlot = UINT32_MAX;
    // kUnknown until the first payload shows what the flow carries.
    enum : uint8_t { kUnknown = 0, kTls, kSip, kDns, kNotAnalysed, kDone };
    StreamReassembler rs[2];  // by direction (0 client)
    uint32_t slot = kNoSlot;  // TlsAnalyzerPool (kTls), SipStreamPool (kSip) or DnsStreamPool (kDns) index
    uint8_t state = kUnknown;
    uint32_t messages = 0;    // SIP messages seen on the flow (their order within it)
};

}  // namespace cs
