#include "format/meta.hpp"

#include "format/bytes.hpp"

namespace oxpack::format {
namespace {

void put_record(std::vector<unsigned char>& out, MetaTag tag, const void* data, size_t size) {
    unsigned char head[kMetaRecordHeader];
    store_le<uint16_t>(head, static_cast<uint16_t>(tag));
    store_le<uint16_t>(head + 2, 0);
    store_le<uint32_t>(head + 4, static_cast<uint32_t>(size));
    out.insert(out.end(), head, head + sizeof head);
    auto* p = static_cast<const unsigned char*>(data);
    out.insert(out.end(), p, p + size);
}

void put_string(std::vector<unsigned char>& out, MetaTag tag, std::string_view s) {
    put_record(out, tag, s.data(), s.size());
}

IndexPagesRecord read_index_pages(const unsigned char* v) {
    IndexPagesRecord r;
    r.page_size = load_le<uint32_t>(v + idx_pages::kPageSize);
    r.page_count = load_le<uint32_t>(v + idx_pages::kPageCount);
    r.table_offset = load_le<uint64_t>(v + idx_pages::kTableOffset);
    return r;
}

}  // namespace

Result<std::optional<IndexPagesRecord>> find_index_pages(const unsigned char* data, size_t size,
                                                         const std::string& where) {
    std::optional<IndexPagesRecord> found;
    size_t pos = 0;
    while (pos < size) {
        if (size - pos < kMetaRecordHeader) return Error{ErrorCode::Corrupt, where + ": meta section: truncated record header"};
        const auto tag = static_cast<MetaTag>(load_le<uint16_t>(data + pos));
        const uint32_t len = load_le<uint32_t>(data + pos + 4);
        pos += kMetaRecordHeader;
        if (len > size - pos) return Error{ErrorCode::Corrupt, where + ": meta section: record runs past the end of the section"};
        if (tag == MetaTag::IndexPages) {
            if (len != idx_pages::kRecordSize)
                return Error{ErrorCode::Corrupt, where + ": meta section: IndexPages record is not 16 bytes"};
            found = read_index_pages(data + pos);
        }
        pos += len;
    }
    return found;
}

std::vector<unsigned char> encode_meta(const BlobInfo& info) {
    std::vector<unsigned char> out;
    const Target& t = info.target;
    put_string(out, MetaTag::Implementation, t.implementation);
    put_string(out, MetaTag::PythonVersion, t.python_version);
    put_string(out, MetaTag::CacheTag, t.cache_tag);
    put_string(out, MetaTag::Platform, t.platform);
    for (const auto& s : t.source_suffixes) put_string(out, MetaTag::SourceSuffix, s);
    for (const auto& s : t.bytecode_suffixes) put_string(out, MetaTag::BytecodeSuffix, s);
    for (const auto& s : t.extension_suffixes) put_string(out, MetaTag::ExtensionSuffix, s);
    put_string(out, MetaTag::OxpackVersion, info.oxpack_version);
    if (info.created) {
        unsigned char v[8];
        store_le<uint64_t>(v, *info.created);
        put_record(out, MetaTag::Created, v, sizeof v);
    }
    unsigned char origin = static_cast<unsigned char>(info.origin);
    put_record(out, MetaTag::OriginMode, &origin, 1);
    for (const auto& r : info.roots) {
        std::vector<unsigned char> v(kRootFixedSize + r.path.size(), 0);
        store_le<uint64_t>(v.data(), r.mtime_ns);
        store_le<uint64_t>(v.data() + 8, r.size);
        v[16] = static_cast<unsigned char>(r.type);
        std::copy(r.path.begin(), r.path.end(), v.begin() + kRootFixedSize);
        put_record(out, MetaTag::Root, v.data(), v.size());
    }
    for (const auto& m : info.materialize) put_string(out, MetaTag::Materialize, m);
    for (const auto& m : info.lazy) put_string(out, MetaTag::Lazy, m);
    for (const auto& a : info.absent) put_string(out, MetaTag::Absent, a);
    if (!info.shared_libraries.empty()) put_string(out, MetaTag::SharedLibraries, info.shared_libraries);
    for (const auto& r : info.unknown) put_string(out, static_cast<MetaTag>(r.tag), r.value);
    return out;
}

Result<BlobInfo> decode_meta(const unsigned char* data, size_t size, const std::string& where) {
    BlobInfo info;
    size_t pos = 0;
    auto bad = [&](const std::string& what) {
        return Error{ErrorCode::Corrupt, where + ": meta section: " + what};
    };
    while (pos < size) {
        if (size - pos < kMetaRecordHeader) return bad("truncated record header");
        const uint16_t raw_tag = load_le<uint16_t>(data + pos);
        auto tag = static_cast<MetaTag>(raw_tag);
        uint32_t len = load_le<uint32_t>(data + pos + 4);
        pos += kMetaRecordHeader;
        if (len > size - pos) return bad("record runs past the end of the section");
        const unsigned char* v = data + pos;
        std::string s(reinterpret_cast<const char*>(v), len);
        pos += len;
        switch (tag) {
            case MetaTag::Implementation: info.target.implementation = std::move(s); break;
            case MetaTag::PythonVersion: info.target.python_version = std::move(s); break;
            case MetaTag::CacheTag: info.target.cache_tag = std::move(s); break;
            case MetaTag::Platform: info.target.platform = std::move(s); break;
            case MetaTag::SourceSuffix: info.target.source_suffixes.push_back(std::move(s)); break;
            case MetaTag::BytecodeSuffix: info.target.bytecode_suffixes.push_back(std::move(s)); break;
            case MetaTag::ExtensionSuffix: info.target.extension_suffixes.push_back(std::move(s)); break;
            case MetaTag::OxpackVersion: info.oxpack_version = std::move(s); break;
            case MetaTag::Created:
                if (len != 8) return bad("Created record is not 8 bytes");
                info.created = load_le<uint64_t>(v);
                break;
            case MetaTag::OriginMode:
                // Values above 1 are a later version's modes: kept, not refused.
                if (len != 1) return bad("OriginMode record is not 1 byte");
                info.origin = static_cast<OriginMode>(v[0]);
                break;
            case MetaTag::Root: {
                if (len < kRootFixedSize) return bad("Root record shorter than its fixed part");
                Root r;
                r.mtime_ns = load_le<uint64_t>(v);
                r.size = load_le<uint64_t>(v + 8);
                r.type = static_cast<RootType>(v[16]);
                r.path.assign(reinterpret_cast<const char*>(v) + kRootFixedSize, len - kRootFixedSize);
                info.roots.push_back(std::move(r));
                break;
            }
            case MetaTag::Materialize: info.materialize.push_back(std::move(s)); break;
            case MetaTag::Lazy: info.lazy.push_back(std::move(s)); break;
            case MetaTag::Absent: info.absent.push_back(std::move(s)); break;
            case MetaTag::SharedLibraries: info.shared_libraries = std::move(s); break;
            case MetaTag::IndexPages:
                if (len != idx_pages::kRecordSize) return bad("IndexPages record is not 16 bytes");
                info.index_pages = read_index_pages(v);
                break;
            default: info.unknown.push_back({raw_tag, std::move(s)}); break;  // a later version's record
        }
    }
    return info;
}

}  // namespace oxpack::format
