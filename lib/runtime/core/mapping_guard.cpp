#include "runtime/core/mapping_guard.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace oxpack::runtime {
namespace {

// The watched ranges. The handler only reads them (atomics, no locks): a
// slot is published by storing `end` after `start`, and retired by zeroing
// `end` first.
struct Range {
    std::atomic<uintptr_t> start{0};
    std::atomic<uintptr_t> end{0};
    std::atomic<uint32_t> faults{0};
};

Range g_ranges[MappingGuard::kMaxWatched];
uintptr_t g_page = 4096;
struct sigaction g_previous;
std::mutex g_mutex;  // watch/unwatch (never taken by the handler)
bool g_installed = false;

// Runs the disposition that was there before the guard, for a fault that is
// not in a watched range. For the default action (or an ignored SIGBUS: a
// fault cannot be ignored), the disposition is restored and the handler
// returns: the access faults again and the kernel acts as without the guard.
void pass_on(int sig, siginfo_t* info, void* context) {
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction != nullptr) {
            g_previous.sa_sigaction(sig, info, context);
            return;
        }
    } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
        g_previous.sa_handler(sig);
        return;
    }
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, nullptr);
}

extern "C" void on_sigbus(int sig, siginfo_t* info, void* context) {
    // Only a real fault names the address (raise() and kill() do not).
    if (info != nullptr && info->si_code > 0) {
        const auto a = reinterpret_cast<uintptr_t>(info->si_addr);
        for (Range& r : g_ranges) {
            const uintptr_t end = r.end.load(std::memory_order_acquire);
            const uintptr_t start = r.start.load(std::memory_order_relaxed);
            if (end == 0 || a < start || a >= end) continue;
            // mmap is a plain system call: safe here in practice (JVMs and
            // databases do the same), though POSIX does not list it.
            void* page = reinterpret_cast<void*>(a & ~(g_page - 1));
            if (::mmap(page, g_page, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
                r.faults.fetch_add(1, std::memory_order_relaxed);
                return;  // the access is retried and reads zeros
            }
            break;
        }
    }
    pass_on(sig, info, context);
}

bool install_handler() {
    if (g_installed) return true;
    long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) g_page = static_cast<uintptr_t>(page);
    struct sigaction sa = {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &g_previous) != 0) return false;
    g_installed = true;
    return true;
}

}  // namespace

int MappingGuard::watch(const void* start, size_t size) {
    if (start == nullptr || size == 0) return -1;
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!install_handler()) return -1;
    for (size_t i = 0; i < kMaxWatched; ++i) {
        Range& r = g_ranges[i];
        if (r.end.load(std::memory_order_relaxed) != 0) continue;
        const auto s = reinterpret_cast<uintptr_t>(start);
        r.faults.store(0, std::memory_order_relaxed);
        r.start.store(s, std::memory_order_relaxed);
        r.end.store(s + size, std::memory_order_release);
        return static_cast<int>(i);
    }
    return -1;
}

void MappingGuard::unwatch(int handle) {
    if (handle < 0 || static_cast<size_t>(handle) >= kMaxWatched) return;
    std::lock_guard<std::mutex> lock(g_mutex);
    g_ranges[handle].end.store(0, std::memory_order_release);
    g_ranges[handle].start.store(0, std::memory_order_relaxed);
}

uint32_t MappingGuard::faults(int handle) {
    if (handle < 0 || static_cast<size_t>(handle) >= kMaxWatched) return 0;
    return g_ranges[handle].faults.load(std::memory_order_relaxed);
}

}  // namespace oxpack::runtime
