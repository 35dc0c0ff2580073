#include "freeze/lazy_choice.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "util/error.hpp"

namespace oxpack::freeze {
namespace {

const std::string* matching(const std::vector<std::string>& globs, const std::string& name) {
    for (const auto& g : globs)
        if (::fnmatch(g.c_str(), name.c_str(), 0) == 0) return &g;
    return nullptr;
}

// What the profile says about one module.
struct Seen {
    bool imported = false, ran = false, failed = false;
    uint64_t micros = 0;
    std::string touched;               // "ATTR BY" of the first use
    std::vector<std::string> effects;  // in the order seen
};

std::string profile_reason(const Seen& s, bool& lazy) {
    lazy = false;
    if (s.failed) return "its body raised in the profiled run";
    if (!s.effects.empty()) {
        std::string r = "its import has effects: " + s.effects.front();
        if (s.effects.size() > 1) r += " (and " + std::to_string(s.effects.size() - 1) + " more)";
        return r;
    }
    if (!s.touched.empty()) {
        size_t sp = s.touched.find(' ');
        std::string attr = s.touched.substr(0, sp);
        std::string by = sp == std::string::npos ? "-" : s.touched.substr(sp + 1);
        return "used after its import: ." + attr + " read by " + (by == "-" ? std::string("unknown code") : by);
    }
    if (!s.ran)
        return "its body did not run from a file in the profiled run (loaded before the recorder, built in, "
               "an extension or a namespace package)";
    lazy = true;
    return "never used after its import, no effects seen";
}

}  // namespace

std::vector<LazyDecision> choose_lazy(const std::vector<ProfileEvent>& profile, const LazyChoiceOptions& options,
                                      bool from_profile) {
    std::vector<std::string> order;
    std::map<std::string, Seen> seen;
    bool analysed = false;
    auto at = [&](const std::string& name) -> Seen& {
        auto [it, fresh] = seen.try_emplace(name);
        if (fresh) order.push_back(name);
        return it->second;
    };
    for (const auto& e : profile) {
        switch (e.kind) {
            case ProfileEvent::Import: at(e.name).imported = true; break;
            case ProfileEvent::Open: break;
            case ProfileEvent::Ran: {
                Seen& s = at(e.name);
                s.ran = analysed = true;
                s.micros = std::strtoull(e.detail.c_str(), nullptr, 10);
                break;
            }
            case ProfileEvent::Failed: at(e.name).failed = analysed = true; break;
            case ProfileEvent::Touched: {
                Seen& s = at(e.name);
                if (s.touched.empty()) s.touched = e.detail;
                break;
            }
            case ProfileEvent::Effect: at(e.name).effects.push_back(e.detail); break;
        }
    }
    if (from_profile && !analysed)
        throw Failure(Exit::BadInput,
                      "--lazy auto: the profile has no lazy analysis in it (no 'ran' lines); record it with "
                      "--profile or --profile-script and --lazy auto (a saved profile keeps it with --profile-out)");
    std::vector<std::string> extra;
    if (!options.include.empty()) {
        for (const auto& name : options.candidates)
            if (!seen.count(name) && matching(options.include, name)) extra.push_back(name);
        std::sort(extra.begin(), extra.end());
        extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
    }
    std::vector<LazyDecision> out;
    out.reserve(order.size() + extra.size());
    auto decide = [&](const std::string& name, const Seen* s) {
        LazyDecision d;
        d.module = name;
        d.micros = s ? s->micros : 0;
        if (name == "__main__") {
            d.reason = "the program itself";
        } else if (const std::string* g = matching(options.exclude, name)) {
            d.reason = "excluded by --lazy-exclude '" + *g + "'";
        } else if (options.deferrable && !options.deferrable(name)) {
            if (from_profile && s != nullptr && !s->ran && !s->failed)
                d.reason = profile_reason(*s, d.lazy);  // a built-in or frozen module: say that
            else
                d.reason = "not in the blob as Python source or bytecode";
        } else if (const std::string* inc = matching(options.include, name)) {
            d.lazy = true;
            d.reason = "included by --lazy-include '" + *inc + "'";
        } else if (from_profile && s != nullptr) {
            d.reason = profile_reason(*s, d.lazy);
        } else {
            d.reason = from_profile ? "not imported in the profiled run" : "no --lazy-include glob matches it";
        }
        out.push_back(std::move(d));
    };
    for (const auto& name : order) decide(name, &seen.at(name));
    for (const auto& name : extra) decide(name, nullptr);
    return out;
}

std::vector<std::string> lazy_names(const std::vector<LazyDecision>& decisions) {
    std::vector<std::string> names;
    for (const auto& d : decisions)
        if (d.lazy) names.push_back(d.module);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace oxpack::freeze
