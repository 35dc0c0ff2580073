// What a scan or freeze has to tell its user besides its result: problems
// (an input was skipped: the run ends with Exit::Partial), warnings (nothing
// lost, but shown by default: a file big enough to matter) and notes (worth
// knowing, nothing lost; shown with -v). Each is reported once, with the
// path it concerns.
// Thread-safe: the walkers and readers add to it from several threads.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace oxpack::scan {

struct Problem {
    std::string path;  // the file or directory concerned (absolute, or archive!member)
    std::string what;  // what is wrong and what was done ("cannot read: Permission denied; skipped")
    bool skipped = true;  // true: an input was left out; false: a warning or a note
    bool warning = false; // nothing left out, but worth a warning
    std::string text() const { return path + ": " + what; }
};

class Report {
public:
    // Adds a problem (something was skipped). Duplicates (same path and text) are dropped.
    void problem(std::string path, std::string what) { add({std::move(path), std::move(what), true}); }
    // Adds a warning (nothing was lost, but the user should hear of it).
    void warning(std::string path, std::string what) { add({std::move(path), std::move(what), false, true}); }
    // Adds a note (nothing was lost).
    void note(std::string path, std::string what) { add({std::move(path), std::move(what), false}); }

    // Problems and notes in a stable order (sorted by path, then text).
    std::vector<Problem> sorted() const;
    size_t skipped_count() const;
    size_t warning_count() const;
    size_t note_count() const;  // notes only, not warnings

private:
    void add(Problem p);
    mutable std::mutex mutex_;
    std::vector<Problem> items_;
    std::set<std::pair<std::string, std::string>> seen_;
};

}  // namespace oxpack::scan
