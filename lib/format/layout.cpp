#include "format/layout.hpp"

namespace oxpack::format {

std::string_view to_string(Kind kind) {
    switch (kind) {
        case Kind::Source: return "source";
        case Kind::Bytecode0: return "bytecode";
        case Kind::Bytecode1: return "bytecode-opt1";
        case Kind::Bytecode2: return "bytecode-opt2";
        case Kind::Extension: return "extension";
        case Kind::Resource: return "resource";
        case Kind::Metadata: return "metadata";
        case Kind::Namespace: return "namespace";
        case Kind::File: return "file";
    }
    return "unknown";
}

std::string_view to_string(Space space) {
    switch (space) {
        case Space::Module: return "module";
        case Space::Resource: return "resource";
        case Space::Distribution: return "distribution";
        case Space::File: return "file";
    }
    return "unknown";
}

std::string_view to_string(Compression compression) {
    switch (compression) {
        case Compression::None: return "none";
        case Compression::Zstd: return "zstd";
    }
    return "unknown";
}

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
