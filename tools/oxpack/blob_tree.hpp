// What a blob's bytes are made of, for `oxpack info --tree` and `oxpack
// report`: a tree of the whole file by root, package and kind, the largest
// entries, payloads several entries share, and the payload order.
//
// Every byte of the file is counted once: the header and index as one node,
// each payload for the first entry (in index order) that refers to it (the
// writer stores identical payloads once), the alignment padding as one node.
// So the tree's total is the file size.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format/reader.hpp"

namespace oxpack::cli {

struct TreeNode {
    std::string name;
    uint64_t bytes = 0;    // bytes of the file this node accounts for
    uint64_t raw = 0;      // their uncompressed size
    uint64_t entries = 0;
    std::vector<TreeNode> children;  // sorted: most bytes first, then by name
};

struct TreeItem {
    uint32_t index = 0;
    std::string space, kind, key, path, root, package;
    uint64_t stored = 0, raw = 0, offset = 0, checksum = 0;
    uint8_t kind_id = 0;
};

struct SharedPayload {
    uint64_t checksum = 0, stored = 0, raw = 0;
    uint64_t copies = 0;            // times the bytes are in the file (1 when the writer deduplicated them)
    std::vector<TreeItem> entries;  // every entry with these bytes (at most 20 kept)
    uint64_t refs = 0;              // how many entries have these bytes
};

struct BlobAnalysis {
    std::string file;
    uint64_t file_size = 0, index_bytes = 0, payload_bytes = 0, padding = 0;
    uint64_t entry_count = 0;
    TreeNode tree;                        // file -> roots -> packages -> kinds
    std::vector<TreeItem> largest;        // by stored size, at most `top`
    std::vector<SharedPayload> shared;    // identical payloads of several entries, most bytes first, at most `top`
    std::vector<TreeItem> payload_order;  // distinct payloads in file order, at most `order_limit`
    uint64_t payload_count = 0;           // distinct non-empty payloads
    // Payloads at the start of the file that break the default layout (by
    // kind: bytecode, extensions, metadata, resources and files, sources;
    // then in index order): only `freeze --profile` puts them there. 0 when
    // the order is the default one.
    uint64_t out_of_default_order = 0;
};

// Throws Failure(BadInput) on a damaged index.
BlobAnalysis analyse_blob(const format::Blob& blob, const std::string& file, size_t top, size_t order_limit);

// The package an entry belongs to: the top-level name of its module,
// resource package or distribution; "(other files)" for root files.
std::string package_of(const format::Entry& e);

nlohmann::json tree_json(const TreeNode& node, uint64_t total);
// Indented text, `depth` levels below the top (0: all).
std::string tree_text(const TreeNode& node, uint64_t total, int depth);
std::string human_bytes(uint64_t bytes);

}  // namespace oxpack::cli
