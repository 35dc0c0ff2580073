#include "cli_doc.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "commands.hpp"

namespace oxpack::cli {

const char* const kProgramSummary = "freeze Python environments into one indexed blob, and inspect it";
const char* const kProgramDescription =
    "oxpack moves the work of Python's import system from start-up to build time. It walks an environment "
    "once as the target interpreter would import it, classifies every file, and writes one versioned, "
    "indexed, checksummed blob (.oxr). The oxpack_runtime extension then serves imports, resources and "
    "metadata from that blob with one mmap and O(1) lookups: no filesystem probing at start-up.";

const std::vector<DocPair>& exit_codes() {
    static const std::vector<DocPair> codes = {
        {"0", "success"},
        {"1", "check failed (verify found damage, diff found differences)"},
        {"2", "usage error"},
        {"3", "bad input (missing, unreadable or invalid file)"},
        {"4", "I/O error writing output"},
        {"5", "finished, but some inputs were skipped (see the warnings)"},
        {"70", "internal error"},
    };
    return codes;
}

const std::vector<DocPair>& environment() {
    static const std::vector<DocPair> env = {
        {"NO_COLOR", "When set and not empty, no colour on stderr unless --color=always says otherwise."},
        {"SOURCE_DATE_EPOCH", "freeze records this time instead of none: the same inputs give the same bytes."},
        {"OXPACK_RUNTIME_DIR", "Where run and hook look first for the oxpack_runtime built for an interpreter "
                               "(<dir>/<cache_tag>/ or <dir>/)."},
        {"OXPACK_BLOB", "For an environment with the hook installed: the blobs (':'-separated) every python "
                        "there serves imports from. OXPACK_ORIGIN, OXPACK_STALE and OXPACK_VERIFY apply."},
        {"OXPACK_CACHE_DIR", "Where the runtime keeps extension modules it must write out (default "
                             "$XDG_CACHE_HOME/oxpack or ~/.cache/oxpack)."},
    };
    return env;
}

std::string wrap(const std::string& text, size_t indent, size_t width) {
    std::string out, line;
    const std::string pad(indent, ' ');
    std::istringstream paragraphs(text);
    std::string para;
    bool first_para = true;
    while (std::getline(paragraphs, para)) {  // '\n' keeps a line break
        if (!first_para) out += "\n";
        first_para = false;
        std::istringstream words(para);
        std::string word;
        line.clear();
        while (words >> word) {
            if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
                out += pad + line + "\n";
                line.clear();
            }
            line += (line.empty() ? "" : " ") + word;
        }
        out += pad + line;
    }
    return out + "\n";
}

namespace {

const Command* table_row(const std::string& name) {
    for (const auto& c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

// "TEXT:{a,b,c}" -> {a, b, c}: the choices an IsMember check put in the type name.
std::vector<std::string> choices_of(const std::string& type_name) {
    std::vector<std::string> out;
    auto open = type_name.find('{');
    auto close = type_name.find('}', open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) return out;
    std::string list = type_name.substr(open + 1, close - open - 1);
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) out.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

bool generic_type(const std::string& t) {
    static const char* const generic[] = {"TEXT", "INT", "UINT", "FLOAT", "NUMBER", "ENUM", "BOOLEAN", "FLOAT:POSITIVE",
                                          "UINT:POSITIVE", "INT:POSITIVE", "FLOAT:NONNEGATIVE"};
    return std::find(std::begin(generic), std::end(generic), t) != std::end(generic) || t.empty();
}

DocOption describe_option(const CLI::Option* o) {
    DocOption d;
    d.positional = !o->nonpositional();
    d.required = o->get_required();
    d.help = o->get_description();
    for (const auto& s : o->get_snames()) d.names.push_back("-" + s);
    for (const auto& l : o->get_lnames()) d.names.push_back("--" + l);
    const bool flag = o->get_type_size_max() == 0 || o->get_expected_max() == 0;
    d.repeatable = o->get_expected_max() > 1 && !flag;
    if (flag) return d;
    std::string type = o->get_type_name();
    d.choices = choices_of(type);
    if (d.positional) {
        d.value = o->get_name(true, false);
    } else if (!d.choices.empty()) {
        std::string joined;
        for (const auto& c : d.choices) joined += (joined.empty() ? "" : "|") + c;
        d.value = "{" + joined + "}";
    } else if (!generic_type(type)) {
        d.value = type;  // an explicit type_name(): FILE, DIR, CMD...
    } else {
        std::string n = o->get_lnames().empty() ? o->get_name() : o->get_lnames().front();
        for (auto& ch : n) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        d.value = n;
    }
    static const char* const file_values[] = {"FILE", "DIR", "PATH", "PYTHON", "OUTPUT", "BLOB", "SITE", "A", "B"};
    d.takes_file = d.choices.empty() &&
                   std::find(std::begin(file_values), std::end(file_values), d.value) != std::end(file_values);
    if (d.positional && d.choices.empty()) d.takes_file = true;
    return d;
}

}  // namespace

DocCommand describe_command(const CLI::App& app, bool top_level) {
    DocCommand c;
    if (!top_level) {
        c.name = app.get_name();
        if (const Command* row = table_row(c.name)) {
            c.summary = row->summary;
            c.description = row->description;
            c.examples = row->example;
        }
    } else {
        c.summary = kProgramSummary;
        c.description = kProgramDescription;
        for (const auto& cmd : commands()) {
            std::string first(cmd.example);
            c.examples += first.substr(0, first.find('\n')) + "\n";
        }
    }
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_lnames() == std::vector<std::string>{"help"}) continue;
        DocOption d = describe_option(o);
        (d.positional ? c.positionals : c.options).push_back(std::move(d));
    }
    // Required options first (they belong in the synopsis), the rest as declared.
    std::stable_partition(c.options.begin(), c.options.end(), [](const DocOption& d) { return d.required; });
    c.synopsis = "oxpack" + (c.name.empty() ? std::string() : " " + c.name) + " [OPTIONS]";
    for (const auto& o : c.options)
        if (o.required) c.synopsis += " " + o.names.front() + " " + o.value;
    if (top_level) c.synopsis += " COMMAND [ARGS...]";
    for (const auto& p : c.positionals) {
        std::string v = p.value + (p.repeatable ? "..." : "");
        c.synopsis += " " + (p.required ? v : "[" + v + "]");
    }
    if (c.name == "run") c.synopsis += " -m MODULE|-c CODE|SCRIPT [ARGS...]";
    return c;
}

DocProgram describe(const CLI::App& root) {
    DocProgram p;
    p.top = describe_command(root, true);
    for (const auto& cmd : commands()) {
        const CLI::App* sub = nullptr;
        for (const CLI::App* s : root.get_subcommands([](const CLI::App*) { return true; }))
            if (s->get_name() == cmd.name) sub = s;
        if (sub != nullptr) p.commands.push_back(describe_command(*sub, false));
    }
    return p;
}

std::string ManStyleFormatter::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
    const bool top = app->get_parent() == nullptr;
    DocCommand c = describe_command(*app, top);
    std::ostringstream out;
    out << "NAME\n    oxpack" << (top ? "" : " " + c.name) << " - " << c.summary << "\n\n";
    out << "SYNOPSIS\n    " << c.synopsis << "\n";
    if (top) out << "    oxpack COMMAND --help\n";
    out << "\nDESCRIPTION\n" << wrap(c.description, 4);
    if (top) {
        out << "\nCOMMANDS\n";
        size_t width = 0;  // the longest name, and two spaces
        for (const auto& cmd : commands()) width = std::max(width, std::string_view(cmd.name).size() + 2);
        for (const auto& cmd : commands()) {
            std::string n(cmd.name);
            out << "    " << n << std::string(width - n.size(), ' ') << cmd.summary << "\n";
        }
    }
    auto option_block = [&](const DocOption& o) {
        std::string head;
        for (const auto& n : o.names) head += (head.empty() ? "" : ", ") + n;
        if (!o.value.empty()) head += (head.empty() ? "" : " ") + o.value + (o.positional && o.repeatable ? "..." : "");
        if (o.required && !o.positional) head += "  (required)";
        out << "    " << head << "\n" << wrap(o.help, 8);
    };
    if (!c.positionals.empty()) {
        out << "\nARGUMENTS\n";
        for (const auto& o : c.positionals) option_block(o);
    }
    out << "\nOPTIONS\n";
    for (const auto& o : c.options) option_block(o);
    out << "    -h, --help\n" << wrap("Print this help and exit.", 8);
    if (!top)
        out << "\n" << wrap("Global options, before or after the command: -v, --verbose; -q, --quiet; "
                            "--color {auto|always|never}.", 4);
    out << "\nEXAMPLES\n";
    std::istringstream lines(c.examples);
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
    out << "\nEXIT STATUS\n";
    for (const auto& e : exit_codes()) out << "    " << e.key << std::string(4 - std::string(e.key).size(), ' ') << e.text << "\n";
    if (top) {
        out << "\nENVIRONMENT\n";
        for (const auto& e : environment()) out << "    " << e.key << "\n" << wrap(e.text, 8);
    }
    out << "\nSEE ALSO\n    "
        << (top ? "oxpack COMMAND --help, man oxpack, oxpack completion bash|zsh|fish"
                : "oxpack --help, man oxpack")
        << "\n";
    return out.str();
}

}  // namespace oxpack::cli
