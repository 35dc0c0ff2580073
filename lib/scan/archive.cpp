// libzip-backed archive reading.
#include "scan/archive.hpp"

#include <zip.h>

#include <sstream>
#include <vector>

#include "scan/names.hpp"

namespace oxpack::scan {

Archive& Archive::operator=(Archive&& o) noexcept {
    if (this != &o) {
        if (zip_) zip_discard(zip_);
        zip_ = o.zip_;
        path_ = std::move(o.path_);
        o.zip_ = nullptr;
    }
    return *this;
}

Archive::~Archive() {
    if (zip_) zip_discard(zip_);
}

std::optional<Archive> Archive::open(const std::string& path, std::string& error) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (z == nullptr) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        error = std::string("not a readable zip archive: ") + zip_error_strerror(&ze);
        zip_error_fini(&ze);
        return std::nullopt;
    }
    Archive a;
    a.zip_ = z;
    a.path_ = path;
    return a;
}

bool Archive::read(int64_t index, std::string& out, std::string& error) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
        error = zip_strerror(zip_);
        return false;
    }
    zip_file_t* f = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
    if (f == nullptr) {
        error = zip_strerror(zip_);
        return false;
    }
    out.resize(st.size);
    zip_uint64_t done = 0;
    while (done < st.size) {
        zip_int64_t n = zip_fread(f, out.data() + done, st.size - done);
        if (n < 0) {
            error = zip_file_strerror(f);
            zip_fclose(f);
            return false;
        }
        if (n == 0) break;
        done += static_cast<zip_uint64_t>(n);
    }
    // Read past the end once so libzip checks the CRC of the whole member.
    char extra;
    zip_int64_t tail = zip_fread(f, &extra, 1);
    if (tail < 0 || done != st.size || tail > 0) {
        error = tail < 0 ? zip_file_strerror(f) : "member size does not match its header";
        zip_fclose(f);
        return false;
    }
    int rc = zip_fclose(f);
    if (rc != 0) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, rc);
        error = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        return false;
    }
    return true;
}

bool Archive::check(int64_t index, std::string& error) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
        error = zip_strerror(zip_);
        return false;
    }
    zip_file_t* f = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
    if (f == nullptr) {
        error = zip_strerror(zip_);
        return false;
    }
    static thread_local std::vector<char> buf(1 << 16);
    zip_uint64_t done = 0;
    for (;;) {
        zip_int64_t n = zip_fread(f, buf.data(), buf.size());
        if (n < 0) {  // a CRC mismatch shows at the end of the member
            error = zip_file_strerror(f);
            zip_fclose(f);
            return false;
        }
        if (n == 0) break;
        done += static_cast<zip_uint64_t>(n);
    }
    zip_fclose(f);
    if ((st.valid & ZIP_STAT_SIZE) && done != st.size) {
        error = "member size does not match its header";
        return false;
    }
    return true;
}

int64_t Archive::find(const std::string& name) const { return zip_name_locate(zip_, name.c_str(), 0); }

bool safe_member_name(const std::string& name) {
    if (name.empty() || name[0] == '/' || name[0] == '\\') return false;
    if (name.size() >= 2 && name[1] == ':') return false;  // "C:..."
    std::string part;
    std::istringstream in(name);
    while (std::getline(in, part, '/'))
        if (part == ".." || part.find('\\') != std::string::npos) return false;
    return true;
}

Node Archive::list(const std::function<std::string(const std::string&)>& map, Report& report) const {
    Node top;
    top.is_dir = true;
    const zip_int64_t n = zip_get_num_entries(zip_, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(zip_, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
            report.problem(path_ + "!#" + std::to_string(i), std::string("unreadable member entry: ") + zip_strerror(zip_) +
                                                                 "; skipped");
            continue;
        }
        const std::string name = st.name;
        if (!safe_member_name(name)) {
            report.problem(path_ + "!" + name, "member name escapes the archive (absolute or '..'); refused");
            continue;
        }
        if (!valid_utf8(name)) {
            report.problem(path_ + "!" + name, "member name is not valid UTF-8; skipped");
            continue;
        }
        if (name.back() == '/') continue;  // directory entries: implied by their files
        std::string mapped = map(name);
        if (mapped.empty()) continue;
        // Walk/create the path in the tree; tolerate "a//b" and "./a".
        std::vector<std::string> parts;
        std::string part;
        std::istringstream in(mapped);
        while (std::getline(in, part, '/'))
            if (!part.empty() && part != ".") parts.push_back(part);
        if (parts.empty()) continue;
        Node* cur = &top;
        bool clash = false;
        for (size_t k = 0; k + 1 < parts.size() && !clash; ++k) {
            Node* next = nullptr;
            for (auto& c : cur->children)
                if (c.name == parts[k]) next = &c;
            if (next && !next->is_dir) clash = true;
            if (!next) {
                Node d;
                d.name = parts[k];
                d.is_dir = true;
                cur->children.push_back(std::move(d));
                next = &cur->children.back();
            }
            cur = next;
        }
        bool dup = false;
        for (auto& c : cur->children) dup = dup || c.name == parts.back();
        if (clash || dup) {
            report.problem(path_ + "!" + name, "member collides with another member of the same path; skipped");
            continue;
        }
        Node f;
        f.name = parts.back();
        f.size = st.size;
        f.mtime_ns = static_cast<int64_t>(st.mtime) * 1000000000;
        f.member = i;
        f.origin = name;
        if (ends_with(f.name, ".pyc")) {
            std::string data, err;
            zip_file_t* zf = zip_fopen_index(zip_, static_cast<zip_uint64_t>(i), 0);
            if (zf) {
                char buf[16];
                zip_int64_t got = zip_fread(zf, buf, sizeof buf);
                if (got > 0) f.head.assign(buf, static_cast<size_t>(got));
                zip_fclose(zf);
            }
        }
        cur->children.push_back(std::move(f));
    }
    top.sort_children();
    return top;
}

}  // namespace oxpack::scan
