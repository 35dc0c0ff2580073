#include "format/shared_libraries.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "format/bytes.hpp"

namespace oxpack::format {
namespace {

template <typename T>
void put(std::string& out, T v) {
    unsigned char b[sizeof(T)];
    store_le<T>(b, v);
    out.append(reinterpret_cast<const char*>(b), sizeof b);
}

void put_text(std::string& out, std::string_view s) {
    put<uint32_t>(out, static_cast<uint32_t>(s.size()));
    out.append(s);
}

// A bounds-checked cursor over the value.
struct Cursor {
    std::string_view v;
    size_t pos = 0;
    bool ok = true;

    template <typename T>
    T get() {
        if (!ok || v.size() - pos < sizeof(T)) {
            ok = false;
            return T{};
        }
        T x = load_le<T>(reinterpret_cast<const unsigned char*>(v.data()) + pos);
        pos += sizeof(T);
        return x;
    }
    std::string text() {
        uint32_t n = get<uint32_t>();
        if (!ok || v.size() - pos < n) {
            ok = false;
            return {};
        }
        std::string s(v.substr(pos, n));
        pos += n;
        return s;
    }
    // A count of items at least `min_item` bytes each: no more than what is left can hold.
    uint32_t count(size_t min_item) {
        uint32_t n = get<uint32_t>();
        if (ok && n > (v.size() - pos) / min_item) ok = false;
        return ok ? n : 0;
    }
};

}  // namespace

const SharedLibraries::Module* SharedLibraries::find(std::string_view name) const {
    auto it = std::lower_bound(modules.begin(), modules.end(), name,
                               [](const Module& m, std::string_view n) { return m.name < n; });
    return it != modules.end() && it->name == name ? &*it : nullptr;
}

SharedLibraries::Guard guard_state(const std::string& path) {
    SharedLibraries::Guard g;
    g.path = path;
    struct stat sb;
    if (::stat(path.c_str(), &sb) == 0) {
        g.mtime_ns = static_cast<uint64_t>(sb.st_mtim.tv_sec) * 1000000000u + static_cast<uint64_t>(sb.st_mtim.tv_nsec);
        g.size = static_cast<uint64_t>(sb.st_size);
    }
    return g;
}

std::string encode_shared_libraries(const SharedLibraries& s) {
    std::string out;
    put<uint32_t>(out, static_cast<uint32_t>(s.guards.size()));
    for (const auto& g : s.guards) {
        put<uint64_t>(out, g.mtime_ns);
        put<uint64_t>(out, g.size);
        put_text(out, g.path);
    }
    put<uint32_t>(out, static_cast<uint32_t>(s.libraries.size()));
    for (const auto& l : s.libraries) put_text(out, l);
    put<uint32_t>(out, static_cast<uint32_t>(s.modules.size()));
    for (const auto& m : s.modules) {
        put_text(out, m.name);
        put<uint32_t>(out, static_cast<uint32_t>(m.libraries.size()));
        for (uint32_t i : m.libraries) put<uint32_t>(out, i);
    }
    return out;
}

Result<SharedLibraries> decode_shared_libraries(std::string_view value, const std::string& where) {
    auto bad = [&](const std::string& what) {
        return Error{ErrorCode::Corrupt, where + ": meta section: SharedLibraries record: " + what};
    };
    Cursor c{value};
    SharedLibraries s;
    uint32_t guards = c.count(20);
    for (uint32_t i = 0; c.ok && i < guards; ++i) {
        SharedLibraries::Guard g;
        g.mtime_ns = c.get<uint64_t>();
        g.size = c.get<uint64_t>();
        g.path = c.text();
        s.guards.push_back(std::move(g));
    }
    uint32_t libraries = c.count(4);
    for (uint32_t i = 0; c.ok && i < libraries; ++i) s.libraries.push_back(c.text());
    uint32_t modules = c.count(8);
    for (uint32_t i = 0; c.ok && i < modules; ++i) {
        SharedLibraries::Module m;
        m.name = c.text();
        uint32_t k = c.count(4);
        for (uint32_t j = 0; c.ok && j < k; ++j) {
            uint32_t lib = c.get<uint32_t>();
            if (c.ok && lib >= s.libraries.size()) return bad("library index " + std::to_string(lib) + " out of range");
            m.libraries.push_back(lib);
        }
        if (c.ok && !s.modules.empty() && !(s.modules.back().name < m.name))
            return bad("modules not sorted by name at '" + m.name + "'");
        s.modules.push_back(std::move(m));
    }
    if (!c.ok) return bad("truncated");
    if (c.pos != value.size()) return bad(std::to_string(value.size() - c.pos) + " bytes left over");
    return s;
}

}  // namespace oxpack::format
