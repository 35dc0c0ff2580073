// Helpers shared by the subcommands: opening blobs with CLI-grade errors,
// and turning entries into text and JSON the same way everywhere.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "format/kinds.hpp"
#include "format/reader.hpp"

namespace oxpack::cli {

// Opens and validates a blob; throws Failure(Exit::BadInput) naming the file.
format::Blob open_blob(const std::string& path, format::OpenOptions options = {});

// Decodes entry i or throws Failure(Exit::BadInput).
format::Entry entry_at(const format::Blob& blob, uint32_t i);

// Names of stored kind, space and compression bytes: lib/format/layout.hpp.
using format::compression_name;
using format::kind_name;
using format::space_name;
std::string hex64(uint64_t v);
std::string hex32(uint32_t v);

nlohmann::json entry_json(const format::Entry& e);

// -q: errors only on stderr (set once by main before the command runs).
void set_quiet(bool quiet);
bool quiet();

// Writes `j` to stdout, pretty-printed, followed by a newline.
void print_json(const nlohmann::json& j);

}  // namespace oxpack::cli
