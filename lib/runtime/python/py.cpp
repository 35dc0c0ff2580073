#include "runtime/python/py.hpp"

#include <cstring>

namespace oxpack::runtime::py {

bool parse_args(const char* fname, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                std::initializer_list<const char*> names, size_t required, PyObject** out) {
    const size_t n = names.size();
    if (static_cast<size_t>(nargs) > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zu arguments (%zd given)", fname, n, nargs);
        return false;
    }
    bool seen[8] = {};
    for (Py_ssize_t i = 0; i < nargs; ++i) {
        out[i] = args[i];
        seen[i] = true;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; ++k) {
        const char* key = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        if (key == nullptr) return false;
        size_t idx = 0;
        for (const char* name : names) {
            if (std::strcmp(name, key) == 0) break;
            ++idx;
        }
        if (idx == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%s'", fname, key);
            return false;
        }
        if (seen[idx]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, key);
            return false;
        }
        out[idx] = args[nargs + k];
        seen[idx] = true;
    }
    for (size_t i = 0; i < required; ++i)
        if (!seen[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names.begin()[i]);
            return false;
        }
    return true;
}

}  // namespace oxpack::runtime::py
