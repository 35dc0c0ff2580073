// oxpack report: one self-contained HTML page about a blob (blob_tree.hpp
// computes it; report/ holds the page's HTML, CSS and JS, compiled in).
#include <iostream>

#include "blob_tree.hpp"
#include "commands.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "output.hpp"
#include "report_assets.hpp"

namespace oxpack::cli {
namespace {

std::string_view asset(const unsigned char* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

// JSON inside <script type="application/json">: '<' written as \u003c, so no
// "</script>" (or "<!--") in a name can end the element early.
std::string script_json(const nlohmann::json& j) {
    std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        if (ch == '<') out += "\\u003c";
        else out += ch;
    }
    return out;
}

nlohmann::json item_json(const TreeItem& t) {
    return {{"index", t.index}, {"space", t.space}, {"kind", t.kind},   {"key", t.key},   {"path", t.path},
            {"root", t.root},   {"stored", t.stored}, {"raw", t.raw}, {"offset", t.offset}};
}

// Replaces the first "@NAME@" in `page`.
void fill(std::string& page, const std::string& marker, std::string_view value) {
    size_t at = page.find(marker);
    if (at == std::string::npos) throw Failure(Exit::Internal, "report template: no " + marker);
    page.replace(at, marker.size(), value);
}

}  // namespace

Action setup_report(CLI::App& app) {
    struct Opts {
        std::string blob, out;
        size_t top = 50;
        size_t order = 200;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to describe")->required();
    app.add_option("-o,--output", o->out, "The HTML file to write (atomically; '-' for standard output)")
        ->required()
        ->type_name("FILE");
    app.add_option("--top", o->top, "How many of the largest entries and identical-payload groups to list (default 50)");
    app.add_option("--order", o->order, "How many payloads of the file order to list (default 200)");
    return [o] {
        auto blob = open_blob(o->blob);
        auto info = unwrap(blob.info(), Exit::BadInput);
        if (o->out != "-") util::resolve_output_path(o->out);  // refuse a device or directory before the work
        BlobAnalysis a = analyse_blob(blob, o->blob, o->top, o->order);

        nlohmann::json largest = nlohmann::json::array(), shared = nlohmann::json::array(),
                       order = nlohmann::json::array();
        for (const auto& t : a.largest) largest.push_back(item_json(t));
        for (const auto& g : a.shared) {
            nlohmann::json entries = nlohmann::json::array();
            for (const auto& t : g.entries) entries.push_back({{"key", t.key}, {"kind", t.kind}});
            shared.push_back({{"stored", g.stored}, {"raw", g.raw}, {"refs", g.refs}, {"copies", g.copies},
                              {"checksum", hex64(g.checksum)}, {"entries", entries}});
        }
        for (const auto& t : a.payload_order) order.push_back(item_json(t));
        const auto& h = blob.header();
        nlohmann::json data = {
            {"file", o->blob},
            {"file_size", a.file_size},
            {"entries", a.entry_count},
            {"index_bytes", a.index_bytes},
            {"payload_bytes", a.payload_bytes},
            {"payload_count", a.payload_count},
            {"padding", a.padding},
            {"format_version", std::to_string(h.version_major) + "." + std::to_string(h.version_minor)},
            {"oxpack_version", info.oxpack_version},
            {"origin", info.origin == format::OriginMode::Blob ? "blob" : "original"},
            {"target",
             {{"implementation", info.target.implementation},
              {"python_version", info.target.python_version},
              {"cache_tag", info.target.cache_tag}}},
            {"tree", tree_json(a.tree, a.file_size)},
            {"largest", largest},
            {"shared", shared},
            {"order",
             {{"count", a.payload_count}, {"out_of_default_order", a.out_of_default_order}, {"items", order}}},
        };

        std::string page(asset(assets::kReportHtml, assets::kReportHtml_size));
        const std::string generator = std::string("oxpack ") + OXPACK_VERSION + " report";
        fill(page, "@GENERATOR@", html_escape(generator));
        fill(page, "@TITLE@", html_escape(o->blob));
        fill(page, "@TITLE@", html_escape(o->blob));
        fill(page, "@CSS@", asset(assets::kReportCss, assets::kReportCss_size));
        fill(page, "@GENERATOR@", html_escape(generator));
        // Data and script last: neither may be searched for markers after insertion.
        size_t data_at = page.find("@DATA@"), js_at = page.find("@JS@");
        if (data_at == std::string::npos || js_at == std::string::npos || js_at < data_at)
            throw Failure(Exit::Internal, "report template: @DATA@ must come before @JS@");
        page.replace(js_at, 4, asset(assets::kReportJs, assets::kReportJs_size));
        page.replace(data_at, 6, script_json(data));

        std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(page.data()), page.size());
        if (o->out == "-") {
            std::span<const unsigned char> pieces[] = {bytes};
            util::write_all_fd(1, pieces, "standard output");
        } else {
            util::write_file_atomic(o->out, bytes);
            if (!quiet())
                std::cerr << "oxpack: " << o->out << ": report of " << a.entry_count << " entries, "
                          << human_bytes(a.file_size) << "\n";
        }
        return 0;
    };
}

}  // namespace oxpack::cli
