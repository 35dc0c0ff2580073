// oxpack freeze: pack the files under directories into one blob.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "format/writer.hpp"
#include "output.hpp"
#include "scan/interpreter.hpp"
#include "scan/name_classifier.hpp"

namespace oxpack::cli {
namespace fs = std::filesystem;
namespace {

struct CompressSpec {
    format::Compression compression = format::Compression::None;
    int level = 3;
};

CompressSpec parse_compress(const std::string& s) {
    if (s == "none") return {};
    if (s == "zstd") return {format::Compression::Zstd, 3};
    if (s.rfind("zstd:", 0) == 0) {
        try {
            size_t used = 0;
            int level = std::stoi(s.substr(5), &used);
            if (used == s.size() - 5 && level >= 1 && level <= 22) return {format::Compression::Zstd, level};
        } catch (const std::exception&) {
        }
    }
    throw Failure(Exit::Usage, "--compress: '" + s + "' is not none, zstd or zstd:LEVEL (1-22)");
}

std::optional<uint64_t> source_date_epoch() {
    const char* v = std::getenv("SOURCE_DATE_EPOCH");
    if (v == nullptr || *v == '\0') return std::nullopt;
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (*end != '\0') throw Failure(Exit::Usage, std::string("SOURCE_DATE_EPOCH='") + v + "' is not a number of seconds");
    return n;
}

}  // namespace

Action setup_freeze(CLI::App& app) {
    struct Opts {
        std::vector<std::string> dirs;
        std::string out;
        std::string python = "python3";
        std::string compress = "none";
        std::string origin = "original";
        bool json = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("DIR", o->dirs, "Directories to pack (each becomes a root)")->required();
    app.add_option("-o,--output", o->out, "The blob to write (atomically)")->required();
    app.add_option("--python", o->python, "Target interpreter (default: python3 on PATH)");
    app.add_option("--compress", o->compress, "none, zstd or zstd:LEVEL (default: none)");
    app.add_option("--origin", o->origin, "Default __file__ mode at run time: original or blob")
        ->check(CLI::IsMember({"original", "blob"}));
    app.add_flag("--json", o->json, "Print a JSON summary");
    return [o] {
        auto spec = parse_compress(o->compress);
        auto created = source_date_epoch();
        scan::Interpreter py = scan::probe_interpreter(o->python);
        spdlog::info("target: {}", py.describe());

        format::BlobInfo info;
        info.target = py.target;
        info.oxpack_version = OXPACK_VERSION;
        info.created = created;
        info.origin = o->origin == "blob" ? format::OriginMode::Blob : format::OriginMode::Original;

        std::vector<format::InputEntry> entries;
        scan::NameScanReport report;
        for (const auto& dir : o->dirs) {
            // A missing input is bad input (3), not a usage error: checked here, not by the parser.
            std::error_code ec;
            if (!fs::is_directory(dir, ec)) throw Failure(Exit::BadInput, dir + ": not a directory (or missing)");
        }
        for (const auto& dir : o->dirs) {
            std::string abs = fs::absolute(dir).lexically_normal().string();
            if (abs.size() > 1 && abs.back() == '/') abs.pop_back();
            struct stat st;
            if (::stat(abs.c_str(), &st) != 0) throw Failure(Exit::BadInput, abs + ": cannot stat");
            if (info.roots.size() >= format::kNoRoot) throw Failure(Exit::Usage, "too many roots");
            info.roots.push_back({abs, static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec,
                                  static_cast<uint64_t>(st.st_size), format::RootType::Directory});
            scan::classify_by_name(abs, static_cast<uint16_t>(info.roots.size() - 1), py.target, entries, report);
        }
        for (const auto& p : report.problems) spdlog::warn("{}", p);

        format::WriteOptions wo;
        wo.compression = spec.compression;
        wo.level = spec.level;
        size_t count = entries.size();
        auto bytes = unwrap(format::build_blob(info, std::move(entries), wo), Exit::BadInput);
        core::write_file_atomic(o->out, bytes);
        if (o->json)
            print_json({{"output", o->out}, {"entries", count}, {"bytes", bytes.size()}, {"skipped", report.problems.size()}});
        else
            spdlog::info("{}: {} entries, {} bytes", o->out, count, bytes.size());
        return report.problems.empty() ? 0 : static_cast<int>(Exit::Partial);
    };
}

}  // namespace oxpack::cli
