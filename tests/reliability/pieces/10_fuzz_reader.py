#!/usr/bin/env python3
"""libFuzzer (ASan + UBSan) on the blob reader: tests/fuzz/fuzz_reader.cpp."""
import fuzz_piece

fuzz_piece.run(
    "reader", "Fuzzing the blob reader",
    "libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer (clang, the whole format library "
    "instrumented) on `tests/fuzz/reader_target.cpp`: each input is opened as a blob from memory three ways "
    "(as given; with its header and index checksums recomputed, as a hostile file would have them; without "
    "the index check), then its meta section is decoded, every entry decoded, looked up by key, by ordered "
    "view and as a resource, every payload read (checksum, zstd), and `verify()` run; a blob `verify()` "
    "passes must read back entry by entry (an invariant: a break is a finding). Seeded with the spec's vectors "
    "(`format-spec/vectors/*.oxr`) and the kept corpus (`tests/fuzz/corpus/reader/`, which CI replays through "
    "the same code built normally: `tests/unit/test_fuzz_corpus.cpp`). Goal: at least 10 million executions, "
    "0 findings.")
