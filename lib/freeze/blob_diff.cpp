// Merge-walk of two blobs' ordered views.
#include "freeze/blob_diff.hpp"

#include <tuple>

#include "util/error.hpp"

namespace oxpack::freeze {
namespace {

std::string kind_text(uint8_t k) {
    return k >= 1 && k <= format::kMaxKnownKind ? std::string(format::to_string(static_cast<format::Kind>(k)))
                                                 : "unknown(" + std::to_string(k) + ")";
}
std::string space_text(uint8_t s) {
    return s >= 1 && s <= 4 ? std::string(format::to_string(static_cast<format::Space>(s)))
                            : "unknown(" + std::to_string(s) + ")";
}

// Checksum of the raw (decompressed) payload.
uint64_t raw_checksum(const format::Blob& blob, const format::Entry& e) {
    if (e.compression == static_cast<uint8_t>(format::Compression::None)) return e.checksum;
    auto p = unwrap(blob.payload(e), Exit::BadInput);
    return format::checksum(p.data(), p.size());
}

}  // namespace

BlobDiff diff_blobs(const format::Blob& a, const format::Blob& b) {
    BlobDiff d;
    auto ia = unwrap(a.info(), Exit::BadInput);
    auto ib = unwrap(b.info(), Exit::BadInput);
    auto cmp = [&](const std::string& what, const std::string& x, const std::string& y) {
        if (x != y) d.target.push_back(what + ": " + x + " -> " + y);
    };
    cmp("implementation", ia.target.implementation, ib.target.implementation);
    cmp("version", ia.target.python_version, ib.target.python_version);
    cmp("cache_tag", ia.target.cache_tag, ib.target.cache_tag);
    cmp("pyc_magic", std::to_string(a.header().pyc_magic), std::to_string(b.header().pyc_magic));
    cmp("platform", ia.target.platform, ib.target.platform);

    uint32_t i = 0, j = 0;
    const uint32_t na = a.entry_count(), nb = b.entry_count();
    while (i < na || j < nb) {
        std::optional<format::Entry> ea, eb;
        if (i < na) ea = unwrap(a.entry(i), Exit::BadInput);
        if (j < nb) eb = unwrap(b.entry(j), Exit::BadInput);
        auto key = [](const format::Entry& e) { return std::make_tuple(e.space, e.key, e.kind); };
        if (ea && (!eb || key(*ea) < key(*eb))) {
            d.entries.push_back({'-', space_text(ea->space), std::string(ea->key), kind_text(ea->kind), {}});
            ++i;
        } else if (eb && (!ea || key(*eb) < key(*ea))) {
            d.entries.push_back({'+', space_text(eb->space), std::string(eb->key), kind_text(eb->kind), {}});
            ++j;
        } else {
            std::string what;
            if (ea->raw_size != eb->raw_size || raw_checksum(a, *ea) != raw_checksum(b, *eb)) what = "content";
            if (ea->flags != eb->flags) what += std::string(what.empty() ? "" : ", ") + "flags";
            if (ea->path != eb->path) what += std::string(what.empty() ? "" : ", ") + "path";
            if (!what.empty())
                d.entries.push_back({'~', space_text(ea->space), std::string(ea->key), kind_text(ea->kind), what});
            ++i, ++j;
        }
    }
    return d;
}

}  // namespace oxpack::freeze
