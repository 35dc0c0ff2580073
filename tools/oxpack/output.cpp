#include "output.hpp"

#include <cstdio>
#include <iostream>

#include "util/error.hpp"

namespace oxpack::cli {
namespace {
bool g_quiet = false;
}  // namespace

void set_quiet(bool quiet) { g_quiet = quiet; }
bool quiet() { return g_quiet; }

format::Blob open_blob(const std::string& path, format::OpenOptions options) {
    return unwrap(format::Blob::open(path, options), Exit::BadInput);
}

format::Entry entry_at(const format::Blob& blob, uint32_t i) { return unwrap(blob.entry(i), Exit::BadInput); }

std::string hex64(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string hex32(uint32_t v) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

nlohmann::json entry_json(const format::Entry& e) {
    nlohmann::json flags = nlohmann::json::array();
    if (e.is_package()) flags.push_back("package");
    if (e.is_namespace()) flags.push_back("namespace");
    nlohmann::json j = {
        {"index", e.index},
        {"space", space_name(e.space)},
        {"kind", kind_name(e.kind)},
        {"key", std::string(e.key)},
        {"path", std::string(e.path)},
        {"flags", flags},
        {"compression", compression_name(e.compression)},
        {"stored_size", e.stored_size},
        {"raw_size", e.raw_size},
        {"checksum", hex64(e.checksum)},
        {"payload_offset", e.payload_offset},  // within the payload region: the layout (freeze --profile)
    };
    j["root"] = e.root == format::kNoRoot ? nlohmann::json(nullptr) : nlohmann::json(e.root);
    return j;
}

void print_json(const nlohmann::json& j) {
    // Names in real environments are not always valid UTF-8: replace, don't throw.
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace oxpack::cli
