// The payload stream: its plan (offsets and read order) and its writer thread.
#include "freeze/payload_stream.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "format/bytes.hpp"
#include "format/reader.hpp"

namespace oxpack::freeze {
namespace {

constexpr unsigned char kZeros[format::kAlign] = {};
constexpr uint32_t kNoEntry = UINT32_MAX;
constexpr uint64_t kBatch = 1u << 20;            // bytes per write
constexpr uint64_t kWritebackChunk = 8u << 20;  // writeback hint every this many bytes

}  // namespace

format::Result<StreamPlan> plan_stream(const format::BlobInfo& info, std::vector<format::InputEntry> entries,
                                       const std::vector<uint32_t>& entry_read) {
    const size_t n = entries.size();
    // Entry order, as assemble_blob sorts them.
    std::vector<uint32_t> by_entry(n);
    std::iota(by_entry.begin(), by_entry.end(), 0u);
    std::sort(by_entry.begin(), by_entry.end(), [&](uint32_t a, uint32_t b) {
        const auto &x = entries[a], &y = entries[b];
        return std::tie(x.space, x.key, x.kind, x.path) < std::tie(y.space, y.key, y.kind, y.path);
    });
    std::vector<uint32_t> hint(n);
    for (size_t p = 0; p < n; ++p) hint[p] = entries[by_entry[p]].order_hint;
    std::vector<format::InputEntry> sorted;
    sorted.reserve(n);
    for (uint32_t i : by_entry) sorted.push_back(std::move(entries[i]));
    StreamPlan plan;
    auto off = format::payload_offset(info, sorted);
    if (!off) return off.error();
    plan.payload_offset = *off;
    // Payload order: by (order_hint, entry order).
    std::vector<uint32_t> pos(n);
    std::iota(pos.begin(), pos.end(), 0u);
    std::stable_sort(pos.begin(), pos.end(), [&](uint32_t a, uint32_t b) { return hint[a] < hint[b]; });
    plan.order.reserve(n);
    for (uint32_t p : pos) plan.order.push_back({entry_read[by_entry[p]], p});
    return plan;
}

std::vector<uint32_t> stream_read_order(const std::vector<ReadInfo>& reads) {
    using format::Space;
    auto rank = [](Space s) { return s == Space::Module ? 0 : s == Space::Distribution ? 1 : s == Space::Resource ? 2 : 3; };
    const auto count = static_cast<uint32_t>(reads.size());
    std::vector<uint32_t> base;
    std::unordered_map<uint64_t, std::pair<std::vector<uint32_t>, size_t>> same_size;  // size -> (entries' reads, next)
    for (uint32_t r = 0; r < count; ++r)
        if (reads[r].entry) {
            base.push_back(r);
            same_size[reads[r].size].first.push_back(r);
        }
    std::stable_sort(base.begin(), base.end(),
                     [&](uint32_t a, uint32_t b) { return rank(reads[a].space) < rank(reads[b].space); });
    std::vector<char> placed(count, 0);
    std::vector<uint32_t> order;
    order.reserve(count);
    auto place = [&](uint32_t r) {
        if (!placed[r]) placed[r] = 1, order.push_back(r);
    };
    for (uint32_t r : base) {
        auto& [list, next] = same_size[reads[r].size];
        for (; next < list.size() && list[next] < r; ++next) place(list[next]);
        place(r);
    }
    for (uint32_t r = 0; r < count; ++r) place(r);
    return order;
}

PayloadStream::PayloadStream(core::AtomicFile& file, std::function<std::optional<StreamPlan>()> make_plan,
                             const std::vector<uint64_t>& read_size, const std::vector<std::string_view>& frame,
                             const std::vector<std::string>& data, const std::vector<format::RawDigest>& digest)
    : file_(file), make_plan_(std::move(make_plan)), read_size_(read_size), frame_(frame), data_(data),
      digest_(digest), done_(std::make_unique<std::atomic<char>[]>(read_size.size())),
      entry_of_read_(read_size.size(), kNoEntry) {
    for (size_t r = 0; r < read_size.size(); ++r) done_[r].store(0, std::memory_order_relaxed);
    thread_ = std::thread([this] { run(); });
}

PayloadStream::~PayloadStream() {
    if (thread_.joinable()) finish();
}

void PayloadStream::end_of_reads() {
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    wake_.notify_all();
}

Streamed PayloadStream::finish() {
    end_of_reads();
    thread_.join();
    return std::move(out_);
}

bool PayloadStream::advance() {
    if (prefix_ >= read_size_.size() || !done_[prefix_].load(std::memory_order_acquire)) return false;
    const size_t r = prefix_++;
    const format::RawDigest& d = digest_[r];
    if (d.size != read_size_[r]) broken_ = true;  // changed since the scan: the plan no longer holds
    if (const uint32_t e = entry_of_read_[r]; e != kNoEntry) {
        auto [it, fresh] = first_.try_emplace(d, e);
        if (!fresh) it->second = std::min(it->second, e);
    }
    return true;
}

void PayloadStream::flush() {
    if (batch_.empty()) return;
    if (int e = file_.write_at(batch_offset_, batch_)) {
        out_.error = e;
        broken_ = true;
    }
    batch_offset_ += batch_bytes_;
    written_ += batch_bytes_;
    if (written_ - flushed_ >= kWritebackChunk) {
        file_.writeback(plan_.payload_offset + flushed_, written_ - flushed_);
        flushed_ = written_;
    }
    batch_.clear();
    batch_bytes_ = 0;
}

void PayloadStream::run() {
    auto plan = make_plan_();
    if (!plan) return;  // nothing streamed
    plan_ = std::move(*plan);
    for (const StreamSlot& s : plan_.order)
        if (s.read < read_size_.size()) entry_of_read_[s.read] = s.entry;
    out_.payload_offset = plan_.payload_offset;
    batch_offset_ = plan_.payload_offset;
    for (const StreamSlot& s : plan_.order) {
        if (s.read == StreamSlot::kNoRead) continue;  // an empty payload
        if (s.read == StreamSlot::kLater || broken_) break;
        if (read_size_[s.read] == 0) continue;  // empty: nothing to write, shared or not
        // Wait until this read and every read before it are done.
        while (prefix_ <= s.read && !broken_) {
            if (advance()) continue;
            flush();  // write what is ready while waiting
            std::unique_lock lock(mutex_);
            if (finished_) {
                if (!advance()) broken_ = true;  // a read that failed: the layout changes
                continue;
            }
            wake_.wait_for(lock, std::chrono::milliseconds(1));
        }
        if (broken_) break;
        auto first = first_.find(digest_[s.read]);
        if (first == first_.end() || first->second != s.entry) continue;  // an earlier entry stores it
        std::string_view bytes = frame_[s.read].empty() ? std::string_view(data_[s.read]) : frame_[s.read];
        const size_t pad = format::align_up(bytes.size(), format::kAlign) - bytes.size();
        batch_.emplace_back(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
        if (pad) batch_.emplace_back(kZeros, pad);
        batch_bytes_ += bytes.size() + pad;
        out_.payloads.push_back({bytes.size(), format::checksum(bytes.data(), bytes.size())});
        if (batch_bytes_ >= kBatch || batch_.size() >= 1000) flush();
    }
    flush();
}

uint64_t write_blob(core::AtomicFile& file, const format::BlobImage& image, const Streamed* streamed) {
    if (streamed && streamed->error) file.fail("write failed", streamed->error);
    // The streamed payloads that are the image's, in order (empty payloads,
    // which take no room, are never streamed).
    size_t kept = 0;  // image payloads [0, kept) are on file
    uint64_t at = image.payload_offset();
    if (streamed && streamed->payload_offset == image.payload_offset())
        for (size_t s = 0; kept < image.payload_count(); ++kept) {
            const std::string_view v = image.payload(kept);
            if (v.empty()) continue;
            if (s == streamed->payloads.size()) break;
            const auto& p = streamed->payloads[s++];
            if (v.size() != p.size || image.payload_checksum(kept) != p.checksum) break;
            at += format::align_up(p.size, format::kAlign);
        }
    const uint64_t kept_bytes = at - image.payload_offset();
    file.reserve(image.size());
    std::vector<core::Piece> rest;
    for (size_t j = kept; j < image.payload_count(); ++j) {
        std::string_view v = image.payload(j);
        rest.emplace_back(reinterpret_cast<const unsigned char*>(v.data()), v.size());
        if (size_t pad = format::align_up(v.size(), format::kAlign) - v.size()) rest.emplace_back(kZeros, pad);
    }
    if (int e = file.write_at(at, rest)) file.fail("write failed", e);
    core::Piece index[] = {image.index()};
    if (int e = file.write_at(0, index)) file.fail("write failed", e);
    file.commit(image.size());
    return kept_bytes;
}

}  // namespace oxpack::freeze
