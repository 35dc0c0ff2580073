// Reading a blob: one mapping, header and index validated at open, O(1)
// lookups straight on the mapped bytes, zero-copy payload views.
//
// Every file is treated as hostile. open() checks the header, the section
// layout and (unless told not to) the index checksum; every later access
// bounds-checks what it reads, so a damaged file yields an Error naming the
// file and the problem, never a crash or a read outside the mapping.
// A Blob is immutable after open and safe to share between threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/layout.hpp"
#include "format/mapped_file.hpp"
#include "format/meta.hpp"
#include "format/result.hpp"

namespace oxpack::format {

struct Header {
    uint16_t version_major = 0;
    uint16_t version_minor = 0;
    uint32_t header_size = 0;
    uint64_t file_size = 0;
    uint32_t required_features = 0;
    uint32_t optional_features = 0;
    uint32_t pyc_magic = 0;
    uint32_t hexversion = 0;
    uint32_t entry_count = 0;
    uint32_t slot_count = 0;
    uint64_t entries_offset = 0;
    uint64_t slots_offset = 0;
    uint64_t strings_offset = 0;
    uint64_t strings_size = 0;
    uint64_t meta_offset = 0;
    uint64_t meta_size = 0;
    uint64_t payload_offset = 0;
    uint64_t index_checksum = 0;
    uint64_t payload_checksum = 0;
    uint64_t header_checksum = 0;
};

// One decoded entry record. The string views point into the mapping.
struct Entry {
    uint32_t index = 0;
    uint64_t key_hash = 0;
    uint8_t space = 0;        // a Space value, or an unknown one
    uint8_t kind = 0;         // a Kind value, or an unknown one
    uint8_t compression = 0;  // a Compression value, or an unknown one
    uint16_t flags = 0;
    uint16_t root = kNoRoot;
    std::string_view key;
    std::string_view path;
    uint64_t payload_offset = 0;  // relative to the payload region
    uint64_t stored_size = 0;
    uint64_t raw_size = 0;
    uint64_t checksum = 0;

    bool is_package() const { return (flags & kFlagPackage) != 0; }
    bool is_namespace() const { return (flags & kFlagNamespace) != 0; }
    bool known_kind() const { return kind >= 1 && kind <= kMaxKnownKind; }
};

// A key group: the entries [first, first + count) sharing one (space, key).
// count == 0 means "not found".
struct Group {
    uint32_t first = 0;
    uint32_t count = 0;
    bool found() const { return count != 0; }
};

// A payload's bytes: a view into the mapping when stored, or an owned buffer
// when it had to be decompressed.
class Payload {
public:
    Payload() = default;
    static Payload view(const unsigned char* p, size_t n) {
        Payload r;
        r.ptr_ = p;
        r.size_ = n;
        return r;
    }
    // `buf` holds `n` bytes. A plain array, not a vector: allocating it does
    // not touch its pages, so a frame that lies about its size costs address
    // space, not memory.
    static Payload owned(std::unique_ptr<unsigned char[]> buf, size_t n) {
        Payload r;
        r.buf_ = std::move(buf);
        r.ptr_ = r.buf_.get();
        r.size_ = n;
        return r;
    }
    Payload(Payload&& o) noexcept
        : buf_(std::move(o.buf_)), ptr_(std::exchange(o.ptr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    Payload& operator=(Payload&& o) noexcept {
        buf_ = std::move(o.buf_);
        ptr_ = std::exchange(o.ptr_, nullptr);
        size_ = std::exchange(o.size_, 0);
        return *this;
    }
    Payload(const Payload&) = delete;
    Payload& operator=(const Payload&) = delete;

    const unsigned char* data() const { return ptr_; }
    size_t size() const { return size_; }
    std::span<const unsigned char> bytes() const { return {ptr_, size_}; }
    std::string_view str() const { return {reinterpret_cast<const char*>(ptr_), size_}; }
    bool is_view() const { return buf_ == nullptr; }
    // A copy of the bytes.
    std::vector<unsigned char> take() const { return std::vector<unsigned char>(ptr_, ptr_ + size_); }

private:
    std::unique_ptr<unsigned char[]> buf_;
    const unsigned char* ptr_ = nullptr;
    size_t size_ = 0;
};

struct OpenOptions {
    // Check the index checksum at open (recommended). Turning it off makes
    // open O(1) in the index size; lookups stay bounds-checked either way.
    bool check_index = true;
    // With check_index, for a blob that has a page-checksum table (format
    // 1.3, the IndexPages record): check at open only that table's own
    // checksum and the pages of the meta section, and every other page of
    // the index the first time an access reads from it (entry(), find(),
    // lower_bound(), info()): a page that fails is Corrupt, on that access
    // and every later one. Nothing of the index is used before its page is
    // checked. A blob without a table gets the whole check at open.
    bool index_pages = false;
};

class Blob {
public:
    Blob(Blob&&) noexcept = default;
    Blob& operator=(Blob&&) noexcept = default;

    // Maps the file at `path` and validates it.
    static Result<Blob> open(const std::string& path, OpenOptions options = {});
    // Validates a blob already in memory; the bytes must outlive the Blob.
    static Result<Blob> from_memory(const unsigned char* data, size_t size, std::string name,
                                    OpenOptions options = {});

    const std::string& name() const { return name_; }
    const Header& header() const { return header_; }
    uint32_t entry_count() const { return header_.entry_count; }
    std::span<const unsigned char> bytes() const { return {data_, size_}; }
    // The file's identity when it was mapped (zeros for from_memory()).
    const FileIdentity& file_identity() const { return file_.identity(); }
    // Whether the index region matches the header's index checksum (what
    // open() checks unless told not to).
    bool index_checksum_ok() const;

    // Whether the index is checked page by page on first use (open() with
    // index_pages on a blob that has a page table), and how many of its
    // pages have passed so far (0 when not).
    bool checks_index_pages() const { return pages_ != nullptr; }
    uint32_t index_pages_checked() const;

    // Decodes entry i (i < entry_count()), checking every offset it holds.
    Result<Entry> entry(uint32_t i) const;

    // The key group (space, key); Group::found() is false when absent.
    Result<Group> find(Space space, std::string_view key) const;
    Result<Group> find_module(std::string_view name) const { return find(Space::Module, name); }
    // Resource `resource` (package-relative, '/'-separated) of `package`.
    Result<Group> find_resource(std::string_view package, std::string_view resource) const;

    // Ordered view: index of the first entry whose (space, key) is not less
    // than (space, key_prefix). Entries with that prefix follow contiguously.
    Result<uint32_t> lower_bound(Space space, std::string_view key_prefix) const;

    // How payload() reads: View returns stored payloads as views into the
    // mapping (no copy); Copy copies the stored bytes out of the mapping
    // first and checks (and decompresses) the copy, so what the caller gets
    // is exactly what was checked even if the file changes meanwhile.
    enum class Read { View, Copy };
    // The payload of `e`, checksum-checked; decompressed when needed.
    Result<Payload> payload(const Entry& e, Read read = Read::View) const;
    // The stored bytes of `e` without checksum check or decompression.
    Result<std::span<const unsigned char>> stored_bytes(const Entry& e) const;

    // The meta section, decoded.
    Result<BlobInfo> info() const;

    // The whole-file check: every checksum, every entry, every payload, the
    // hash index against the ordered view. Returns every problem found (at
    // most `max_problems`); empty means the blob is intact.
    std::vector<Error> verify(size_t max_problems = 100,
                              const std::function<void(uint64_t done, uint64_t total)>& progress = {}) const;

    // Hint that the whole file will be read soon.
    void advise_sequential() const { file_.advise_sequential(); }

private:
    // The page-checksum table of a blob opened with OpenOptions::index_pages:
    // which pages have passed, one bit each, set once a page's checksum held
    // (atomically: any thread may check a page; a page checked twice by two
    // racing threads is harmless; a fork keeps what its parent knew).
    struct IndexPages {
        const unsigned char* table = nullptr;  // page_count checksums, in the mapping
        uint32_t shift = 0;                    // log2(page size)
        uint32_t count = 0;
        uint64_t end = 0;                      // pages cover [128, end): the table's offset
        std::unique_ptr<std::atomic<uint64_t>[]> passed;
        // The first page of [off, off + len) that fails its checksum, or -1.
        int64_t first_bad(const unsigned char* data, uint64_t off, uint64_t len) const {
            if (len == 0) return -1;
            const uint64_t last = (off + len - 1) >> shift;
            for (uint64_t p = off >> shift; p <= last; ++p) {
                if (p >= count) return static_cast<int64_t>(p);
                if (((passed[p >> 6].load(std::memory_order_acquire) >> (p & 63)) & 1) == 0 && !check(data, p))
                    return static_cast<int64_t>(p);
            }
            return -1;
        }
        bool check(const unsigned char* data, uint64_t page) const;
    };
    // nullopt when the index bytes [off, off + len) (file offsets, already
    // bounds-checked) lie in pages that passed, or pages are not checked;
    // else the error naming the first page that fails. The common cases
    // (no page checks; one page, already passed) are inline: a bit test,
    // no Error built; the rest (checking a page) is check_pages().
    [[gnu::always_inline]] std::optional<Error> failed_page(uint64_t off, uint64_t len) const {
        if (!pages_ || len == 0) return std::nullopt;
        const uint64_t p = off >> pages_->shift;
        if (p < pages_->count && ((off + len - 1) >> pages_->shift) == p &&
            ((pages_->passed[p >> 6].load(std::memory_order_acquire) >> (p & 63)) & 1) != 0)
            return std::nullopt;
        return check_pages(off, len);
    }
    std::optional<Error> check_pages(uint64_t off, uint64_t len) const;
    Error page_error(const IndexPages& pages, uint64_t page) const;
    Result<std::unique_ptr<IndexPages>> load_index_pages() const;  // nullptr: no table
    Result<void> setup_index_pages();

    Blob() = default;
    Result<void> validate(OpenOptions options);
    Error corrupt(const std::string& what) const;

    MappedFile file_;
    const unsigned char* data_ = nullptr;
    size_t size_ = 0;
    std::string name_;
    Header header_;
    std::unique_ptr<IndexPages> pages_;  // only with OpenOptions::index_pages on a 1.3 blob
};

// xxh3-64 of key with the space as seed: the index's hash function.
uint64_t key_hash(Space space, std::string_view key);
// xxh3-64 of bytes, seed 0: every checksum in the format.
uint64_t checksum(const void* data, size_t size);

}  // namespace oxpack::format
