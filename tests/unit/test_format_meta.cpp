// The meta section: encode/decode round trips, unknown records, and damage.
#include <doctest/doctest.h>

#include "format/bytes.hpp"
#include "helpers.hpp"

using namespace oxpack;
using namespace oxpack::format;

namespace {

BlobInfo full_info() {
    BlobInfo info = test::sample_info();
    info.created = 1700000000;
    info.origin = OriginMode::Blob;
    info.roots.push_back({"/opt/пакеты/site-packages", 9, 10, RootType::Wheel});
    info.roots.push_back({"/x.zip", 0, 0, RootType::Zip});
    info.unknown.push_back({999, std::string("\0\1\2", 3)});
    return info;
}

std::vector<unsigned char> record(uint16_t tag, const std::string& value) {
    std::vector<unsigned char> r(kMetaRecordHeader + value.size());
    store_le<uint16_t>(r.data(), tag);
    store_le<uint32_t>(r.data() + 4, static_cast<uint32_t>(value.size()));
    std::copy(value.begin(), value.end(), r.begin() + kMetaRecordHeader);
    return r;
}

}  // namespace

TEST_CASE("meta: every field round-trips") {
    BlobInfo in = full_info();
    auto bytes = encode_meta(in);
    auto out = decode_meta(bytes.data(), bytes.size(), "m");
    REQUIRE(out.ok());
    const auto &a = in.target, &b = out->target;
    CHECK(b.implementation == a.implementation);
    CHECK(b.python_version == a.python_version);
    CHECK(b.cache_tag == a.cache_tag);
    CHECK(b.platform == a.platform);
    CHECK(b.source_suffixes == a.source_suffixes);
    CHECK(b.bytecode_suffixes == a.bytecode_suffixes);
    CHECK(b.extension_suffixes == a.extension_suffixes);
    CHECK(b.pyc_magic == 0);  // lives in the header, not in meta
    CHECK(out->oxpack_version == "test");
    CHECK(out->created == 1700000000u);
    CHECK(out->origin == OriginMode::Blob);
    REQUIRE(out->roots.size() == 3);
    CHECK(out->roots[1].path == "/opt/пакеты/site-packages");
    CHECK(out->roots[1].mtime_ns == 9);
    CHECK(out->roots[1].size == 10);
    CHECK(out->roots[1].type == RootType::Wheel);
    CHECK(out->roots[2].type == RootType::Zip);
    REQUIRE(out->unknown.size() == 1);
    CHECK(out->unknown[0].tag == 999);
    CHECK(out->unknown[0].value == std::string("\0\1\2", 3));
    CHECK(encode_meta(*out) == bytes);  // a rewrite gives the same records
}

TEST_CASE("meta: no Created record without a time, empty section decodes to defaults") {
    BlobInfo in = test::sample_info();
    auto bytes = encode_meta(in);
    auto out = decode_meta(bytes.data(), bytes.size(), "m");
    REQUIRE(out.ok());
    CHECK_FALSE(out->created.has_value());
    CHECK(out->origin == OriginMode::Original);
    auto empty = decode_meta(nullptr, 0, "m");
    REQUIRE(empty.ok());
    CHECK(empty->roots.empty());
}

TEST_CASE("meta: the record order is the canonical one") {
    auto bytes = encode_meta(full_info());
    std::vector<uint16_t> tags;
    for (size_t pos = 0; pos < bytes.size();) {
        tags.push_back(load_le<uint16_t>(bytes.data() + pos));
        pos += kMetaRecordHeader + load_le<uint32_t>(bytes.data() + pos + 4);
    }
    CHECK(tags == std::vector<uint16_t>{1, 2, 3, 11, 4, 5, 6, 6, 6, 7, 8, 10, 9, 9, 9, 999});
}

TEST_CASE("meta: damage is refused with a message naming the blob") {
    auto check_bad = [](std::vector<unsigned char> b, const std::string& part) {
        auto r = decode_meta(b.data(), b.size(), "x.oxr");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ErrorCode::Corrupt);
        CHECK(r.error().message.find("x.oxr: meta section: ") == 0);
        CHECK(r.error().message.find(part) != std::string::npos);
    };
    check_bad({1, 0, 0}, "truncated record header");
    auto overrun = record(1, "cpython");
    overrun.pop_back();
    check_bad(overrun, "runs past the end");
    check_bad(record(8, "1234567"), "Created record is not 8 bytes");
    check_bad(record(10, ""), "OriginMode record is not 1 byte");
    check_bad(record(9, std::string(23, '\0')), "Root record shorter");
}

TEST_CASE("meta: a later version's values and reserved fields are accepted") {
    auto b = record(10, std::string(1, '\x05'));  // origin mode 5
    auto root = record(9, std::string(24, '\0') + "/r");
    root[kMetaRecordHeader + 16] = 42;   // root type 42
    root[kMetaRecordHeader + 17] = 0xFF;  // reserved byte
    root[2] = 0x77;                       // the record's reserved field
    b.insert(b.end(), root.begin(), root.end());
    auto r = decode_meta(b.data(), b.size(), "m");
    REQUIRE(r.ok());
    CHECK(static_cast<int>(r->origin) == 5);
    REQUIRE(r->roots.size() == 1);
    CHECK(static_cast<int>(r->roots[0].type) == 42);
    CHECK(r->roots[0].path == "/r");
}

TEST_CASE("meta: every truncation decodes cleanly or fails cleanly") {
    auto bytes = encode_meta(full_info());
    size_t ok = 0;
    for (size_t n = 0; n <= bytes.size(); ++n) {
        std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
        if (decode_meta(cut.data(), cut.size(), "m").ok()) ++ok;
    }
    CHECK(ok == 17);  // the empty prefix and one per record boundary
}
