// libFuzzer entry point for the blob reader; the body is reader_target.cpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    oxpack::fuzz::reader_one(data, size);
    return 0;
}
