// libFuzzer target for decode: any bytes as a frame. Checks that the view it
// gives stays inside the input and reads every payload and fragment byte, so an
// over-read in decode or a payload pointing past the frame trips ASan; and that
// admission mode (what the rx stage decides by) agrees with the whole view.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

// Compiled into this unit, not taken from cs_core: the fuzz build instruments
// only the target's own sources, and decode is the code that needs coverage
// feedback and ASan checks. The archive's copy is then never pulled in.
#include "pipeline/decode.cpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > UINT32_MAX) return 0;
    cs::PacketView v;
    cs::DecodeStatus s = cs::decode_packet(data, uint32_t(size), v);
    if (int(s) >= int(cs::DecodeStatus::kCount)) std::abort();
    if (v.vlan_count > 2 || v.tcp_opts.count > 40) std::abort();
    cs::PacketView probe;
    if (cs::decode_frame<cs::DecodeFill::kAdmission>(data, uint32_t(size), probe) != s) std::abort();
    if (probe.fragment != v.fragment || (v.fragment && probe.frag_proto != v.frag_proto)) std::abort();
    if (s == cs::DecodeStatus::kOk && (probe.l4_proto != v.l4_proto || probe.sport != v.sport || probe.dport != v.dport))
        std::abort();
    volatile uint8_t sink = 0;
    if (v.frag_data) {  // a fragment's data, for reassembly: inside the frame whatever the verdict
        if (!v.fragment || v.frag_data < data || v.frag_data + v.frag_len > data + size) std::abort();
        for (uint32_t i = 0; i < v.frag_len; ++i) sink = uint8_t(sink + v.frag_data[i]);
    }
    if (!v.fragment && (v.frag_len || v.frag_offset || v.frag_id || v.more_fragments)) std::abort();
    if (v.payload == nullptr) {
        if (v.payload_len != 0) std::abort();
        return 0;
    }
    if (v.payload < data || v.payload_len > size || v.payload + v.payload_len > data + size) std::abort();
    if (s != cs::DecodeStatus::kOk) std::abort();  // a payload is only handed on with a good verdict
    for (uint32_t i = 0; i < v.payload_len; ++i) sink = uint8_t(sink + v.payload[i]);
    (void)sink;
    return 0;
}
