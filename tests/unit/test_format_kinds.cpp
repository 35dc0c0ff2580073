// kinds.hpp: names of stored bytes and their inverses; bytecode levels.
#include <doctest/doctest.h>

#include "format/kinds.hpp"

TEST_CASE("kinds: names of stored bytes, parsed back, and bytecode levels") {
    using namespace oxpack::format;
    CHECK(kind_name(2) == "bytecode");
    CHECK(kind_name(0) == "unknown(0)");
    CHECK(kind_name(77) == "unknown(77)");
    CHECK(space_name(3) == "distribution");
    CHECK(space_name(5) == "unknown(5)");
    CHECK(compression_name(1) == "zstd");
    CHECK(compression_name(2) == "unknown(2)");
    for (uint8_t k = 1; k <= kMaxKnownKind; ++k) CHECK(kind_from_string(kind_name(k)) == static_cast<Kind>(k));
    for (uint8_t s = 1; s <= 4; ++s) CHECK(space_from_string(space_name(s)) == static_cast<Space>(s));
    CHECK_FALSE(kind_from_string("unknown").has_value());
    CHECK_FALSE(kind_from_string("bytecode1").has_value());
    CHECK_FALSE(space_from_string("").has_value());
    CHECK(bytecode_level(Kind::Bytecode0) == 0);
    CHECK(bytecode_level(Kind::Bytecode2) == 2);
    CHECK(bytecode_level(Kind::Source) == -1);
    CHECK(bytecode_level(uint8_t{77}) == -1);
    for (int level = 0; level <= 2; ++level) CHECK(bytecode_level(bytecode_kind(level)) == level);
}
