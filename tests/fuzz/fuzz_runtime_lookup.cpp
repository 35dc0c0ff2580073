// libFuzzer entry point for the runtime's open and lookup path; the body is
// runtime_lookup_target.cpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    oxpack::fuzz::runtime_lookup_one(data, size);
    return 0;
}
