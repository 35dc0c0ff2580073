// format/reader + writer: the index page-checksum table (format 1.3) and
// OpenOptions::index_pages, which checks the index page by page on first use.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "format/bytes.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"
#include "helpers.hpp"

using namespace oxpack;
using namespace oxpack::format;

namespace {

// Enough entries for an index of many 512-byte pages.
std::vector<InputEntry> many_modules(int n) {
    std::vector<InputEntry> es;
    for (int i = 0; i < n; ++i)
        es.push_back(test::module("pkg" + std::to_string(i % 7) + ".mod_" + std::to_string(i),
                                  "X = " + std::to_string(i) + "\n"));
    return es;
}

WriteOptions pages_of(uint32_t size) {
    WriteOptions o;
    o.index_page_size = size;
    return o;
}

const OpenOptions kLazy{.check_index = true, .index_pages = true};

// Every lookup, entry and listing a reader can make; the first error, or "".
std::string touch_everything(const Blob& b) {
    for (uint32_t i = 0; i < b.entry_count(); ++i) {
        auto e = b.entry(i);
        if (!e) return e.error().message;
        auto g = b.find(static_cast<Space>(e->space), e->key);
        if (!g) return g.error().message;
    }
    for (const char* miss : {"nope", "pkg3.none", "zz"})
        if (auto g = b.find_module(miss); !g) return g.error().message;
    if (auto lb = b.lower_bound(Space::Module, "pkg4."); !lb) return lb.error().message;
    if (auto m = b.info(); !m) return m.error().message;
    return "";
}

}  // namespace

TEST_CASE("index pages: the writer adds the table (format 1.3) deterministically and verify checks it") {
    auto a = test::must_build(test::sample_info(), many_modules(300));
    auto b = test::must_build(test::sample_info(), many_modules(300));
    CHECK(a == b);
    CHECK(load_le<uint16_t>(a.data() + hdr::kVersionMinor) == 3);
    auto blob = test::must_open(a);
    auto info = blob.info();
    REQUIRE(info.ok());
    REQUIRE(info->index_pages.has_value());
    const IndexPagesRecord r = *info->index_pages;
    CHECK(r.page_size == idx_pages::kDefaultPageSize);
    CHECK(r.table_offset % kAlign == 0);
    CHECK(r.table_offset >= blob.header().meta_offset + blob.header().meta_size);
    CHECK(r.page_count == (r.table_offset + r.page_size - 1) / r.page_size);
    CHECK(r.table_offset + (r.page_count + 1) * 8ull <= blob.header().payload_offset);
    CHECK(info->unknown.empty());  // decoded, not kept as an unknown record a rewrite would copy
    CHECK(blob.verify().empty());

    // Without the table: the 1.0-1.2 layout, byte for byte what it was.
    auto old = test::must_build(test::sample_info(), many_modules(300), pages_of(0));
    CHECK(load_le<uint16_t>(old.data() + hdr::kVersionMinor) == 0);
    CHECK_FALSE(test::must_open(old).info()->index_pages.has_value());
    CHECK(old.size() < a.size());

    // A page size the format does not allow is refused.
    CHECK_FALSE(build_blob(test::sample_info(), many_modules(3), pages_of(1000)).ok());
    CHECK_FALSE(build_blob(test::sample_info(), many_modules(3), pages_of(256)).ok());
}

TEST_CASE("index pages: open checks only the table and the meta pages and lookups check the pages they read only once") {
    auto bytes = test::must_build(test::sample_info(), many_modules(400), pages_of(512));
    auto whole = test::must_open(bytes);
    CHECK_FALSE(whole.checks_index_pages());  // not asked: the whole checksum at open
    auto blob = test::must_open(bytes, kLazy);
    REQUIRE(blob.checks_index_pages());
    const uint32_t after_open = blob.index_pages_checked();
    const uint32_t pages = blob.info()->index_pages->page_count;
    CHECK(after_open >= 1);
    CHECK(after_open < pages / 4);
    auto g = blob.find_module("pkg3.mod_10");
    REQUIRE(g.ok());
    CHECK(g->found());
    const uint32_t after_one = blob.index_pages_checked();
    CHECK(after_one > after_open);
    CHECK(after_one <= after_open + 4);  // a slot, an entry, its key: at most a few pages
    REQUIRE(blob.find_module("pkg3.mod_10").ok());
    CHECK(blob.index_pages_checked() == after_one);  // remembered
    CHECK(touch_everything(blob) == "");
    CHECK(blob.index_pages_checked() <= pages);
    // A blob without a table opened the same way gets the whole check at open.
    auto old = test::must_build(test::sample_info(), many_modules(50), pages_of(0));
    auto o = test::must_open(old, kLazy);
    CHECK_FALSE(o.checks_index_pages());
    old[old.size() > 200 ? 200 : 130] ^= 1;  // in the index region of a 50-entry blob
    CHECK_FALSE(Blob::from_memory(old.data(), old.size(), "old.oxr", kLazy).ok());
}

TEST_CASE("index pages: a flipped bit in any index page is refused by the first access that reads it") {
    const auto good = test::must_build(test::sample_info(), many_modules(60), pages_of(512));
    auto probe = test::must_open(good);
    const uint64_t meta_off = probe.header().meta_offset, meta_end = meta_off + probe.header().meta_size;
    const uint64_t table = probe.info()->index_pages->table_offset;
    const uint64_t payload = probe.header().payload_offset;
    int refused_at_open = 0, refused_on_use = 0, harmless = 0;
    for (uint64_t at = kHeaderSize; at < payload; ++at) {
        for (int bit = 0; bit < 8; bit += 3) {
            auto bad = good;
            bad[at] ^= static_cast<unsigned char>(1u << bit);
            CAPTURE(at);
            auto b = Blob::from_memory(bad.data(), bad.size(), "bad.oxr", kLazy);
            if (!b) {
                CHECK(b.error().code == ErrorCode::Corrupt);
                ++refused_at_open;
                continue;
            }
            std::string err = touch_everything(*b);
            if (at < table) {
                // Inside a checked page: whatever reads it refuses it (the meta
                // section's pages, and so the table's record, at open).
                CHECK(at < meta_off);  // else open would have refused it
                CHECK(err.find("index checksum mismatch in page") != std::string::npos);
                ++refused_on_use;
            } else {
                // The table itself is checked at open; the padding after it is read by nobody.
                CHECK(at >= table + (b->info()->index_pages->page_count + 1) * 8ull);
                CHECK(err == "");
                ++harmless;
            }
        }
    }
    CHECK(refused_at_open > 0);
    CHECK(refused_on_use > 0);
    (void)meta_end;
    MESSAGE("refused at open " << refused_at_open << ", on use " << refused_on_use << ", padding " << harmless);
}

TEST_CASE("index pages: threads checking the same pages at once agree") {
    auto bytes = test::must_build(test::sample_info(), many_modules(2000), pages_of(512));
    auto blob = test::must_open(bytes, kLazy);
    std::vector<std::thread> ts;
    std::vector<std::string> errs(4);
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&, t] { errs[t] = touch_everything(blob); });
    for (auto& t : ts) t.join();
    for (const auto& e : errs) CHECK(e == "");
    // A damaged page is refused by every thread, every time (never marked as passed).
    auto bad = bytes;
    const uint64_t at = blob.header().entries_offset + 1000 * kEntrySize + ent::kFlags;
    bad[at] ^= 0x40;
    auto damaged = test::must_open(bad, kLazy);
    for (int i = 0; i < 2; ++i) {
        auto e = damaged.entry(1000);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().message.find("index checksum mismatch in page") != std::string::npos);
    }
    CHECK(damaged.entry(0).ok());  // other pages still serve
}
