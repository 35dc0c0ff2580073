// Reading an entry's payload for the binding: read-ahead over the payload
// region (the kernel's is off there), checksum, decompression, with the GIL
// released for large ones.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// The payload of `e` (checksum-checked, decompressed). false with BlobError
// (name=`name`, path=the blob) set on failure.
bool read_payload(FinderObject* f, const format::Entry& e, PyObject* name, format::Payload& out);

// read_payload() as a new bytes object; nullptr with the exception set.
PyObject* payload_bytes(FinderObject* f, const format::Entry& e, PyObject* name);

}  // namespace oxpack::runtime
