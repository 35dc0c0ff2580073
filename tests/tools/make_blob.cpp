// oxpack_make_blob: a test-only tool that builds a blob with exactly the
// entries a JSON manifest lists, through the real writer (format::build_blob).
// The runtime's pytest suite uses it for fixtures the freeze cannot produce
// (namespace markers, shadowing blobs, stale bytecode, corrupt payloads...).
//
//   oxpack_make_blob MANIFEST.json OUT.oxr      (MANIFEST "-" reads stdin)
//
// Manifest:
//   {"target": {"pyc_magic": u32, "hexversion": u32, "python_version": "3.11.7",
//               "cache_tag": "cpython-311", "implementation": "cpython",
//               "extension_suffixes": [...]},
//    "origin": "original" | "blob",
//    "compress": "none" | "zstd",
//    "layout": "entry-order" (default) | "bytecode-first" (payload order hints:
//              bytecode, then extensions, then everything else),
//    "roots": [{"path": "/abs", "mtime_ns": N (default: stat it, 0 if missing),
//               "type": "directory" | "wheel" | "zip"}],
//    "absent": ["/abs", ...] (the Absent record, format 1.4),
//    "entries": [{"space": "module" | "resource" | "distribution" | "file",
//                 "kind": a name of format::to_string(Kind): "source" | "bytecode" |
//                         "bytecode-opt1" | "bytecode-opt2" | "extension" | "resource" |
//                         "metadata" | "namespace" | "file" ("bytecode1"/"bytecode2" too),
//                 "key": "...", "path": "...", "root": 0 (default) or null,
//                 "package": bool, "namespace": bool,
//                 "data": "text" | "file": "/abs/path to read",
//                 "corrupt": bool (flip a payload byte after building)}]}
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "format/kinds.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"

using namespace oxpack::format;
using nlohmann::json;

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "oxpack_make_blob: " << msg << "\n";
    std::exit(2);
}

std::string slurp(std::istream& in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die(path + ": cannot read");
    return slurp(in);
}

// Spaces and kinds by the names lib/format gives them.
Space space_named(const std::string& name) {
    if (auto s = oxpack::format::space_from_string(name)) return *s;
    die("unknown space '" + name + "'");
}

Kind kind_named(const std::string& name) {
    if (name == "bytecode1" || name == "bytecode2") return oxpack::format::bytecode_kind(name.back() - '0');
    if (auto k = oxpack::format::kind_from_string(name)) return *k;
    die("unknown kind '" + name + "'");
}

template <typename E>
E lookup(const std::map<std::string, E>& table, const std::string& name, const char* what) {
    auto it = table.find(name);
    if (it == table.end()) die(std::string("unknown ") + what + " '" + name + "'");
    return it->second;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) die("usage: oxpack_make_blob MANIFEST.json OUT.oxr");
    std::string text = std::string(argv[1]) == "-" ? slurp(std::cin) : read_file(argv[1]);
    json m;
    try {
        m = json::parse(text);
    } catch (const json::exception& e) {
        die(std::string("manifest: ") + e.what());
    }
    static const std::map<std::string, RootType> root_types = {
        {"directory", RootType::Directory}, {"wheel", RootType::Wheel}, {"zip", RootType::Zip}};

    BlobInfo info;
    try {
        const json& t = m.at("target");
        info.target.pyc_magic = t.at("pyc_magic").get<uint32_t>();
        info.target.hexversion = t.at("hexversion").get<uint32_t>();
        info.target.python_version = t.value("python_version", "");
        info.target.cache_tag = t.value("cache_tag", "");
        info.target.implementation = t.value("implementation", "cpython");
        info.target.platform = t.value("platform", "");
        info.target.source_suffixes = t.value("source_suffixes", std::vector<std::string>{".py"});
        info.target.bytecode_suffixes = t.value("bytecode_suffixes", std::vector<std::string>{".pyc"});
        info.target.extension_suffixes = t.value("extension_suffixes", std::vector<std::string>{});
        info.oxpack_version = "test";
        info.origin = m.value("origin", "original") == "blob" ? OriginMode::Blob : OriginMode::Original;
        for (const json& r : m.value("roots", json::array())) {
            Root root;
            root.path = r.at("path").get<std::string>();
            root.type = lookup(root_types, r.value("type", "directory"), "root type");
            struct stat st;
            bool exists = ::stat(root.path.c_str(), &st) == 0;
            root.mtime_ns = r.contains("mtime_ns") ? r.at("mtime_ns").get<uint64_t>()
                            : exists ? static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec
                                     : 0;
            root.size = exists ? static_cast<uint64_t>(st.st_size) : 0;
            info.roots.push_back(std::move(root));
        }
        info.absent = m.value("absent", std::vector<std::string>{});
    } catch (const json::exception& e) {
        die(std::string("manifest target/roots: ") + e.what());
    }

    std::vector<InputEntry> entries;
    std::vector<std::pair<std::string, std::string>> corrupt;  // (space+key+kind) to damage
    try {
        for (const json& j : m.at("entries")) {
            InputEntry e;
            e.space = space_named(j.value("space", "module"));
            e.kind = kind_named(j.at("kind").get<std::string>());
            e.key = j.at("key").get<std::string>();
            e.path = j.value("path", "");
            e.root = j.contains("root") && j.at("root").is_null() ? kNoRoot : j.value("root", 0);
            if (j.value("package", false)) e.flags |= kFlagPackage;
            if (j.value("namespace", false)) e.flags |= kFlagPackage | kFlagNamespace;
            if (j.contains("file")) e.data = read_file(j.at("file").get<std::string>());
            else e.data = j.value("data", "");
            if (m.value("layout", "entry-order") == "bytecode-first")
                e.order_hint = oxpack::format::is_bytecode(e.kind) ? 0
                               : e.kind == Kind::Extension                                                       ? 1
                                                                                                                 : 2;
            if (j.value("corrupt", false)) corrupt.emplace_back(std::to_string(int(e.space)) + "/" + e.key, e.path);
            entries.push_back(std::move(e));
        }
    } catch (const json::exception& e) {
        die(std::string("manifest entries: ") + e.what());
    }

    WriteOptions wo;
    wo.compression = m.value("compress", "none") == "zstd" ? Compression::Zstd : Compression::None;
    wo.threads = 1;
    wo.dedup = corrupt.empty();  // a damaged payload must not be shared
    auto built = build_blob(info, std::move(entries), wo);
    if (!built) die(built.error().message);
    std::vector<unsigned char>& bytes = *built;

    if (!corrupt.empty()) {
        auto blob = Blob::from_memory(bytes.data(), bytes.size(), argv[2]);
        if (!blob) die(blob.error().message);
        for (uint32_t i = 0; i < blob->entry_count(); ++i) {
            auto e = blob->entry(i);
            if (!e) die(e.error().message);
            for (const auto& [key, path] : corrupt) {
                if (key != std::to_string(int(e->space)) + "/" + std::string(e->key) || path != e->path) continue;
                if (e->stored_size == 0) die(std::string(e->key) + ": an empty payload cannot be corrupted");
                bytes[blob->header().payload_offset + e->payload_offset] ^= 0xFF;
            }
        }
    }
    std::string tmp = std::string(argv[2]) + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out) die(tmp + ": cannot write");
    }
    if (std::rename(tmp.c_str(), argv[2]) != 0) die(std::string(argv[2]) + ": cannot rename into place");
    return 0;
}
