#include "blob_tree.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "util/error.hpp"
#include "output.hpp"

namespace oxpack::cli {
namespace {

using format::Kind;

// The default layout's order (lib/freeze/payload_order.cpp kind_rank).
int default_rank(uint8_t kind) {
    switch (static_cast<Kind>(kind)) {
        case Kind::Bytecode0:
        case Kind::Bytecode1:
        case Kind::Bytecode2: return 0;
        case Kind::Extension: return 1;
        case Kind::Metadata: return 2;
        case Kind::Resource:
        case Kind::File: return 3;
        case Kind::Source: return 4;
        default: return 5;
    }
}

void sort_tree(TreeNode& n) {
    std::sort(n.children.begin(), n.children.end(), [](const TreeNode& a, const TreeNode& b) {
        return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name;
    });
    for (auto& c : n.children) sort_tree(c);
}

TreeNode& child(TreeNode& parent, std::map<std::string, size_t>& index, const std::string& name) {
    auto [it, added] = index.emplace(name, parent.children.size());
    if (added) parent.children.push_back(TreeNode{name, 0, 0, 0, {}});
    return parent.children[it->second];
}

std::string percent(uint64_t part, uint64_t total) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", total ? 100.0 * static_cast<double>(part) / static_cast<double>(total) : 0.0);
    return buf;
}

}  // namespace

std::string human_bytes(uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / (1ull << 30));
    else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1ull << 20));
    else if (bytes >= (1ull << 10)) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / (1ull << 10));
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
}

std::string package_of(const format::Entry& e) {
    std::string_view key = e.key;
    switch (static_cast<format::Space>(e.space)) {
        case format::Space::Module: return std::string(key.substr(0, key.find('.')));
        case format::Space::Resource: {
            std::string_view pkg = key.substr(0, key.find('/'));
            return std::string(pkg.substr(0, pkg.find('.')));
        }
        case format::Space::Distribution: {
            // "six-1.16.0.dist-info/METADATA" -> "six"; "foo.egg-info/PKG-INFO" -> "foo"
            std::string_view dir = key.substr(0, key.find('/'));
            size_t dash = dir.find('-');
            std::string name(dash != std::string_view::npos ? dir.substr(0, dash) : dir.substr(0, dir.find(".egg-info")));
            for (auto& ch : name) ch = ch == '-' || ch == '.' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            return name;
        }
        default: return "(other files)";
    }
}

BlobAnalysis analyse_blob(const format::Blob& blob, const std::string& file, size_t top, size_t order_limit) {
    BlobAnalysis a;
    a.file = file;
    const auto& h = blob.header();
    a.file_size = h.file_size;
    a.index_bytes = h.payload_offset;
    a.entry_count = blob.entry_count();
    auto info = unwrap(blob.info(), Exit::BadInput);

    a.tree.name = file;
    std::map<std::string, size_t> root_index;
    std::vector<std::map<std::string, size_t>> package_index;  // per root
    std::map<std::pair<size_t, size_t>, std::map<std::string, size_t>> kinds_of;

    struct Seen {
        uint32_t first;  // the entry that owns the bytes
    };
    std::unordered_map<uint64_t, Seen> by_offset;  // payload offset -> owner (non-empty payloads)
    std::map<std::tuple<uint64_t, uint64_t, uint64_t>, SharedPayload> groups;
    std::vector<TreeItem> items;
    items.reserve(blob.entry_count());

    for (uint32_t i = 0; i < blob.entry_count(); ++i) {
        format::Entry e = entry_at(blob, i);
        TreeItem it;
        it.index = i;
        it.space = space_name(e.space);
        it.kind = kind_name(e.kind);
        it.kind_id = e.kind;
        it.key = std::string(e.key);
        it.path = std::string(e.path);
        it.root = e.root < info.roots.size() ? info.roots[e.root].path : std::string("(no root)");
        it.package = package_of(e);
        it.stored = e.stored_size, it.raw = e.raw_size, it.offset = e.payload_offset, it.checksum = e.checksum;

        // Bytes this entry adds to the file: its payload, unless an earlier entry has it.
        uint64_t adds = 0;
        if (e.stored_size > 0 && by_offset.emplace(e.payload_offset, Seen{i}).second) {
            adds = e.stored_size;
            a.payload_bytes += e.stored_size;
        }
        if (e.stored_size > 0) {
            auto& g = groups[{e.checksum, e.stored_size, e.raw_size}];
            g.checksum = e.checksum, g.stored = e.stored_size, g.raw = e.raw_size;
            ++g.refs;
            if (adds) ++g.copies;
            if (g.entries.size() < 20) g.entries.push_back(it);
        }
        TreeNode& root = child(a.tree, root_index, it.root);
        size_t ri = root_index[it.root];
        if (package_index.size() <= ri) package_index.resize(ri + 1);
        TreeNode& pkg = child(root, package_index[ri], it.package);
        size_t pi = package_index[ri][it.package];
        TreeNode& kind = child(pkg, kinds_of[{ri, pi}], it.kind);
        for (TreeNode* n : {&a.tree, &root, &pkg, &kind}) {
            n->bytes += adds;
            n->raw += adds ? e.raw_size : 0;
            ++n->entries;
        }
        items.push_back(std::move(it));
    }
    a.padding = a.file_size - std::min(a.file_size, a.index_bytes + a.payload_bytes);
    a.tree.children.push_back(TreeNode{"(header and index)", a.index_bytes, a.index_bytes, 0, {}});
    if (a.padding) a.tree.children.push_back(TreeNode{"(alignment padding)", a.padding, a.padding, 0, {}});
    a.tree.bytes += a.index_bytes + a.padding;
    a.tree.raw += a.index_bytes + a.padding;
    sort_tree(a.tree);

    // Largest entries.
    std::vector<const TreeItem*> by_size;
    for (const auto& it : items) by_size.push_back(&it);
    std::sort(by_size.begin(), by_size.end(), [](const TreeItem* x, const TreeItem* y) {
        return x->stored != y->stored ? x->stored > y->stored : x->index < y->index;
    });
    for (size_t k = 0; k < by_size.size() && k < top && by_size[k]->stored > 0; ++k) a.largest.push_back(*by_size[k]);

    // Payloads several entries share (stored once, or more than once).
    for (auto& [key, g] : groups)
        if (g.refs > 1) a.shared.push_back(std::move(g));
    std::sort(a.shared.begin(), a.shared.end(), [](const SharedPayload& x, const SharedPayload& y) {
        uint64_t bx = x.stored * x.refs, by = y.stored * y.refs;
        return bx != by ? bx > by : x.checksum < y.checksum;
    });
    if (a.shared.size() > top) a.shared.resize(top);

    // Payload order: distinct payloads by offset.
    std::vector<const TreeItem*> owners;
    for (const auto& [offset, seen] : by_offset) owners.push_back(&items[seen.first]);
    std::sort(owners.begin(), owners.end(), [](const TreeItem* x, const TreeItem* y) { return x->offset < y->offset; });
    a.payload_count = owners.size();
    for (size_t k = 0; k < owners.size() && k < order_limit; ++k) a.payload_order.push_back(*owners[k]);
    // The default layout orders payloads by kind rank, then in index order
    // (the freezer's input order); the last place where (rank, index) goes
    // down ends what a profile placed before it.
    for (size_t k = owners.size(); k-- > 1;) {
        auto key = [](const TreeItem* t) { return std::make_pair(default_rank(t->kind_id), t->index); };
        if (key(owners[k]) < key(owners[k - 1])) {
            a.out_of_default_order = k;
            break;
        }
    }
    return a;
}

nlohmann::json tree_json(const TreeNode& node, uint64_t total) {
    nlohmann::json j = {{"name", node.name},
                        {"bytes", node.bytes},
                        {"raw_bytes", node.raw},
                        {"entries", node.entries},
                        {"percent", total ? 100.0 * static_cast<double>(node.bytes) / static_cast<double>(total) : 0.0}};
    if (!node.children.empty()) {
        nlohmann::json c = nlohmann::json::array();
        for (const auto& ch : node.children) c.push_back(tree_json(ch, total));
        j["children"] = std::move(c);
    }
    return j;
}

std::string tree_text(const TreeNode& node, uint64_t total, int depth) {
    std::string out;
    struct Frame {
        const TreeNode* n;
        int level;
    };
    std::vector<Frame> stack = {{&node, 0}};
    while (!stack.empty()) {
        Frame f = stack.back();
        stack.pop_back();
        std::string size = human_bytes(f.n->bytes);
        std::string line(static_cast<size_t>(f.level) * 2, ' ');
        line += f.n->name;
        const size_t name_col = 56;
        line += line.size() < name_col ? std::string(name_col - line.size(), ' ') : "  ";
        char cols[96];
        std::snprintf(cols, sizeof cols, "%10s %6s", size.c_str(), percent(f.n->bytes, total).c_str());
        line += cols;
        if (f.n->entries) line += "  " + std::to_string(f.n->entries) + (f.n->entries == 1 ? " entry" : " entries");
        out += line + "\n";
        if (depth == 0 || f.level < depth)
            for (auto it = f.n->children.rbegin(); it != f.n->children.rend(); ++it) stack.push_back({&*it, f.level + 1});
    }
    return out;
}

}  // namespace oxpack::cli
