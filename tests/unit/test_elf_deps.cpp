// elf/elf_deps: DT_NEEDED / RPATH / RUNPATH from real shared
// objects and from a synthetic one; hostile images give errors, not crashes.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <random>

#include "helpers.hpp"
#include "elf/elf_deps.hpp"

using namespace oxpack;
using namespace oxpack::elf;

namespace {

// A minimal ELF64 shared object: one PT_LOAD covering the file, a PT_DYNAMIC
// with DT_NEEDED, DT_RUNPATH, DT_STRTAB, DT_STRSZ.
std::vector<unsigned char> synthetic(const std::string& runpath) {
    std::string strtab = std::string("\0libhelper.so\0", 14) + runpath + '\0';
    const size_t phoff = sizeof(Elf64_Ehdr), dynoff = phoff + 2 * sizeof(Elf64_Phdr);
    const size_t ndyn = 5, stroff = dynoff + ndyn * sizeof(Elf64_Dyn), total = stroff + strtab.size();
    std::vector<unsigned char> img(total, 0);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_DYN;
    eh.e_phoff = phoff;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    std::memcpy(img.data(), &eh, sizeof eh);
    Elf64_Phdr load{}, dyn{};
    load.p_type = PT_LOAD;
    load.p_vaddr = 0x1000;
    load.p_offset = 0;
    load.p_filesz = total;
    dyn.p_type = PT_DYNAMIC;
    dyn.p_offset = dynoff;
    dyn.p_filesz = ndyn * sizeof(Elf64_Dyn);
    std::memcpy(img.data() + phoff, &load, sizeof load);
    std::memcpy(img.data() + phoff + sizeof load, &dyn, sizeof dyn);
    Elf64_Dyn d[ndyn] = {};
    d[0].d_tag = DT_NEEDED, d[0].d_un.d_val = 1;
    d[1].d_tag = DT_RUNPATH, d[1].d_un.d_val = 14;
    d[2].d_tag = DT_STRTAB, d[2].d_un.d_ptr = 0x1000 + stroff;
    d[3].d_tag = DT_STRSZ, d[3].d_un.d_val = strtab.size();
    d[4].d_tag = DT_NULL;
    std::memcpy(img.data() + dynoff, d, sizeof d);
    std::memcpy(img.data() + stroff, strtab.data(), strtab.size());
    return img;
}

}  // namespace

TEST_CASE("read_elf_deps: a synthetic object with $ORIGIN search paths") {
    auto img = synthetic("$ORIGIN/../pkg.libs:/usr/lib:${ORIGIN}");
    auto deps = read_elf_deps(img);
    REQUIRE(deps.ok());
    CHECK(deps->needed == std::vector<std::string>{"libhelper.so"});
    CHECK(deps->rpath == std::vector<std::string>{"$ORIGIN/../pkg.libs", "/usr/lib", "${ORIGIN}"});
    CHECK(needs_neighbours(*deps));
    CHECK(origin_dirs(*deps, "pkg/sub/_ext.so") == std::vector<std::string>{"pkg/pkg.libs", "pkg/sub"});
    CHECK(origin_dirs(*deps, "_top.so") == std::vector<std::string>{""});  // "$ORIGIN/.." escapes the root: dropped

    auto plain = read_elf_deps(synthetic("/opt/lib"));
    REQUIRE(plain.ok());
    CHECK_FALSE(needs_neighbours(*plain));
    CHECK(origin_dirs(*plain, "a/b.so").empty());
}

TEST_CASE("read_elf_deps: a real shared object of this system") {
    for (const char* path : {"/lib/x86_64-linux-gnu/libzstd.so.1", "/usr/lib/x86_64-linux-gnu/libzstd.so.1"}) {
        auto bytes = test::read_bytes(path);
        if (bytes.empty()) continue;
        auto deps = read_elf_deps(bytes);
        REQUIRE(deps.ok());
        CHECK(std::find(deps->needed.begin(), deps->needed.end(), "libc.so.6") != deps->needed.end());
        CHECK_FALSE(needs_neighbours(*deps));
        return;
    }
    FAIL("libzstd.so.1 not found: the runtime links it, so it must be installed");
}

TEST_CASE("read_elf_deps: loaded_size, the prefix dlopen() maps, loads on its own") {
    // A library this test binary does not link (dlopen() of a second copy
    // of a loaded soname would return the loaded one).
    struct Candidate {
        const char* path;
        const char* symbol;
    };
    for (Candidate c : {Candidate{"/usr/lib/x86_64-linux-gnu/libexpat.so.1", "XML_ExpatVersion"},
                        Candidate{"/usr/lib/x86_64-linux-gnu/libffi.so.8", "ffi_prep_cif"},
                        Candidate{"/usr/lib/x86_64-linux-gnu/libuuid.so.1", "uuid_generate"}}) {
        auto bytes = test::read_bytes(c.path);
        if (bytes.empty()) continue;
        auto deps = read_elf_deps(bytes);
        REQUIRE(deps.ok());
        CHECK(deps->loaded_size > 64);
        CHECK(deps->loaded_size < bytes.size());  // the section headers come after every segment
        test::TempDir dir;
        auto copy = dir / "prefix.so";
        test::write_bytes(copy, std::vector<unsigned char>(bytes.begin(), bytes.begin() + deps->loaded_size));
        void* h = ::dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
        REQUIRE_MESSAGE(h != nullptr, ::dlerror());
        CHECK(::dlsym(h, c.symbol) != nullptr);
        ::dlclose(h);
        return;
    }
    FAIL("none of libexpat.so.1, libffi.so.8, libuuid.so.1 found (python3 depends on the first two)");
}

TEST_CASE("read_elf_deps: hostile images are errors") {
    CHECK_FALSE(read_elf_deps(std::vector<unsigned char>{}).ok());
    CHECK_FALSE(read_elf_deps(std::vector<unsigned char>(64, 0)).ok());
    auto img = synthetic("$ORIGIN");
    for (size_t n = 0; n < img.size(); ++n) (void)read_elf_deps(std::span(img).first(n));  // every truncation
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; ++i) {
        auto copy = img;
        for (int k = 0; k < 3; ++k) copy[rng() % copy.size()] ^= static_cast<unsigned char>(1u << (rng() % 8));
        auto r = read_elf_deps(copy);
        if (r) {
            (void)needs_neighbours(*r);
            CHECK(r->loaded_size <= copy.size());
        }
    }
}
