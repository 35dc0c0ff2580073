// open_blob(): a blob's entries, meta and payloads for tools (blob_reader.cpp).
#pragma once

#include "runtime/python/state.hpp"

namespace oxpack::runtime {

// Adds BlobReader, BlobPayload and open_blob() to the module. false with an
// exception set.
bool add_blob_reader(PyObject* module);

}  // namespace oxpack::runtime
