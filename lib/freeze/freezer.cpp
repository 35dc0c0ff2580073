// Entry assembly: per module, which of source / bytecode levels / extension
// go into the blob, then reading, compiling and writing.
#include "freeze/freezer.hpp"
#include "freeze/payload_order.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "util/error.hpp"
#include "format/kinds.hpp"
#include "format/writer.hpp"
#include "freeze/compiler.hpp"
#include "freeze/file_reader.hpp"
#include "freeze/frame_arena.hpp"
#include "freeze/needed_libraries.hpp"

namespace oxpack::freeze {
namespace {

using format::Kind;
using format::Space;

// Paths of the target's installation that its own code probes and that do
// not exist, recorded when the blob holds the stdlib (format 1.4's Absent
// record): gettext looks for catalogs under <base_prefix>/share/locale on
// every gettext() call that finds none (argparse's and optparse's messages),
// four stats each; a runtime serving files answers them from the record.
std::vector<std::string> absent_installation_paths(const scan::Interpreter& py, const scan::ScanResult& scan) {
    std::vector<std::string> out;
    bool has_stdlib = std::any_of(scan.roots.begin(), scan.roots.end(), [](const auto& r) { return r.stdlib; });
    if (!has_stdlib || py.base_prefix.empty() || py.base_prefix[0] != '/') return out;
    std::string locale = py.base_prefix + (py.base_prefix.back() == '/' ? "" : "/") + "share/locale";
    std::error_code ec;
    if (std::filesystem::symlink_status(locale, ec).type() == std::filesystem::file_type::not_found)
        out.push_back(locale);
    return out;
}

}  // namespace

FreezeOutput freeze_scan(const scan::Interpreter& py, const scan::ScanResult& scan, const FreezeOptions& opt,
                         scan::Report& report) {
    FreezeOutput result;
    const auto& items = scan.items;

    using clock = std::chrono::steady_clock;
    auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
    auto t_read = clock::now();

    // 1. Decide. Items are sorted by (space, key, kind): a module's group is
    // contiguous, and what is kept stays in that order (so are the entries).
    std::vector<size_t> keep;          // items stored as they are
    std::vector<size_t> source_of;     // modules to compile: their Source item
    std::vector<std::vector<int>> missing_levels;
    for (size_t i = 0; i < items.size();) {
        size_t j = i;
        while (j < items.size() && items[j].space == items[i].space && items[j].key == items[i].key) ++j;
        std::optional<size_t> source;
        std::array<bool, 3> has_level{};
        for (size_t k = i; k < j; ++k) {
            if (!items[k].excluded.empty() || items[k].space != Space::Module) continue;
            if (items[k].kind == Kind::Source) source = k;
            else if (int l = format::bytecode_level(items[k].kind); l >= 0) has_level[static_cast<size_t>(l)] = true;
        }
        for (size_t k = i; k < j; ++k) {
            if (!items[k].excluded.empty()) continue;
            const int l = format::bytecode_level(items[k].kind);
            if (items[k].space != Space::Module) {
                keep.push_back(k);
            } else if (items[k].kind == Kind::Source) {
                if (opt.keep_sources) keep.push_back(k);
            } else if (l < 0) {
                keep.push_back(k);  // extension, namespace marker
            } else if (!source) {
                keep.push_back(k);  // sourceless (legacy NAME.pyc): its bytecode is all there is
            } else if (opt.optimize.count(l)) {
                keep.push_back(k);
                ++result.stats.bytecode_reused;
            }
        }
        if (source) {
            std::vector<int> missing;
            for (int l : opt.optimize)
                if (!has_level[static_cast<size_t>(l)]) missing.push_back(l);
            if (!missing.empty()) {
                source_of.push_back(*source);
                missing_levels.push_back(std::move(missing));
            }
        }
        i = j;
    }

    // 2. Read: everything kept, plus the sources to compile that are not kept.
    constexpr size_t kUnread = SIZE_MAX;
    std::vector<size_t> to_read;
    std::vector<size_t> read_slot(items.size(), kUnread);  // item -> index in to_read
    for (size_t k : keep)
        if (items[k].kind != Kind::Namespace) {  // a marker: nothing to read
            read_slot[k] = to_read.size();
            to_read.push_back(k);
        }
    for (size_t s : source_of)
        if (read_slot[s] == kUnread) {
            read_slot[s] = to_read.size();
            to_read.push_back(s);
        }
    uint64_t total_bytes = 0;
    for (size_t k : to_read) total_bytes += items[k].size;
    if (opt.progress) opt.progress->phase("reading", total_bytes, true);
    // Compress on the reading threads, from the read buffer while it is in
    // cache, exactly as the writer would; keep only the frame (in the
    // arena) and a digest for dedup when it is smaller. Raw bytes are kept
    // when stored as they are, and for the sources the compiler needs.
    std::vector<std::string> data(to_read.size());
    std::vector<std::string_view> frame(to_read.size());
    std::vector<format::RawDigest> digest(to_read.size());
    std::vector<char> needs_raw(to_read.size(), 0);
    for (size_t s : source_of) needs_raw[read_slot[s]] = 1;
    format::WriteOptions wo;
    wo.compression = opt.compression;
    wo.level = opt.level;
    wo.threads = opt.threads;
    result.frames = std::make_unique<FrameArena>();
    std::string compress_error;
    std::mutex compress_error_mutex;
    auto make_consumer = [&]() -> ItemConsumer {
        struct State {
            State(const format::WriteOptions& o, FrameArena& a) : compressor(o), cursor(a) {}
            format::PayloadCompressor compressor;
            FrameArena::Cursor cursor;
        };
        auto st = std::make_shared<State>(wo, *result.frames);
        return [&, st](size_t k, std::string_view bytes) {
            size_t room = st->compressor.max_frame_size(bytes.size());
            auto packed = st->compressor.compress_to(bytes, room ? st->cursor.reserve(room) : nullptr, room);
            if (!packed) {
                std::lock_guard lock(compress_error_mutex);
                compress_error = scan::item_location(scan, items[to_read[k]]) + ": " + packed.error().message;
                return;
            }
            if (*packed > 0) {
                frame[k] = st->cursor.commit(*packed);
                digest[k] = format::raw_digest(bytes);
            }
            if (*packed == 0 || needs_raw[k]) data[k].assign(bytes);
            if (opt.progress) opt.progress->advance(bytes.size());
        };
    };
    std::vector<bool> ok = read_items(scan, to_read, opt.threads, report, make_consumer);
    if (!compress_error.empty()) throw Failure(Exit::Internal, compress_error);
    // A wheel is installed whole or not at all (pip refuses a damaged one):
    // one of its members that could not be read (a CRC error) leaves the
    // whole wheel out, as scan_environment does when it checks members.
    std::vector<char> wheel_dropped(scan.roots.size(), 0);
    for (size_t k = 0; k < to_read.size(); ++k) {
        const uint16_t root = items[to_read[k]].root;
        if (!ok[k] && scan.roots[root].type == format::RootType::Wheel && !wheel_dropped[root]) {
            wheel_dropped[root] = 1;
            report.problem(scan.roots[root].path, "a member could not be read (see its warning); the wheel is not packed");
        }
    }
    for (size_t k = 0; k < to_read.size(); ++k)
        if (wheel_dropped[items[to_read[k]].root]) ok[k] = false;
    auto dropped = [&](size_t item) { return wheel_dropped[items[item].root] != 0; };

    for (size_t k = 0; k < to_read.size(); ++k) {
        if (!ok[k]) continue;
        const uint64_t n = frame[k].empty() ? data[k].size() : digest[k].size;
        ++result.stats.files_read, result.stats.bytes_read += n;
        if (n > result.stats.largest_file_bytes || result.stats.largest_file.empty()) {
            result.stats.largest_file_bytes = n;
            result.stats.largest_file = scan::item_location(scan, items[to_read[k]]);
        }
    }

    result.stats.read_seconds = secs(t_read);

    // 3. Compile what has no valid bytecode.
    auto t_compile = clock::now();
    std::vector<CompileJob> jobs;
    std::vector<std::pair<size_t, int>> job_of;  // (source item, level)
    for (size_t m = 0; m < source_of.size(); ++m) {
        size_t slot = read_slot[source_of[m]];
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
    auto t_build = clock::now();
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
            if (!dropped(k)) entries.push_back(base_entry(items[k]));
            continue;
        }
        size_t slot = read_slot[k];
        if (!ok[slot]) continue;
        format::InputEntry e = base_entry(items[k]);
        e.data = std::move(data[slot]);
        if (!frame[slot].empty()) e.precompressed = format::PayloadBytes::borrow(frame[slot]);
        if (e.data.empty() && !e.precompressed.empty()) e.raw = digest[slot];
        entries.push_back(std::move(e));
    }
    for (size_t k = 0; k < jobs.size(); ++k) {
        const auto& [src, level] = job_of[k];
        if (compiled[k].ok) {
            format::InputEntry e = base_entry(items[src]);
            e.kind = format::bytecode_kind(level);
            e.data = std::move(compiled[k].pyc);
            entries.push_back(std::move(e));
        } else if (!opt.keep_sources && failed_sources.count(src) && failed_sources.erase(src)) {
            // Sources dropped, no bytecode: keep the source so the import fails as it would.
            format::InputEntry e = base_entry(items[src]);
            e.data = std::move(data[read_slot[src]]);
            entries.push_back(std::move(e));
        }
    }

    // 5. The blob; payloads laid out by payload_order.hpp.
    std::vector<std::string> root_paths;
    for (const auto& r : scan.roots) root_paths.push_back(r.path);
    result.stats.profiled_entries = order_payloads(entries, root_paths, opt.profile, opt.origin).profiled_entries;
    format::BlobInfo info;
    info.target = py.target;
    info.oxpack_version = OXPACK_VERSION;
    info.created = opt.created;
    info.origin = opt.origin;
    for (const auto& r : scan.roots) info.roots.push_back({r.path, r.mtime_ns, r.size, r.type});
    info.materialize = opt.materialize;
    info.lazy = opt.lazy;
    info.absent = absent_installation_paths(py, scan);
    // Format 1.5's SharedLibraries record: what each extension module on
    // disk needs, as the dynamic loader resolves it here.
    std::vector<ExtensionFile> extension_files;
    for (const auto& e : entries)
        if (e.kind == Kind::Extension && e.root < scan.roots.size() &&
            scan.roots[e.root].type == format::RootType::Directory)
            extension_files.push_back({e.key, scan.roots[e.root].path + "/" + e.path});
    NeededLibraries needed = resolve_needed_libraries(extension_files, root_paths, py.sys_executable, opt.threads);
    if (!needed.table.empty()) info.shared_libraries = format::encode_shared_libraries(needed.table);
    result.stats.preload_modules = needed.table.modules.size();
    result.stats.preload_libraries = needed.table.libraries.size();
    uint64_t raw_total = 0;
    for (const auto& e : entries) raw_total += e.raw ? e.raw->size : e.data.size();
    if (opt.progress) opt.progress->phase(opt.compression == format::Compression::None ? "writing" : "compressing",
                                          raw_total, true);
    if (opt.progress) wo.progress = [&](uint64_t d, uint64_t) { opt.progress->update(d); };
    result.stats.entries = entries.size();
    result.image = unwrap(format::assemble_blob(info, std::move(entries), wo), Exit::BadInput);
    result.stats.blob_bytes = result.image.size();
    result.stats.build_seconds = secs(t_build);
    if (opt.progress) opt.progress->done();
    return result;
}

}  // namespace oxpack::freeze
