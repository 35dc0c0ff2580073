#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/error.hpp"

extern char** environ;

namespace oxpack::util {
namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (pipe2(fd, O_CLOEXEC) != 0) throw Failure(Exit::Io, std::string("cannot create a pipe: ") + std::strerror(errno));
    }
};

pid_t spawn(const std::vector<std::string>& argv, Pipe& in, Pipe& out, Pipe& err) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in.fd[0]);
    ::close(out.fd[1]);
    ::close(err.fd[1]);
    if (rc != 0) {
        ::close(in.fd[1]);
        ::close(out.fd[0]);
        ::close(err.fd[0]);
        throw Failure(Exit::BadInput, argv[0] + ": cannot run: " + std::strerror(rc));
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

RunResult run_capture(const std::vector<std::string>& argv) {
    Pipe in, out, err;
    pid_t pid = spawn(argv, in, out, err);
    ::close(in.fd[1]);
    RunResult r;
    pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_count = 2;
    char buf[65536];
    while (open_count > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    r.exit_code = wait_exit(pid);
    return r;
}

GroupRun run_in_group(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                      const std::string& output_path, double timeout_seconds) {
    std::vector<std::string> env_strings(env);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw Failure(Exit::BadInput, argv[0] + ": cannot run: " + std::strerror(rc));

    GroupRun run;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    int status = 0;
    bool terminated = false;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            // The whole process group: servers, and what they started.
            ::kill(-pid, terminated ? SIGKILL : SIGTERM);
            run.timed_out = true;
            deadline = now + std::chrono::seconds(2);
            terminated = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(-pid, SIGKILL);  // children left behind by the command
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

Child::Child(const std::vector<std::string>& argv) : program_(argv.at(0)) {
    Pipe in, out, err;
    pid_ = spawn(argv, in, out, err);
    in_ = in.fd[1];
    out_ = out.fd[0];
    err_ = err.fd[0];
    fcntl(err_, F_SETFL, fcntl(err_, F_GETFL) | O_NONBLOCK);
    // A dead child must give us EPIPE, not kill us.
    signal(SIGPIPE, SIG_IGN);
}

Child::~Child() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        finish();
    }
}

void Child::write_all(const void* data, size_t size) {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(in_, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Failure(Exit::Internal, program_ + ": helper process stopped reading (" + std::strerror(errno) + ")" +
                                              (drain_stderr().empty() ? "" : ": " + drain_stderr()));
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

void Child::read_exact(void* data, size_t size) {
    auto* p = static_cast<char*>(data);
    while (size > 0) {
        ssize_t n = ::read(out_, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::string err = drain_stderr();
            throw Failure(Exit::Internal, program_ + ": helper process exited early" + (err.empty() ? "" : ": " + err));
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

std::string Child::drain_stderr() {
    std::string s;
    char buf[4096];
    if (err_ < 0) return s;
    for (;;) {
        ssize_t n = ::read(err_, buf, sizeof buf);
        if (n <= 0) break;
        s.append(buf, static_cast<size_t>(n));
    }
    return s;
}

int Child::finish() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
    int code = pid_ > 0 ? wait_exit(pid_) : -1;
    pid_ = -1;
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
    out_ = err_ = -1;
    return code;
}

}  // namespace oxpack::util
