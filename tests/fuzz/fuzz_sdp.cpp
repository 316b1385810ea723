// libFuzzer target for the SDP parser: any bytes as a body. Every view it
// gives must lie inside the input (each is read byte by byte, so an over-read
// trips ASan); media and codec counts stay within their arrays; kept payload
// types are RTP's 0..127.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

// Compiled into this unit so the fuzz build instruments it (see fuzz_decode).
#include "workers/sdp_parser.cpp"

namespace {

std::string_view g_in;
volatile uint8_t g_sink = 0;

void inside(std::string_view v) {
    if (v.empty()) return;
    if (v.data() < g_in.data() || v.data() + v.size() > g_in.data() + g_in.size()) std::abort();
    for (char c : v) g_sink = uint8_t(g_sink + uint8_t(c));
}

// Codec names from the static table are the parser's own constants, not views of the input.
bool static_name(std::string_view name) {
    for (const cs::StaticType& s : cs::kStaticTypes)
        if (s.name.data() == name.data()) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    g_in = {reinterpret_cast<const char*>(data), size};
    cs::SdpSession s;
    const char* why = nullptr;
    if (!cs::parse_sdp(g_in, s, &why)) {
        if (!why) std::abort();
        return 0;
    }
    for (std::string_view v : {s.origin, s.connection, s.direction}) inside(v);
    if (s.media_count > cs::SdpSession::kMaxMedia) std::abort();
    for (uint8_t i = 0; i < s.media_count; ++i) {
        const cs::SdpMedia& m = s.media[i];
        for (std::string_view v : {m.type, m.proto, m.direction, m.connection}) inside(v);
        if (m.type.empty() || m.proto.empty()) std::abort();
        if (m.codec_count > cs::SdpMedia::kMaxCodecs || m.codec_count > m.codec_total) std::abort();
        for (uint8_t c = 0; c < m.codec_count; ++c) {
            const cs::SdpCodec& k = m.codecs[c];
            if (k.pt > 127) std::abort();
            if (!static_name(k.name)) inside(k.name);
            inside(k.fmtp);
            (void)cs::webex_audio_codec(k);
            (void)cs::sdp_auxiliary_codec(k);
        }
        if (s.first(m.type) == nullptr) std::abort();
    }
    return 0;
}
