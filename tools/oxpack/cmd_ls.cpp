// oxpack ls: one line per entry, in the blob's ordered view.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "output.hpp"

namespace oxpack::cli {

Action setup_ls(CLI::App& app) {
    struct Opts {
        std::string blob;
        bool json = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to list")->required();
    app.add_flag("--json", o->json, "One JSON array of entry objects");
    return [o] {
        auto blob = open_blob(o->blob);
        const uint32_t n = blob.entry_count();
        if (o->json) {
            // Streamed: a blob may hold tens of thousands of entries.
            std::cout << "[";
            for (uint32_t i = 0; i < n; ++i) {
                std::cout << (i ? ",\n " : "\n ")
                          << entry_json(entry_at(blob, i)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            }
            std::cout << (n ? "\n]\n" : "]\n");
            return 0;
        }
        std::string line;
        for (uint32_t i = 0; i < n; ++i) {
            auto e = entry_at(blob, i);
            char sizes[64];
            std::snprintf(sizes, sizeof sizes, "%10llu %10llu", static_cast<unsigned long long>(e.stored_size),
                          static_cast<unsigned long long>(e.raw_size));
            line = kind_name(e.kind);
            line.resize(std::max<size_t>(line.size(), 14), ' ');
            line += sizes;
            line += e.compression ? "  zstd  " : "  -     ";
            line += e.key;
            if (e.is_package()) line += e.is_namespace() ? "  [namespace]" : "  [package]";
            line += '\n';
            std::cout << line;
        }
        return 0;
    };
}

}  // namespace oxpack::cli
