// XXH3-64 compiled for AVX2: this file alone is built with -mavx2 (see
// CMakeLists.txt) and checksum() in reader.cpp calls it only when the CPU
// has AVX2. The same values as the portable (SSE2) code, ~2.5x its speed on
// data in cache: payload checksums on the import path, the index checksum
// at install. Nothing else lives here: every function of this file may use
// AVX2 instructions (xxHash's, inlined, have internal linkage).
#include <cstddef>
#include <cstdint>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace oxpack::format::detail {

uint64_t checksum_avx2(const void* data, size_t size) { return XXH3_64bits(data, size); }

}  // namespace oxpack::format::detail
