// format/shared_libraries: the SharedLibraries record's value (format 1.5):
// round trips, lookup, and every kind of damage refused, never read past.
#include <doctest/doctest.h>

#include "format/bytes.hpp"
#include "format/shared_libraries.hpp"

using namespace oxpack::format;

namespace {

SharedLibraries sample() {
    SharedLibraries s;
    s.guards = {{"/etc/ld.so.cache", 1796057464271158351ull, 40615}, {"/opt/ünïcode/lib", 0, 0}};
    s.libraries = {"/lib/x86_64-linux-gnu/libcrypto.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
                   "/lib/x86_64-linux-gnu/libffi.so.8"};
    s.modules = {{"_ctypes", {2}}, {"_hashlib", {0}}, {"_ssl", {0, 1}}, {"pkg.empty", {}}};
    return s;
}

}  // namespace

TEST_CASE("shared libraries: round trip and lookup by module name") {
    SharedLibraries s = sample();
    std::string v = encode_shared_libraries(s);
    auto back = decode_shared_libraries(v, "b.oxr");
    REQUIRE(back.ok());
    CHECK(*back == s);
    REQUIRE(back->find("_ssl") != nullptr);
    CHECK(back->find("_ssl")->libraries == std::vector<uint32_t>{0, 1});
    CHECK(back->find("_ctypes")->libraries == std::vector<uint32_t>{2});
    CHECK(back->find("_sslx") == nullptr);
    CHECK(back->find("") == nullptr);
    CHECK(back->find("zzz") == nullptr);
    auto empty = decode_shared_libraries(encode_shared_libraries({}), "b.oxr");
    REQUIRE(empty.ok());
    CHECK(empty->empty());
}

TEST_CASE("shared libraries: every truncation and a byte too many are refused") {
    std::string v = encode_shared_libraries(sample());
    for (size_t n = 0; n < v.size(); ++n) {
        auto r = decode_shared_libraries(std::string_view(v).substr(0, n), "b.oxr");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ErrorCode::Corrupt);
        CHECK(r.error().message.find("b.oxr") != std::string::npos);
    }
    auto longer = decode_shared_libraries(v + "x", "b.oxr");
    REQUIRE_FALSE(longer.ok());
    CHECK(longer.error().message.find("left over") != std::string::npos);
}

TEST_CASE("shared libraries: an index out of range, unsorted modules, huge counts are refused") {
    SharedLibraries s = sample();
    s.modules[2].libraries = {0, 7};
    auto r = decode_shared_libraries(encode_shared_libraries(s), "b.oxr");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("out of range") != std::string::npos);

    s = sample();
    std::swap(s.modules[0], s.modules[1]);
    r = decode_shared_libraries(encode_shared_libraries(s), "b.oxr");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("not sorted") != std::string::npos);

    // A count no value of this size could hold is refused before any allocation.
    std::string v = encode_shared_libraries(sample());
    unsigned char huge[4];
    store_le<uint32_t>(huge, 0xFFFFFFFFu);
    v.replace(0, 4, reinterpret_cast<const char*>(huge), 4);
    CHECK_FALSE(decode_shared_libraries(v, "b.oxr").ok());
}
