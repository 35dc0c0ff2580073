// bytes.hpp: little-endian access and the overflow-checked arithmetic the
// reader's bounds checks rest on.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "format/bytes.hpp"

using namespace oxpack::format;

TEST_CASE("bytes: little-endian loads and stores") {
    unsigned char b[8];
    store_le<uint32_t>(b, 0x11223344u);
    CHECK(b[0] == 0x44);
    CHECK(b[3] == 0x11);
    CHECK(load_le<uint32_t>(b) == 0x11223344u);
    store_le<uint64_t>(b, 0x0102030405060708ull);
    CHECK(b[0] == 0x08);
    CHECK(b[7] == 0x01);
    CHECK(load_le<uint16_t>(b) == 0x0708);
    CHECK(load_le<uint64_t>(b) == 0x0102030405060708ull);
}

TEST_CASE("bytes: checked arithmetic and ranges") {
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    CHECK(checked_add(1, 2) == 3u);
    CHECK_FALSE(checked_add(max, 1).has_value());
    CHECK(checked_mul(1u << 20, 1u << 20) == (1ull << 40));
    CHECK_FALSE(checked_mul(1ull << 32, 1ull << 32).has_value());
    CHECK(range_within(0, 10, 10));
    CHECK(range_within(10, 0, 10));
    CHECK_FALSE(range_within(11, 0, 10));
    CHECK_FALSE(range_within(5, 6, 10));
    CHECK_FALSE(range_within(1, max, 10));  // offset + length would wrap
    CHECK_FALSE(range_within(max, 2, max));
    CHECK(align_up(0, 16) == 0);
    CHECK(align_up(1, 16) == 16);
    CHECK(align_up(16, 16) == 16);
    CHECK(align_up(17, 16) == 32);
}
