// oxpack diff: what changed between two blobs, for build pipelines
// (exit 1 when they differ, as diff(1) does).
#include <iostream>

#include "commands.hpp"
#include "util/error.hpp"
#include "freeze/blob_diff.hpp"
#include "output.hpp"

namespace oxpack::cli {

Action setup_diff(CLI::App& app) {
    struct Opts {
        std::string a, b;
        bool json = false;
        bool quiet = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("A", o->a, "The old blob")->required();
    app.add_option("B", o->b, "The new blob")->required();
    app.add_flag("--json", o->json, "Machine-readable: {\"differ\", \"target\", \"added\", \"removed\", \"changed\"}");
    app.add_flag("-q,--quiet", o->quiet, "No output; the exit code tells");
    return [o] {
        auto a = open_blob(o->a);
        auto b = open_blob(o->b);
        freeze::BlobDiff d = freeze::diff_blobs(a, b);
        if (o->json) {
            nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(),
                           changed = nlohmann::json::array();
            for (const auto& l : d.entries) {
                nlohmann::json j = {{"space", l.space}, {"key", l.key}, {"kind", l.kind}};
                if (l.change == '+') added.push_back(j);
                else if (l.change == '-') removed.push_back(j);
                else j["what"] = l.detail, changed.push_back(j);
            }
            print_json({{"a", o->a}, {"b", o->b}, {"differ", d.differ()}, {"target", d.target}, {"added", added},
                        {"removed", removed}, {"changed", changed}});
        } else if (!o->quiet) {
            for (const auto& t : d.target) std::cout << "! target " << t << "\n";
            size_t add = 0, rem = 0, chg = 0;
            for (const auto& l : d.entries) {
                std::cout << l.change << " " << l.space << " " << l.key << " (" << l.kind << ")";
                if (!l.detail.empty()) std::cout << ": " << l.detail;
                std::cout << "\n";
                (l.change == '+' ? add : l.change == '-' ? rem : chg)++;
            }
            if (d.differ())
                std::cout << add << " added, " << rem << " removed, " << chg << " changed\n";
        }
        return d.differ() ? static_cast<int>(Exit::CheckFailed) : 0;
    };
}

}  // namespace oxpack::cli
