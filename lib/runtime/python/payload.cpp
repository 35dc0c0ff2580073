#include "runtime/python/payload.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace oxpack::runtime {
namespace {

// Read-ahead for the payload region, done here because the kernel's is off
// there (MADV_RANDOM, see install.cpp): payloads are asked for before they
// are read, so a cold cache costs one I/O per window instead of a fault per
// page. The window follows the reads: a payload inside the last window
// costs nothing (no system call, so a warm cache pays almost nothing); one
// right after it doubles the window (a start-up reading a profile-ordered
// blob in order gets large sequential reads); anywhere else starts over with
// 128 KiB from that payload on (its neighbours in the blob, modules of the
// same package, come along: measured faster cold than the payload alone or
// the kernel's read-around, see lib/runtime/README.md).
void prefetch(BlobContext& ctx, const format::Entry& e) {
    auto stored = ctx.blob.stored_bytes(e);
    if (!stored || stored->empty()) return;
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    constexpr uintptr_t kMinWindow = 128u << 10, kMaxWindow = 4u << 20;
    uintptr_t start = reinterpret_cast<uintptr_t>(stored->data());
    uintptr_t end = start + stored->size();
    if (start >= ctx.ra_start && end <= ctx.ra_end) return;
    bool sequential = start >= ctx.ra_start && start <= ctx.ra_end + page;
    uintptr_t from = start & ~(page - 1);
    uintptr_t want = std::max<uintptr_t>(end - from, kMinWindow);
    if (sequential) want = std::max(want, std::min<uintptr_t>((ctx.ra_end - ctx.ra_start) * 2, kMaxWindow));
    auto bytes = ctx.blob.bytes();
    uintptr_t file_end = reinterpret_cast<uintptr_t>(bytes.data() + bytes.size());
    uintptr_t to = std::min(((from + want + page - 1) & ~(page - 1)), file_end);
    ::madvise(reinterpret_cast<void*>(from), to - from, MADV_WILLNEED);
    ctx.ra_start = from;
    ctx.ra_end = to;
}

}  // namespace

bool read_payload(FinderObject* f, const format::Entry& e, PyObject* name, format::Payload& out) {
    OXPACK_TIMER_START(t0);
    BlobContext& ctx = *f->ctx;
    if (!blob_intact(state_of(f), ctx, f->path)) return false;
    prefetch(ctx, e);
    // A copy, checked: what marshal, exec and the file layer get is what the
    // checksum covered, whatever happens to the file meanwhile. Checksums
    // run at several GB/s: only big or compressed payloads are worth letting
    // other threads run.
    constexpr uint64_t kReleaseAbove = 256 * 1024;
    format::Result<format::Payload> r = format::Error{format::ErrorCode::Io, ""};
    if (e.stored_size >= kReleaseAbove || e.compression != 0) {
        Py_BEGIN_ALLOW_THREADS
        r = ctx.blob.payload(e, format::Blob::Read::Copy);
        Py_END_ALLOW_THREADS
    } else {
        r = ctx.blob.payload(e, format::Blob::Read::Copy);
    }
    // A change seen during the read is named as such, not as the checksum
    // mismatch it also causes.
    if (!blob_intact(state_of(f), ctx, f->path)) return false;
    if (!r) {
        raise_format_error(state_of(f), r.error(), name, f->path);
        return false;
    }
    out = std::move(*r);
    OXPACK_TIMER_ADD(state_of(f), Payload, OXPACK_TIMER_ELAPSED(t0));
    return true;
}

PyObject* payload_bytes(FinderObject* f, const format::Entry& e, PyObject* name) {
    format::Payload p;
    if (!read_payload(f, e, name, p)) return nullptr;
    return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(p.data()), static_cast<Py_ssize_t>(p.size()));
}

}  // namespace oxpack::runtime
