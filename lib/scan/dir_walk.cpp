// Directory walking with openat/fdopendir/fstatat and a small thread pool.
#include "scan/dir_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "scan/names.hpp"

namespace oxpack::scan {
namespace {

std::string other_root_note(const std::string& root) {
    return "is a sys.path entry or a site-packages directory of its own; not walked as part of " + root;
}

struct Walker {
    const WalkOptions& options;
    Report& report;
    std::vector<WalkedDir>* seen = nullptr;
    std::mutex seen_mutex;

    // Reads the first bytes of a .pyc (at most 16).
    std::string read_head(int dirfd, const char* name) {
        std::string head;
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) return head;  // reported when the file is read for packing
        char buf[16];
        ssize_t n;
        do n = ::read(fd, buf, sizeof buf);
        while (n < 0 && errno == EINTR);
        if (n > 0) head.assign(buf, static_cast<size_t>(n));
        ::close(fd);
        return head;
    }

    // Fills `node` (a directory already opened as `fd`, path `path`) with
    // its children; `ancestors` holds the (dev, ino) of every directory above.
    // Takes ownership of fd.
    void fill(int fd, const std::string& path, Node& node, std::vector<std::pair<dev_t, ino_t>>& ancestors,
              std::vector<std::pair<size_t, int>>* defer) {
        DIR* d = fdopendir(fd);
        if (d == nullptr) {
            report.problem(path, std::string("cannot read directory: ") + std::strerror(errno) + "; skipped");
            ::close(fd);
            return;
        }
        std::vector<std::string> names;
        errno = 0;
        while (dirent* e = readdir(d)) {
            if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
            names.emplace_back(e->d_name);
        }
        if (errno != 0)
            report.problem(path, std::string("error while listing the directory: ") + std::strerror(errno) +
                                     "; entries may be missing");
        const int dfd = dirfd(d);
        for (auto& name : names) {
            const std::string child_path = path + "/" + name;
            if (!valid_utf8(name)) {
                report.problem(child_path, "name is not valid UTF-8; skipped");
                continue;
            }
            struct stat st;
            if (fstatat(dfd, name.c_str(), &st, 0) != 0) {
                int err = errno;
                struct stat lst;
                bool is_link = fstatat(dfd, name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
                if (err == ELOOP) report.problem(child_path, "symlink loop; skipped");
                else if (is_link && err == ENOENT) report.problem(child_path, "broken symlink; skipped");
                else report.problem(child_path, std::string("cannot stat: ") + std::strerror(err) + "; skipped");
                continue;
            }
            Node c;
            c.name = name;
            c.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
            if (S_ISDIR(st.st_mode)) {
                std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
                if (seen) {
                    std::lock_guard lock(seen_mutex);
                    seen->push_back({st.st_dev, st.st_ino, child_path});
                }
                if (options.other_roots.count(id)) {
                    report.note(child_path, other_root_note(root_path));
                    continue;
                }
                bool loop = false;
                for (const auto& a : ancestors) loop = loop || a == id;
                if (loop) {
                    report.problem(child_path, "symlink loop (leads back to a parent directory); skipped");
                    continue;
                }
                c.is_dir = true;
                node.children.push_back(std::move(c));
                int cfd = openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cfd < 0) {
                    report.problem(child_path, std::string("cannot open directory: ") + std::strerror(errno) + "; skipped");
                    node.children.pop_back();
                    continue;
                }
                if (defer) {
                    defer->emplace_back(node.children.size() - 1, cfd);  // walked by the pool
                    continue;
                }
                ancestors.push_back(id);
                fill(cfd, child_path, node.children.back(), ancestors, nullptr);
                ancestors.pop_back();
            } else if (S_ISREG(st.st_mode)) {
                // Unreadable files are reported here, so that a scan says
                // what a freeze would skip (and a .pyc whose head cannot be
                // read is not taken for a truncated one). Asked only when the
                // mode bits do not already say "readable by anyone".
                if ((st.st_mode & S_IROTH) == 0 && ::geteuid() != 0 &&
                    faccessat(dfd, name.c_str(), R_OK, AT_EACCESS) != 0) {
                    report.problem(child_path, std::string("cannot read: ") + std::strerror(errno) + "; skipped");
                    continue;
                }
                c.size = static_cast<uint64_t>(st.st_size);
                if (ends_with(name, ".pyc")) c.head = read_head(dfd, name.c_str());
                node.children.push_back(std::move(c));
            } else {
                report.problem(child_path, "not a regular file or directory; skipped");
            }
        }
        closedir(d);
    }

    std::string root_path;
};

}  // namespace

Node walk_directory(const std::string& root, const WalkOptions& options, Report& report, std::vector<WalkedDir>* seen) {
    Node top;
    top.is_dir = true;
    struct stat st;
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        report.problem(root, std::string("cannot open directory: ") + std::strerror(errno) + "; skipped");
        if (fd >= 0) ::close(fd);
        return top;
    }
    top.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    Walker w{options, report, seen};
    w.root_path = root;
    // Top level: list it here, then walk its subdirectories in parallel.
    std::vector<std::pair<size_t, int>> deferred;
    std::vector<std::pair<dev_t, ino_t>> anc{{st.st_dev, st.st_ino}};
    w.fill(fd, root, top, anc, &deferred);
    std::atomic<size_t> next{0};
    auto work = [&] {
        std::vector<std::pair<dev_t, ino_t>> ancestors{{st.st_dev, st.st_ino}};
        for (size_t k; (k = next.fetch_add(1)) < deferred.size();) {
            auto [index, cfd] = deferred[k];
            Node* node = &top.children[index];
            struct stat cst;
            fstat(cfd, &cst);
            ancestors.resize(1);
            ancestors.emplace_back(cst.st_dev, cst.st_ino);
            w.fill(cfd, root + "/" + node->name, *node, ancestors, nullptr);
        }
    };
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < deferred.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    top.sort_children();
    return top;
}

void prune_walk(Node& tree, const std::string& root, std::vector<WalkedDir> seen,
                const std::set<std::pair<dev_t, ino_t>>& other_roots, const Report& walk_report, Report& report) {
    // Parents before children: a directory below a removed one was never reached.
    std::sort(seen.begin(), seen.end(), [](const WalkedDir& a, const WalkedDir& b) { return a.path < b.path; });
    auto below = [](const std::string& path, const std::string& dir) {
        return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
    };
    std::vector<std::string> removed;
    auto pruned = [&](const std::string& path) {
        return std::any_of(removed.begin(), removed.end(),
                           [&](const std::string& r) { return path == r || below(path, r); });
    };
    for (const WalkedDir& d : seen) {
        if (!other_roots.count({d.dev, d.ino}) || pruned(d.path)) continue;
        removed.push_back(d.path);
        report.note(d.path, other_root_note(root));
        // Unlink it from the tree (it may be absent: the walk could not enter it).
        Node* parent = &tree;
        std::string_view rel = std::string_view(d.path).substr(root.size() + 1);
        for (size_t slash; parent && (slash = rel.find('/')) != std::string_view::npos; rel.remove_prefix(slash + 1)) {
            auto it = std::find_if(parent->children.begin(), parent->children.end(),
                                   [&](const Node& c) { return c.is_dir && c.name == rel.substr(0, slash); });
            parent = it == parent->children.end() ? nullptr : &*it;
        }
        if (parent)
            std::erase_if(parent->children, [&](const Node& c) { return c.is_dir && c.name == rel; });
    }
    for (const Problem& p : walk_report.sorted()) {
        if (pruned(p.path)) continue;
        if (p.skipped) report.problem(p.path, p.what);
        else if (p.warning) report.warning(p.path, p.what);
        else report.note(p.path, p.what);
    }
}

}  // namespace oxpack::scan
