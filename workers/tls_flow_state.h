// TlsFlowState: the TLS part of a flow record: both directions' reassembly
// state and the index of the flow's analyzer (lent by the worker's pool while
// the handshake is under way).
#pragma once
#include <cstdint>

#include "pipeline/tcp_reassembly.h"

namespace cs {

struct TlsFlowState {
    static constexpr uint32_t kNoAnalyzer = UINT32_MAX;
    enum : uint8_t { kUnknown = 0, kActive, kNotTls, kDone };
    StreamReassembler rs[2];  // by TlsDir (0 client)
    uint32_t analyzer = kNoAnalyzer;
    uint8_t state = kUnknown;
};

}  // namespace cs
