// The bytecode helper processes and their protocol.
#include "freeze/compiler.hpp"

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

#include "util/error.hpp"
#include "util/process.hpp"
#include "compile_helper_py.hpp"

namespace oxpack::freeze {
namespace {

void put_u32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

// lib/freeze/compile_helper.py, embedded by the build (NUL-terminated).
const char* compiler_helper_source() { return reinterpret_cast<const char*>(kCompileHelper); }

std::vector<CompileResult> compile_all(const std::string& python, const std::vector<CompileJob>& jobs, unsigned threads,
                                       const std::function<void()>& on_done) {
    std::vector<CompileResult> results(jobs.size());
    if (jobs.empty()) return results;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    // Few jobs do not pay for a second interpreter start-up.
    threads = std::min<unsigned>(threads, static_cast<unsigned>((jobs.size() + 15) / 16));
    threads = std::max(1u, threads);
    std::atomic<size_t> next{0};
    std::string failure;
    std::mutex failure_mutex;
    auto work = [&] {
        try {
            util::Child child({python, "-I", "-S", "-c", compiler_helper_source()});
            std::string req;
            for (size_t k; (k = next.fetch_add(1)) < jobs.size();) {
                const CompileJob& j = jobs[k];
                req.clear();
                req.push_back(static_cast<char>(j.optimize));
                put_u32(req, static_cast<uint32_t>(j.filename.size()));
                put_u32(req, static_cast<uint32_t>(j.source->size()));
                req += j.filename;
                child.write_all(req.data(), req.size());
                child.write_all(j.source->data(), j.source->size());
                unsigned char head[5];
                child.read_exact(head, sizeof head);
                uint32_t len = static_cast<uint32_t>(head[1]) | static_cast<uint32_t>(head[2]) << 8 |
                               static_cast<uint32_t>(head[3]) << 16 | static_cast<uint32_t>(head[4]) << 24;
                std::string body(len, '\0');
                if (len) child.read_exact(body.data(), len);
                if (head[0] == 0) results[k] = {true, std::move(body), {}};
                else results[k] = {false, {}, std::move(body)};
                if (on_done) on_done();
            }
            child.finish();
        } catch (const std::exception& e) {
            std::lock_guard lock(failure_mutex);
            if (failure.empty()) failure = e.what();
            next = jobs.size();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!failure.empty()) throw Failure(Exit::Internal, "bytecode helper: " + failure);
    return results;
}

}  // namespace oxpack::freeze
