// Shared fixtures for the unit tests: a fixed target, entry builders, file
// and temporary-directory helpers. Header-only; every test file includes it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "format/meta.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"

namespace oxpack::test {

namespace fs = std::filesystem;

inline format::BlobInfo sample_info() {
    format::BlobInfo info;
    auto& t = info.target;
    t.implementation = "cpython";
    t.python_version = "3.11.7";
    t.cache_tag = "cpython-311";
    t.platform = "x86_64-linux-gnu";
    t.pyc_magic = 0x0A0D0DA7;
    t.hexversion = 0x030B07F0;
    t.source_suffixes = {".py"};
    t.bytecode_suffixes = {".pyc"};
    t.extension_suffixes = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"};
    info.oxpack_version = "test";
    info.roots.push_back({"/test/root", 123, 456, format::RootType::Directory});
    return info;
}

inline format::InputEntry entry(format::Space space, format::Kind kind, std::string key, std::string data,
                                uint16_t flags = 0, std::string path = "") {
    format::InputEntry e;
    e.space = space;
    e.kind = kind;
    e.flags = flags;
    e.root = 0;
    e.path = path.empty() ? key : std::move(path);
    e.key = std::move(key);
    e.data = std::move(data);
    return e;
}

inline format::InputEntry module(std::string key, std::string data, format::Kind kind = format::Kind::Source,
                                 uint16_t flags = 0) {
    return entry(format::Space::Module, kind, std::move(key), std::move(data), flags);
}

// Builds or fails the test.
inline std::vector<unsigned char> must_build(const format::BlobInfo& info, std::vector<format::InputEntry> entries,
                                             const format::WriteOptions& options = {}) {
    auto r = format::build_blob(info, std::move(entries), options);
    if (!r) throw std::runtime_error("build_blob: " + r.error().message);
    return std::move(r).value();
}

inline format::Blob must_open(const std::vector<unsigned char>& bytes, format::OpenOptions options = {}) {
    auto r = format::Blob::from_memory(bytes.data(), bytes.size(), "test.oxr", options);
    if (!r) throw std::runtime_error("open: " + r.error().message);
    return std::move(r).value();
}

// The payload of (space, key, kind) as a string, or "<missing>"/"<error: ...>".
inline std::string payload_of(const format::Blob& blob, format::Space space, std::string_view key, uint8_t kind) {
    auto g = blob.find(space, key);
    if (!g) return "<error: " + g.error().message + ">";
    for (uint32_t i = g->first; i < g->first + g->count; ++i) {
        auto e = blob.entry(i);
        if (!e) return "<error: " + e.error().message + ">";
        if (e->kind != kind) continue;
        auto p = blob.payload(*e);
        if (!p) return "<error: " + p.error().message + ">";
        return std::string(p->str());
    }
    return "<missing>";
}

inline std::vector<unsigned char> read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    return {s.begin(), s.end()};
}

inline void write_bytes(const fs::path& p, const std::vector<unsigned char>& b) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "oxpack-test-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

// Files in `dir` (not recursive), sorted.
inline std::vector<std::string> list_dir(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace oxpack::test
