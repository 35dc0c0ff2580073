// Tests for lib/freeze/blob_diff: added, removed, changed; compression alone is no change.
#include <doctest/doctest.h>

#include "format/reader.hpp"
#include "format/writer.hpp"
#include "freeze/blob_diff.hpp"

using namespace oxpack;

namespace {

std::vector<unsigned char> make(const std::vector<std::pair<std::string, std::string>>& mods, format::Compression c,
                                const std::string& version = "3.11.7") {
    format::BlobInfo info;
    info.target.python_version = version;
    std::vector<format::InputEntry> es;
    for (const auto& [k, v] : mods) {
        format::InputEntry e;
        e.key = k;
        e.path = k + ".py";
        e.data = v;
        es.push_back(e);
    }
    format::WriteOptions wo;
    wo.compression = c;
    wo.min_compress_size = 1;
    return build_blob(info, es, wo).value();
}

}  // namespace

TEST_CASE("diff_blobs") {
    std::string big(1000, 'a');
    auto a = make({{"same", big}, {"gone", "x"}, {"edit", "1"}}, format::Compression::None);
    auto b = make({{"same", big}, {"new", "y"}, {"edit", "2"}}, format::Compression::Zstd);
    auto ba = format::Blob::from_memory(a.data(), a.size(), "a").value();
    auto bb = format::Blob::from_memory(b.data(), b.size(), "b").value();
    auto d = freeze::diff_blobs(ba, bb);
    REQUIRE(d.entries.size() == 3);
    CHECK(d.entries[0].change == '~');
    CHECK(d.entries[0].key == "edit");
    CHECK(d.entries[0].detail == "content");
    CHECK(d.entries[1].change == '-');
    CHECK(d.entries[1].key == "gone");
    CHECK(d.entries[2].change == '+');
    CHECK(d.entries[2].key == "new");
    CHECK(d.target.empty());
    CHECK(d.differ());

    auto c = make({{"same", big}}, format::Compression::Zstd, "3.12.1");
    auto e = make({{"same", big}}, format::Compression::None, "3.12.1");
    auto bc = format::Blob::from_memory(c.data(), c.size(), "c").value();
    auto be = format::Blob::from_memory(e.data(), e.size(), "e").value();
    CHECK_FALSE(freeze::diff_blobs(bc, be).differ());
    auto t = freeze::diff_blobs(bb, bc);
    REQUIRE(t.target.size() == 1);
    CHECK(t.target[0] == "version: 3.11.7 -> 3.12.1");
}
