#include "format/kinds.hpp"

namespace oxpack::format {

std::string kind_name(uint8_t kind) {
    if (kind >= 1 && kind <= kMaxKnownKind) return std::string(to_string(static_cast<Kind>(kind)));
    return "unknown(" + std::to_string(kind) + ")";
}

std::string space_name(uint8_t space) {
    if (space >= 1 && space <= 4) return std::string(to_string(static_cast<Space>(space)));
    return "unknown(" + std::to_string(space) + ")";
}

std::string compression_name(uint8_t compression) {
    if (compression <= kMaxKnownCompression) return std::string(to_string(static_cast<Compression>(compression)));
    return "unknown(" + std::to_string(compression) + ")";
}

std::optional<Kind> kind_from_string(std::string_view name) {
    for (uint8_t k = 1; k <= kMaxKnownKind; ++k)
        if (to_string(static_cast<Kind>(k)) == name) return static_cast<Kind>(k);
    return std::nullopt;
}

std::optional<Space> space_from_string(std::string_view name) {
    for (uint8_t s = 1; s <= 4; ++s)
        if (to_string(static_cast<Space>(s)) == name) return static_cast<Space>(s);
    return std::nullopt;
}

}  // namespace oxpack::format
