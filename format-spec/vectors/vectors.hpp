// The .oxr test vectors: small valid blobs and damaged or hostile ones, each
// with the outcome a reader of format 1.0 must give. generate.cpp writes them
// (and README.md) into format-spec/vectors/; tests/unit/test_format_vectors.cpp
// regenerates them, compares the bytes with the committed files and checks
// every expected outcome with the reference reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/layout.hpp"
#include "format/result.hpp"

namespace oxpack::vectors {

// A lookup that must succeed and give these payload bytes.
struct Content {
    format::Space space;
    std::string key;
    uint8_t kind;
    std::string payload;
};

struct Expect {
    bool opens = true;                                  // Blob::open succeeds
    format::ErrorCode error = format::ErrorCode::Corrupt;  // when !opens
    std::string message;         // when !opens: part of the open error
    std::string access_message;  // when opens: walking every entry, lookup and payload meets this error ("" = none)
    bool verify_ok = true;       // when opens: verify() finds nothing
    std::string verify_message;  // when !verify_ok: part of one verify problem
    std::vector<Content> contents;                                   // must be found, with these bytes
    std::vector<std::pair<format::Space, std::string>> absent;       // must not be found
};

struct Vector {
    std::string name;     // file name, "one-module.oxr"
    std::string holds;    // what is in it, for the README
    std::string outcome;  // the expected outcome in words, for the README
    Expect expect;
    std::vector<unsigned char> bytes;
};

// Every vector, in README order. Deterministic: same bytes on every call.
std::vector<Vector> all_vectors();

// The README.md describing them.
std::string readme(const std::vector<Vector>& vectors);

}  // namespace oxpack::vectors
