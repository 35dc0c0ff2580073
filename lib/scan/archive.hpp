// Zip archives (wheels and .zip sys.path entries) read in place with libzip:
// the member list becomes a Node tree, members are read on demand. Member
// names that try to leave the archive ("../x", "/etc/x") are refused, each
// reported once; nothing is ever extracted to disk.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "scan/report.hpp"
#include "scan/tree.hpp"

struct zip;

namespace oxpack::scan {

// One open archive. Not thread-safe: each reading thread opens its own.
class Archive {
public:
    Archive() = default;
    Archive(Archive&& o) noexcept : zip_(o.zip_), path_(std::move(o.path_)) { o.zip_ = nullptr; }
    Archive& operator=(Archive&& o) noexcept;
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;
    ~Archive();

    // Opens `path`; on failure returns nullopt and sets `error` (e.g. "not a zip archive").
    static std::optional<Archive> open(const std::string& path, std::string& error);

    // Reads member `index` completely into `out` (CRC-checked by libzip).
    // Returns false and sets `error` on failure.
    bool read(int64_t index, std::string& out, std::string& error) const;
    // Reads member `index` through without keeping it, so that libzip checks
    // its size and CRC. Returns false and sets `error` ("CRC error") when
    // it is damaged.
    bool check(int64_t index, std::string& error) const;
    // Finds a member by its exact name; -1 when absent.
    int64_t find(const std::string& name) const;

    // Lists members into a tree. `map` turns a member name into the path it
    // gets in the tree ("" to leave it out); refused names are reported.
    // The first 16 bytes of every .pyc are read into Node::head.
    Node list(const std::function<std::string(const std::string&)>& map, Report& report) const;

    const std::string& path() const { return path_; }

private:
    struct zip* zip_ = nullptr;
    std::string path_;
};

// True when `name` (a member name) stays inside the archive: relative, no
// ".." component, no drive letter.
bool safe_member_name(const std::string& name);

}  // namespace oxpack::scan
