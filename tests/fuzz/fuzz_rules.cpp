// libFuzzer target for the signature rules loader: any text in, either a
// validated rules file or one error line out; never a crash, never a
// multi-line or empty error.
#include <string>

#include "signatures/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string err;
    auto r = cs::parse_rules(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml", &err);
    if (!r && (err.empty() || err.find('\n') != std::string::npos)) __builtin_trap();
    return 0;
}
