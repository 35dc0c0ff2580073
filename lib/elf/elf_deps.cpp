#include "elf/elf_deps.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "format/bytes.hpp"

namespace oxpack::elf {
namespace {

using format::Error;
using format::ErrorCode;

Error bad(const std::string& what) { return Error{ErrorCode::Corrupt, "not a usable shared object: " + what}; }

template <typename T>
bool load(std::span<const unsigned char> img, uint64_t off, T& out) {
    if (!format::range_within(off, sizeof(T), img.size())) return false;
    std::memcpy(&out, img.data() + off, sizeof(T));
    return true;
}

struct Load {
    uint64_t vaddr, offset, filesz;
};

template <typename Ehdr, typename Phdr, typename Dyn>
format::Result<ElfDeps> parse(std::span<const unsigned char> img) {
    Ehdr eh;
    if (!load(img, 0, eh)) return bad("truncated ELF header");
    if (eh.e_phentsize != sizeof(Phdr)) return bad("unexpected program header size");
    std::vector<Load> loads;
    std::optional<Phdr> dynamic;
    ElfDeps deps;
    deps.loaded_size = std::max<uint64_t>(sizeof(Ehdr), eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Phdr));
    for (uint64_t i = 0; i < eh.e_phnum; ++i) {
        Phdr ph;
        if (!load(img, eh.e_phoff + i * sizeof(Phdr), ph)) return bad("program header outside the file");
        // A segment past the end (a damaged file, dlopen() will say so):
        // keep the whole file.
        deps.loaded_size = format::range_within(ph.p_offset, ph.p_filesz, img.size())
                               ? std::max<uint64_t>(deps.loaded_size, ph.p_offset + ph.p_filesz)
                               : img.size();
        if (ph.p_type == PT_LOAD) loads.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
        else if (ph.p_type == PT_DYNAMIC) dynamic = ph;
    }
    deps.loaded_size = std::min<uint64_t>(deps.loaded_size, img.size());
    if (!dynamic) return deps;  // static object: needs nothing
    auto to_offset = [&](uint64_t vaddr) -> std::optional<uint64_t> {
        for (const Load& l : loads)
            if (vaddr >= l.vaddr && vaddr - l.vaddr < l.filesz) return l.offset + (vaddr - l.vaddr);
        return std::nullopt;
    };
    uint64_t strtab = 0, strsz = 0;
    bool have_strtab = false;
    std::vector<uint64_t> needed, rpath, runpath;
    for (uint64_t off = dynamic->p_offset; off + sizeof(Dyn) <= dynamic->p_offset + dynamic->p_filesz; off += sizeof(Dyn)) {
        Dyn d;
        if (!load(img, off, d)) return bad("dynamic section outside the file");
        if (d.d_tag == DT_NULL) break;
        switch (d.d_tag) {
            case DT_STRTAB: strtab = d.d_un.d_ptr, have_strtab = true; break;
            case DT_STRSZ: strsz = d.d_un.d_val; break;
            case DT_NEEDED: needed.push_back(d.d_un.d_val); break;
            case DT_RPATH: rpath.push_back(d.d_un.d_val); break;
            case DT_RUNPATH: runpath.push_back(d.d_un.d_val); break;
            default: break;
        }
    }
    deps.has_rpath = !rpath.empty() && runpath.empty();  // glibc ignores DT_RPATH beside a DT_RUNPATH
    if (needed.empty() && rpath.empty() && runpath.empty()) return deps;
    if (!have_strtab) return bad("dynamic section without a string table");
    auto str_off = to_offset(strtab);
    if (!str_off || !format::range_within(*str_off, strsz, img.size())) return bad("string table outside the file");
    const char* strings = reinterpret_cast<const char*>(img.data() + *str_off);
    auto get = [&](uint64_t o) -> std::optional<std::string> {
        if (o >= strsz) return std::nullopt;
        const void* end = std::memchr(strings + o, '\0', strsz - o);
        if (end == nullptr) return std::nullopt;
        return std::string(strings + o, static_cast<const char*>(end));
    };
    for (uint64_t o : needed) {
        auto s = get(o);
        if (!s) return bad("DT_NEEDED name outside the string table");
        deps.needed.push_back(std::move(*s));
    }
    for (const auto* list : {&rpath, &runpath})
        for (uint64_t o : *list) {
            auto s = get(o);
            if (!s) return bad("search path outside the string table");
            size_t start = 0;
            while (start <= s->size()) {
                size_t colon = s->find(':', start);
                if (colon == std::string::npos) colon = s->size();
                if (colon > start) deps.rpath.push_back(s->substr(start, colon - start));
                start = colon + 1;
            }
        }
    return deps;
}

}  // namespace

format::Result<ElfDeps> read_elf_deps(std::span<const unsigned char> img) {
    if (img.size() < EI_NIDENT || std::memcmp(img.data(), ELFMAG, SELFMAG) != 0) return bad("no ELF magic");
    if (img[EI_DATA] != ELFDATA2LSB) return bad("not little-endian");
    if (img[EI_CLASS] == ELFCLASS64) return parse<Elf64_Ehdr, Elf64_Phdr, Elf64_Dyn>(img);
    if (img[EI_CLASS] == ELFCLASS32) return parse<Elf32_Ehdr, Elf32_Phdr, Elf32_Dyn>(img);
    return bad("unknown ELF class");
}

bool needs_neighbours(const ElfDeps& deps) {
    for (const auto& r : deps.rpath)
        if (r.find("$ORIGIN") != std::string::npos || r.find("${ORIGIN}") != std::string::npos) return true;
    return false;
}

std::vector<std::string> origin_dirs(const ElfDeps& deps, std::string_view object_path) {
    std::vector<std::string> out;
    size_t slash = object_path.rfind('/');
    std::string base = slash == std::string_view::npos ? std::string() : std::string(object_path.substr(0, slash));
    for (const auto& r : deps.rpath) {
        std::string rest;
        if (r.rfind("$ORIGIN", 0) == 0) rest = r.substr(7);
        else if (r.rfind("${ORIGIN}", 0) == 0) rest = r.substr(9);
        else continue;
        std::vector<std::string> parts;
        bool escaped = false;
        auto push = [&](std::string_view comp) {
            if (comp.empty() || comp == ".") return;
            if (comp == "..") {
                if (parts.empty()) escaped = true;
                else parts.pop_back();
                return;
            }
            parts.emplace_back(comp);
        };
        for (std::string_view whole : {std::string_view(base), std::string_view(rest)}) {
            size_t start = 0;
            while (start <= whole.size()) {
                size_t s = whole.find('/', start);
                if (s == std::string_view::npos) s = whole.size();
                push(whole.substr(start, s - start));
                start = s + 1;
            }
        }
        if (escaped) continue;
        std::string dir;
        for (const auto& p : parts) dir += (dir.empty() ? "" : "/") + p;
        bool seen = false;
        for (const auto& o : out) seen |= o == dir;
        if (!seen) out.push_back(dir);
    }
    return out;
}

}  // namespace oxpack::elf
