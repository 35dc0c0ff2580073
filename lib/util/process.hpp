// Running child processes: a one-shot run with captured output, a bounded
// run of a command in a process group of its own (freeze --profile), and a
// long-lived child spoken to over its stdin/stdout (the bytecode helper).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace oxpack::util {

struct RunResult {
    int exit_code = -1;  // -1 when killed by a signal
    std::string out;
    std::string err;
};

// Runs argv[0] (searched on PATH) with the given arguments and waits.
// Throws oxpack::Failure(Exit::BadInput) when it cannot be started.
RunResult run_capture(const std::vector<std::string>& argv);

struct GroupRun {
    int exit_code = -1;      // -1 when killed by a signal
    bool timed_out = false;  // stopped after the timeout
};

// Runs argv[0] (searched on PATH) with environment `env` ("NAME=value"
// strings), standard input /dev/null, stdout and stderr both to
// `output_path` (created or truncated, mode 0600), in a process group of its
// own. After `timeout_seconds` the whole group gets SIGTERM, SIGKILL two
// seconds later; when the command has exited, whatever the group left behind
// is killed. Throws oxpack::Failure(Exit::BadInput) "argv[0]: cannot run:
// ..." when it cannot be started.
GroupRun run_in_group(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                      const std::string& output_path, double timeout_seconds);

// A child with pipes on stdin and stdout; stderr is captured to a buffer
// read on demand. Not thread-safe: one owner talks to it.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv);
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    void write_all(const void* data, size_t size);
    // Reads exactly `size` bytes; throws if the child closed its stdout.
    void read_exact(void* data, size_t size);
    // Closes stdin and waits; returns the exit code (-1 on signal).
    int finish();
    std::string drain_stderr();
    const std::string& program() const { return program_; }

private:
    std::string program_;
    pid_t pid_ = -1;
    int in_ = -1;   // child's stdin (we write)
    int out_ = -1;  // child's stdout (we read)
    int err_ = -1;  // child's stderr (we read)
};

}  // namespace oxpack::util
