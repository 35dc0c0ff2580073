// Working with the stored enums of layout.hpp: the names of stored kind,
// space and compression bytes (what `oxpack ls`, `info` and `extract` print;
// "unknown(N)" for a value this reader does not know), the kind or space a
// name stands for (`oxpack cat --kind`, test manifests), and bytecode
// optimisation levels. Kept beside the enums so that a new kind is one
// change in this folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "format/layout.hpp"

namespace oxpack::format {

std::string kind_name(uint8_t kind);
std::string space_name(uint8_t space);
std::string compression_name(uint8_t compression);

// The Kind / Space whose to_string() is `name`.
std::optional<Kind> kind_from_string(std::string_view name);
std::optional<Space> space_from_string(std::string_view name);

// The optimisation level of a bytecode kind (-1 for any other kind), and back.
constexpr int bytecode_level(Kind k) {
    return k == Kind::Bytecode0 ? 0 : k == Kind::Bytecode1 ? 1 : k == Kind::Bytecode2 ? 2 : -1;
}
constexpr int bytecode_level(uint8_t k) { return bytecode_level(static_cast<Kind>(k)); }
constexpr Kind bytecode_kind(int level) {
    return level <= 0 ? Kind::Bytecode0 : level == 1 ? Kind::Bytecode1 : Kind::Bytecode2;
}

}  // namespace oxpack::format
