// Tests for lib/scan/pyc: SipHash, CPython's source hash, header checks.
#include <doctest/doctest.h>

#include "scan/pyc.hpp"

using namespace oxpack::scan;

namespace {

std::string unhex(const std::string& h) {
    std::string out;
    for (size_t i = 0; i < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

// _imp.source_hash returns the u64 little-endian: compare as bytes.
std::string le_bytes(uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return s;
}

std::string header(const std::string& magic, uint32_t flags, uint32_t a, uint32_t b) {
    std::string h = magic;
    for (uint32_t v : {flags, a, b})
        for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return h;
}

}  // namespace

TEST_CASE("siphash-2-4 matches the reference vector of the SipHash paper") {
    std::string msg;
    for (int i = 0; i < 15; ++i) msg.push_back(static_cast<char>(i));
    CHECK(siphash(2, 4, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull, msg) == 0xa129ca6149be45e5ull);
}

TEST_CASE("source_hash agrees with _imp.source_hash of CPython 3.8, 3.11 and 3.13") {
    // Vectors printed by each interpreter: _imp.source_hash(int.from_bytes(MAGIC, 'little'), src).hex()
    struct V {
        const char* magic;
        int minor;
        const char* print1;
        const char* empty;
    };
    for (const V& v : {V{"550d0d0a", 8, "9bf71decb71ddb20", "81e4881b3643e8e9"},
                       V{"a70d0d0a", 11, "da812d7f407a3059", "738d9cd5d5e87f73"},
                       V{"f30d0d0a", 13, "5a90791f83be4635", "27ec6d312f93b814"}}) {
        PycTarget t{unhex(v.magic), v.minor};
        CHECK(le_bytes(source_hash(t, "print(1)\n")) == unhex(v.print1));
        CHECK(le_bytes(source_hash(t, "")) == unhex(v.empty));
    }
}

TEST_CASE("check_pyc: timestamp-based headers") {
    PycTarget t{unhex("a70d0d0a"), 11};
    SourceStamp src{1234, 1700000000ll * 1000000000 + 5};
    CHECK(check_pyc(header(t.magic, 0, 1700000000u, 1234), t, src) == PycStatus::Valid);
    CHECK(check_pyc(header(t.magic, 0, 1700000001u, 1234), t, src) == PycStatus::Stale);
    CHECK(check_pyc(header(t.magic, 0, 1700000000u, 1235), t, src) == PycStatus::Stale);
    CHECK(check_pyc(header(unhex("550d0d0a"), 0, 1700000000u, 1234), t, src) == PycStatus::WrongMagic);
    CHECK(check_pyc(header(t.magic, 8, 0, 0), t, src) == PycStatus::BadFlags);
    CHECK(check_pyc("abc", t, src) == PycStatus::Truncated);
    // zipimport allows one second either way (DOS time resolution).
    SourceStamp zip{1234, 1700000001ll * 1000000000, true};
    CHECK(check_pyc(header(t.magic, 0, 1700000000u, 1234), t, zip) == PycStatus::Valid);
    // Sourceless: only magic and flags matter.
    CHECK(check_pyc(header(t.magic, 0, 1, 2), t, std::nullopt) == PycStatus::Valid);
    CHECK(check_pyc(header("XXXX", 0, 1, 2), t, std::nullopt) == PycStatus::WrongMagic);
}

TEST_CASE("check_pyc: hash-based headers need and check the source") {
    PycTarget t{unhex("a70d0d0a"), 11};
    SourceStamp src{9, 0};
    std::string h = t.magic + std::string("\x03\0\0\0", 4) + le_bytes(source_hash(t, "print(1)\n"));
    CHECK(check_pyc(h, t, src) == PycStatus::NeedSource);
    std::string_view good = "print(1)\n", bad = "print(2)\n";
    CHECK(check_pyc(h, t, src, &good) == PycStatus::Valid);
    CHECK(check_pyc(h, t, src, &bad) == PycStatus::Stale);
}
