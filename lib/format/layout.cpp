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

}  // namespace oxpack::format
