// Entry assembly: per module, which of source / bytecode levels / extension
// go into the blob, then reading, compiling and writing.
#include "freeze/freezer.hpp"
#include "freeze/layout.hpp"

#include <zstd.h>

#include <atomic>
#include <chrono>
#include <map>

#include "core/error.hpp"
#include "format/writer.hpp"
#include "freeze/compiler.hpp"
#include "freeze/file_reader.hpp"

namespace oxpack::freeze {
namespace {

using format::Kind;
using format::Space;

int level_of(Kind k) { return k == Kind::Bytecode0 ? 0 : k == Kind::Bytecode1 ? 1 : k == Kind::Bytecode2 ? 2 : -1; }
Kind kind_of_level(int l) { return l == 0 ? Kind::Bytecode0 : l == 1 ? Kind::Bytecode1 : Kind::Bytecode2; }

}  // namespace

FreezeOutput freeze_scan(const scan::Interpreter& py, const scan::ScanResult& scan, const FreezeOptions& opt,
                         scan::Report& report) {
    FreezeOutput result;
    const auto& items = scan.items;

    // 1. Decide. Items are sorted by (space, key, kind): a module's group is contiguous.
    std::vector<size_t> keep;          // items stored as they are
    std::vector<size_t> source_of;     // modules to compile: their Source item
    std::vector<std::vector<int>> missing_levels;
    std::vector<bool> source_stored;   // parallel to source_of
    for (size_t i = 0; i < items.size();) {
        size_t j = i;
        while (j < items.size() && items[j].space == items[i].space && items[j].key == items[i].key) ++j;
        if (items[i].space != Space::Module) {
            for (size_t k = i; k < j; ++k)
                if (items[k].excluded.empty()) keep.push_back(k);
            i = j;
            continue;
        }
        std::optional<size_t> source;
        std::map<int, size_t> pyc;
        for (size_t k = i; k < j; ++k) {
            if (!items[k].excluded.empty()) continue;
            int l = level_of(items[k].kind);
            if (items[k].kind == Kind::Source) source = k;
            else if (l >= 0) pyc[l] = k;
            else keep.push_back(k);  // extension, namespace marker
        }
        if (!source) {
            // Sourceless (legacy NAME.pyc): its bytecode is all there is.
            for (auto& [l, k] : pyc) keep.push_back(k);
        } else {
            std::vector<int> missing;
            for (int l : opt.optimize) {
                if (auto it = pyc.find(l); it != pyc.end()) {
                    keep.push_back(it->second);
                    ++result.stats.bytecode_reused;
                } else {
                    missing.push_back(l);
                }
            }
            if (opt.keep_sources) keep.push_back(*source);
            if (!missing.empty() || opt.keep_sources) {
                if (!missing.empty()) {
                    source_of.push_back(*source);
                    missing_levels.push_back(std::move(missing));
                    source_stored.push_back(opt.keep_sources);
                }
            }
        }
        i = j;
    }

    // 2. Read: everything kept, plus the sources to compile that are not kept.
    std::vector<size_t> to_read;
    std::map<size_t, size_t> read_slot;  // item -> index in to_read
    for (size_t k : keep)
        if (items[k].kind != Kind::Namespace) {  // a marker: nothing to read
            read_slot[k] = to_read.size();
            to_read.push_back(k);
        }
    for (size_t s : source_of)
        if (!read_slot.count(s)) {
            read_slot[s] = to_read.size();
            to_read.push_back(s);
        }
    uint64_t total_bytes = 0;
    for (size_t k : to_read) total_bytes += items[k].size;
    using clock = std::chrono::steady_clock;
    auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
    auto t_read = clock::now();
    if (opt.progress) opt.progress->phase("reading", total_bytes, true);
    std::vector<std::string> data;
    std::vector<bool> ok;
    // Compress on the reading threads, while the bytes are in cache; one
    // zstd context per thread. Only what got smaller is kept compressed.
    std::vector<std::string> packed(to_read.size());
    const bool zstd = opt.compression == format::Compression::Zstd;
    auto compress = [&](size_t k, const std::string& raw) {
        if (!zstd || raw.size() < 64) return;
        struct Ctx {
            ZSTD_CCtx* c = ZSTD_createCCtx();
            std::vector<char> buf;
            ~Ctx() { ZSTD_freeCCtx(c); }
        };
        thread_local Ctx ctx;
        ZSTD_CCtx_setParameter(ctx.c, ZSTD_c_compressionLevel, opt.level);
        ZSTD_CCtx_setParameter(ctx.c, ZSTD_c_contentSizeFlag, 1);
        ZSTD_CCtx_setParameter(ctx.c, ZSTD_c_checksumFlag, 0);
        size_t bound = ZSTD_compressBound(raw.size());
        if (ctx.buf.size() < bound) ctx.buf.resize(bound);
        size_t n = ZSTD_compress2(ctx.c, ctx.buf.data(), ctx.buf.size(), raw.data(), raw.size());
        if (!ZSTD_isError(n) && n < raw.size()) packed[k].assign(ctx.buf.data(), n);
    };
    read_items(scan, to_read, data, ok, opt.threads, report, [&](uint64_t n) {
        if (opt.progress) opt.progress->advance(n);
    }, compress);
    for (size_t k = 0; k < to_read.size(); ++k)
        if (ok[k]) ++result.stats.files_read, result.stats.bytes_read += data[k].size();

    result.stats.read_seconds = secs(t_read);

    // 3. Compile what has no valid bytecode.
    auto t_compile = clock::now();
    std::vector<CompileJob> jobs;
    std::vector<std::pair<size_t, int>> job_of;  // (source item, level)
    for (size_t m = 0; m < source_of.size(); ++m) {
        size_t slot = read_slot.at(source_of[m]);
        if (!ok[slot]) continue;
        const scan::Item& it = items[source_of[m]];
        for (int l : missing_levels[m]) {
            jobs.push_back({scan.roots[it.root].path + "/" + it.path, &data[slot], l});
            job_of.emplace_back(source_of[m], l);
        }
    }
    if (opt.progress) opt.progress->phase("compiling", jobs.size());
    auto compiled = compile_all(py.executable, jobs, opt.threads, [&] {
        if (opt.progress) opt.progress->advance(1);
    });
    std::vector<std::string> errors;
    std::set<size_t> failed_sources;
    for (size_t k = 0; k < jobs.size(); ++k) {
        if (compiled[k].ok) {
            ++result.stats.bytecode_compiled;
            continue;
        }
        if (failed_sources.insert(job_of[k].first).second) {
            ++result.stats.compile_errors;
            errors.push_back(compiled[k].error);
            report.problem(scan::item_location(scan, items[job_of[k].first]),
                           "does not compile: " + compiled[k].error +
                               (opt.strict ? "" : "; stored without bytecode (importing it raises the same error)"));
        }
    }
    result.stats.compile_seconds = secs(t_compile);
    if (opt.strict && !errors.empty())
        throw Failure(Exit::BadInput, std::to_string(errors.size()) + " source file(s) do not compile (--strict): " +
                                          errors.front());

    // 4. Entries.
    std::vector<format::InputEntry> entries;
    entries.reserve(keep.size() + jobs.size());
    auto base_entry = [&](const scan::Item& it) {
        format::InputEntry e;
        e.space = it.space;
        e.kind = it.kind;
        e.flags = it.flags;
        e.root = it.root;
        e.key = it.key;
        e.path = it.path;
        return e;
    };
    for (size_t k : keep) {
        if (items[k].kind == Kind::Namespace) {
            entries.push_back(base_entry(items[k]));
            continue;
        }
        size_t slot = read_slot.at(k);
        if (!ok[slot]) continue;
        format::InputEntry e = base_entry(items[k]);
        e.data = std::move(data[slot]);
        e.precompressed = std::move(packed[slot]);
        entries.push_back(std::move(e));
    }
    for (size_t k = 0; k < jobs.size(); ++k) {
        const auto& [src, level] = job_of[k];
        if (compiled[k].ok) {
            format::InputEntry e = base_entry(items[src]);
            e.kind = kind_of_level(level);
            e.data = std::move(compiled[k].pyc);
            entries.push_back(std::move(e));
        } else if (!opt.keep_sources && failed_sources.count(src) && failed_sources.erase(src)) {
            // Sources dropped, no bytecode: keep the source so the import fails as it would.
            format::InputEntry e = base_entry(items[src]);
            e.data = std::move(data[read_slot.at(src)]);
            entries.push_back(std::move(e));
        }
    }

    // 5. The blob; payloads laid out by layout.hpp.
    std::vector<std::string> root_paths;
    for (const auto& r : scan.roots) root_paths.push_back(r.path);
    result.stats.profiled_entries = order_payloads(entries, root_paths, opt.profile, opt.origin).profiled_entries;
    auto t_build = clock::now();
    format::BlobInfo info;
    info.target = py.target;
    info.oxpack_version = OXPACK_VERSION;
    info.created = opt.created;
    info.origin = opt.origin;
    for (const auto& r : scan.roots) info.roots.push_back({r.path, r.mtime_ns, r.size, r.type});
    format::WriteOptions wo;
    wo.compression = opt.compression;
    wo.level = opt.level;
    wo.threads = opt.threads;
    uint64_t raw_total = 0;
    for (const auto& e : entries) raw_total += e.data.size();
    if (opt.progress) opt.progress->phase(opt.compression == format::Compression::None ? "writing" : "compressing",
                                          raw_total, true);
    if (opt.progress) wo.progress = [&](uint64_t d, uint64_t) { opt.progress->update(d); };
    result.stats.entries = entries.size();
    result.bytes = unwrap(format::build_blob(info, std::move(entries), wo), Exit::BadInput);
    result.stats.blob_bytes = result.bytes.size();
    result.stats.build_seconds = secs(t_build);
    if (opt.progress) opt.progress->done();
    return result;
}

}  // namespace oxpack::freeze
