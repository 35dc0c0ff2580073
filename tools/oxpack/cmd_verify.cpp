// oxpack verify: the whole-file check. Exit 0 only if every checksum holds.
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"

namespace oxpack::cli {

Action setup_verify(CLI::App& app) {
    struct Opts {
        std::string blob;
        bool json = false;
        bool quiet = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to check")->required();
    app.add_flag("--json", o->json, "Machine-readable result");
    app.add_flag("-q,--quiet", o->quiet, "No output; the exit code tells");
    return [o] {
        std::vector<format::Error> problems;
        uint32_t entries = 0;
        uint64_t size = 0;
        auto opened = format::Blob::open(o->blob);
        if (!opened) {
            // Damage is a failed check (1); a file that is missing, not a blob
            // at all, or of a version this reader does not know cannot be
            // checked: bad input (3).
            if (opened.error().code != format::ErrorCode::Corrupt) throw Failure(Exit::BadInput, opened.error().message);
            problems.push_back(opened.error());
        } else {
            opened->advise_sequential();
            entries = opened->entry_count();
            size = opened->header().file_size;
            problems = opened->verify();
        }
        if (o->json) {
            nlohmann::json p = nlohmann::json::array();
            for (const auto& e : problems) p.push_back(e.message);
            print_json({{"file", o->blob}, {"ok", problems.empty()}, {"entries", entries}, {"bytes", size}, {"problems", p}});
        } else if (!o->quiet) {
            for (const auto& e : problems) std::cerr << "oxpack: verify: " << e.message << "\n";
            if (problems.empty())
                std::cout << o->blob << ": OK (" << entries << " entries, " << size << " bytes)\n";
            else
                std::cout << o->blob << ": FAILED (" << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
                          << ")\n";
        }
        return problems.empty() ? 0 : static_cast<int>(Exit::CheckFailed);
    };
}

}  // namespace oxpack::cli
