// The committed test vectors (format-spec/vectors/): regenerating them gives
// the same bytes, and the reference reader gives each its documented outcome.
#include <doctest/doctest.h>

#include <regex>

#include "helpers.hpp"
#include "vectors.hpp"

using namespace oxpack;
using namespace oxpack::format;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::path(OXPACK_SOURCE_DIR) / "format-spec" / "vectors";

// Every error met walking the blob: meta, every entry, every group lookup,
// every payload of a known compression.
std::vector<std::string> walk(const Blob& blob) {
    std::vector<std::string> errors;
    if (auto i = blob.info(); !i) errors.push_back(i.error().message);
    for (uint32_t n = 0; n < blob.entry_count(); ++n) {
        auto e = blob.entry(n);
        if (!e) {
            errors.push_back(e.error().message);
            continue;
        }
        if (auto g = blob.find(static_cast<Space>(e->space), e->key); !g) errors.push_back(g.error().message);
        if (auto p = blob.payload(*e); !p) errors.push_back(p.error().message);
    }
    return errors;
}

bool any_contains(const std::vector<std::string>& messages, const std::string& part) {
    for (const auto& m : messages)
        if (m.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("vectors: regenerating them gives the committed bytes and README") {
    auto vectors = vectors::all_vectors();
    REQUIRE(vectors.size() >= 30);
    for (const auto& v : vectors) {
        CAPTURE(v.name);
        REQUIRE(fs::exists(kDir / v.name));
        CHECK(test::read_bytes(kDir / v.name) == v.bytes);
    }
    auto readme = test::read_bytes(kDir / "README.md");
    CHECK(std::string(readme.begin(), readme.end()) == vectors::readme(vectors));
    // No stray vector that the generator no longer makes.
    for (const auto& e : fs::directory_iterator(kDir)) {
        if (e.path().extension() != ".oxr") continue;
        bool known = std::any_of(vectors.begin(), vectors.end(),
                                 [&](const vectors::Vector& v) { return v.name == e.path().filename(); });
        CAPTURE(e.path());
        CHECK(known);
    }
}

TEST_CASE("vectors: each gives its documented outcome") {
    for (const auto& v : vectors::all_vectors()) {
        CAPTURE(v.name);
        const auto& x = v.expect;
        // Through the file (mmap) and from memory: the same outcome.
        auto mapped = Blob::open((kDir / v.name).string());
        auto blob = Blob::from_memory(v.bytes.data(), v.bytes.size(), v.name);
        REQUIRE(mapped.ok() == blob.ok());
        if (!x.opens) {
            REQUIRE_FALSE(blob.ok());
            CHECK(blob.error().code == x.error);
            CAPTURE(blob.error().message);
            CHECK(blob.error().message.find(x.message) != std::string::npos);
            CHECK(blob.error().message.find(v.name) == 0);  // the message names the file
            CHECK(mapped.error().message.find(x.message) != std::string::npos);
            continue;
        }
        REQUIRE_MESSAGE(blob.ok(), blob.error().message);
        auto errors = walk(*blob);
        if (x.access_message.empty()) {
            CHECK_MESSAGE(errors.empty(), (errors.empty() ? "" : errors.front()));
        } else {
            CHECK(any_contains(errors, x.access_message));
        }
        std::vector<std::string> problems;
        for (const auto& p : blob->verify()) problems.push_back(p.message);
        if (x.verify_ok) {
            CHECK_MESSAGE(problems.empty(), (problems.empty() ? "" : problems.front()));
        } else {
            CHECK_FALSE(problems.empty());
            CHECK(any_contains(problems, x.verify_message));
        }
        for (const auto& c : x.contents) {
            CAPTURE(c.key);
            CHECK(test::payload_of(*blob, c.space, c.key, c.kind) == c.payload);
        }
        for (const auto& [space, key] : x.absent) {
            CAPTURE(key);
            auto g = blob->find(space, key);
            REQUIRE(g.ok());
            CHECK_FALSE(g->found());
        }
    }
}

TEST_CASE("vectors: checked page by page each gives the same outcome and a damaged page is refused") {
    const OpenOptions lazy{.check_index = true, .index_pages = true};
    for (const auto& v : vectors::all_vectors()) {
        CAPTURE(v.name);
        auto whole = Blob::from_memory(v.bytes.data(), v.bytes.size(), v.name);
        auto paged = Blob::from_memory(v.bytes.data(), v.bytes.size(), v.name, lazy);
        if (v.name == "index-page-flip.oxr") {
            REQUIRE(whole.ok());
            REQUIRE_FALSE(paged.ok());
            CHECK(paged.error().code == ErrorCode::Corrupt);
            CHECK(paged.error().message.find("index checksum mismatch in page") != std::string::npos);
            continue;
        }
        REQUIRE(whole.ok() == paged.ok());
        if (!whole.ok()) {
            CHECK(paged.error().message == whole.error().message);
            continue;
        }
        CHECK(paged->checks_index_pages() == (v.name == "index-pages.oxr"));
        CHECK(walk(*paged) == walk(*whole));
        for (const auto& c : v.expect.contents)
            CHECK(test::payload_of(*paged, c.space, c.key, c.kind) == test::payload_of(*whole, c.space, c.key, c.kind));
    }
}

TEST_CASE("vectors: forward-compatible additions are read, not lost") {
    auto get = [](const std::string& name) { return test::read_bytes(kDir / name); };
    SUBCASE("unknown meta tag, origin mode and root type are kept") {
        auto bytes = get("future-meta.oxr");
        auto blob = test::must_open(bytes);
        auto info = blob.info();
        REQUIRE(info.ok());
        REQUIRE(info->unknown.size() == 1);
        CHECK(info->unknown[0].tag == 4242);
        CHECK(info->unknown[0].value == "a record of a later version");
        CHECK(static_cast<int>(info->origin) == 9);
        REQUIRE(info->roots.size() == 1);
        CHECK(static_cast<int>(info->roots[0].type) == 77);
        // Re-encoding keeps the unknown record.
        auto again = encode_meta(*info);
        auto back = decode_meta(again.data(), again.size(), "re-encoded");
        REQUIRE(back.ok());
        CHECK(back->unknown.size() == 1);
    }
    SUBCASE("an unknown kind stays in its key group") {
        auto bytes = get("future-kind-space.oxr");
        auto blob = test::must_open(bytes);
        auto g = blob.find_module("hello");
        REQUIRE(g.ok());
        CHECK(g->count == 2);
        auto e = blob.entry(g->first + 1);
        REQUIRE(e.ok());
        CHECK(e->kind == 200);
        CHECK_FALSE(e->known_kind());
    }
    SUBCASE("a later minor version with extra index data") {
        auto bytes = get("future-minor-version.oxr");
        auto blob = test::must_open(bytes);
        CHECK(blob.header().version_minor == 7);
        auto info = blob.info();
        REQUIRE(info.ok());
        CHECK(info->created == 1700000000u);
        CHECK(info->origin == OriginMode::Blob);
        CHECK(info->roots.size() == 2);
    }
}

TEST_CASE("vectors: the spec's annotated header is empty.oxr's") {
    auto spec_bytes = test::read_bytes(fs::path(OXPACK_SOURCE_DIR) / "format-spec" / "oxr-format.md");
    std::string spec(spec_bytes.begin(), spec_bytes.end());
    auto file = test::read_bytes(kDir / "empty.oxr");
    const std::regex line(R"(\n([0-9a-f]{8}): ((?:[0-9a-f]{4} ?)+?) +\S)");
    size_t checked = 0;
    for (auto it = std::sregex_iterator(spec.begin(), spec.end(), line); it != std::sregex_iterator(); ++it) {
        size_t off = std::stoul((*it)[1].str(), nullptr, 16);
        std::string hex = (*it)[2].str();
        hex.erase(std::remove(hex.begin(), hex.end(), ' '), hex.end());
        CAPTURE(off);
        for (size_t i = 0; i + 1 < hex.size(); i += 2, ++off) {
            REQUIRE(off < file.size());
            CHECK(file[off] == std::stoul(hex.substr(i, 2), nullptr, 16));
            ++checked;
        }
    }
    CHECK(checked == 128);  // the whole header
}
