// Loader.get_data: the bytes of a file by path, from the blob when the path
// names a file it holds (under the blob path, or in original mode under a
// frozen root), else from the file system as FileLoader.get_data reads it.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

PyObject* get_data_impl(FinderObject* f, PyObject* path);

}  // namespace oxpack::runtime
