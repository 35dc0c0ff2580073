// Writing a blob's payloads into its output file while the files are still
// being read and compressed, instead of holding them all and writing them
// after the index is built. The layout is known in advance (the entries
// and their keys are known before any file is read), so payloads go to
// their final offsets in file order; the header and index come last, at 0.
// Whatever the stream wrote is checked against the blob as finally built
// (write_blob), and rewritten where it differs (a file that could not be
// read or changed size, bytecode compiled after the read): the output is
// always the blob's bytes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/atomic_file.hpp"
#include "format/writer.hpp"

namespace oxpack::freeze {

// One entry in payload order (that of assemble_blob: by order_hint, then entry order).
struct StreamSlot {
    static constexpr uint32_t kNoRead = UINT32_MAX;     // no payload to read (namespace marker): empty
    static constexpr uint32_t kLater = UINT32_MAX - 1;  // made after the reads (compiled bytecode): the stream ends here
    uint32_t read = kNoRead;  // which read gives its bytes
    uint32_t entry = 0;       // its position in entry order
};

struct StreamPlan {
    uint64_t payload_offset = 0;
    std::vector<StreamSlot> order;  // every entry, in payload order
};

// Plans the stream of `entries` (as the freezer will give them to
// assemble_blob, order_hint set; payloads not needed) whose bytes come from
// read `entry_read[i]` (or a StreamSlot constant).
format::Result<StreamPlan> plan_stream(const format::BlobInfo& info, std::vector<format::InputEntry> entries,
                                       const std::vector<uint32_t>& entry_read);

struct ReadInfo {
    format::Space space;
    uint64_t size = 0;  // as the scan saw it
    bool entry = false;  // an entry's bytes (entries' reads come first, in entry order)
};

// The order to make the reads in (a permutation of their indices), so that
// the stream can follow them: entry order (neighbours on disk), spaces in
// the order of their first payload in the default layout (modules, whose
// bytecode comes first, then metadata, resources, files), every read after
// those of the same size for earlier entries (the entries that may own its
// payload: the first in entry order with the same bytes does), then the
// reads of no entry. Whatever the layout, the stream decides sharing right;
// the order only decides how soon it can write.
std::vector<uint32_t> stream_read_order(const std::vector<ReadInfo>& reads);

// What the stream wrote: payloads in file order from the planned offset.
struct Streamed {
    uint64_t payload_offset = 0;
    struct Payload {
        uint64_t size = 0, checksum = 0;
    };
    std::vector<Payload> payloads;
    int error = 0;  // errno of a failed write
};

// The writer thread. Reads are numbered in read order (the plan's read_order
// applied); each reading thread calls read_done(r) once read r's frame,
// data (stored raw) and digest are final.
class PayloadStream {
public:
    // Starts the thread, which first makes the plan (none: nothing is streamed).
    PayloadStream(core::AtomicFile& file, std::function<std::optional<StreamPlan>()> make_plan,
                  const std::vector<uint64_t>& read_size,
                  const std::vector<std::string_view>& frame, const std::vector<std::string>& data,
                  const std::vector<format::RawDigest>& digest);
    ~PayloadStream();
    void read_done(size_t r) { done_[r].store(1, std::memory_order_release); }
    // The reads are over (a read never done failed): the stream goes on
    // with what it has, and stops.
    void end_of_reads();
    // end_of_reads(), then waits for the stream to stop: what it wrote.
    Streamed finish();

private:
    void run();
    bool advance();  // one more read in the done prefix
    void flush();

    core::AtomicFile& file_;
    std::function<std::optional<StreamPlan>()> make_plan_;
    StreamPlan plan_;
    const std::vector<uint64_t>& read_size_;
    const std::vector<std::string_view>& frame_;
    const std::vector<std::string>& data_;
    const std::vector<format::RawDigest>& digest_;
    std::unique_ptr<std::atomic<char>[]> done_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool finished_ = false;
    // The writer thread's own state.
    size_t prefix_ = 0;  // reads 0..prefix_-1 are done
    bool broken_ = false;  // a read failed or changed size: nothing more is streamed
    std::vector<uint32_t> entry_of_read_;
    struct DigestHash {
        size_t operator()(const format::RawDigest& d) const { return d.hash_low ^ d.size; }
    };
    std::unordered_map<format::RawDigest, uint32_t, DigestHash> first_;  // digest -> first entry with it
    std::vector<core::Piece> batch_;
    uint64_t batch_offset_ = 0, batch_bytes_ = 0, written_ = 0, flushed_ = 0;
    Streamed out_;
    std::thread thread_;
};

// Writes `image` into `file` over what `streamed` wrote: only what differs
// or is missing (at least the header and index region). Throws Failure(Exit::Io).
// Returns how many payload bytes were kept from the stream.
uint64_t write_blob(core::AtomicFile& file, const format::BlobImage& image, const Streamed* streamed);

}  // namespace oxpack::freeze
