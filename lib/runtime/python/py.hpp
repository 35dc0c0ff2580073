// Small helpers for the CPython C API (version differences: compat.hpp): an owning reference,
// argument parsing for METH_FASTCALL | METH_KEYWORDS, string conversion.
#pragma once

#include "runtime/python/compat.hpp"  // Python.h

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace oxpack::runtime::py {

// An owned (strong) reference; null means "an exception is set" when a
// function returned it.
class Ref {
public:
    Ref() = default;
    explicit Ref(PyObject* owned) : p_(owned) {}
    static Ref borrow(PyObject* p) {
        Py_XINCREF(p);
        return Ref(p);
    }
    Ref(const Ref& o) : p_(o.p_) { Py_XINCREF(p_); }
    Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Ref& operator=(Ref o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~Ref() { Py_XDECREF(p_); }

    PyObject* get() const { return p_; }
    PyObject* release() { return std::exchange(p_, nullptr); }
    explicit operator bool() const { return p_ != nullptr; }

private:
    PyObject* p_ = nullptr;
};

inline PyObject* new_ref(PyObject* p) {
    Py_INCREF(p);
    return p;
}

inline PyObject* none() { return new_ref(Py_None); }

// callable(*args) without building a tuple.
inline PyObject* call(PyObject* callable, std::initializer_list<PyObject*> args) {
    return compat::vectorcall(callable, args.begin(), args.size());
}

// UTF-8 bytes (paths: with surrogateescape) to str.
inline Ref str(std::string_view s) {
    return Ref(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape"));
}

// A str argument as UTF-8; false with TypeError set when it is not a str.
inline bool utf8(PyObject* o, std::string_view& out, const char* what) {
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be str, not %.100s", what, Py_TYPE(o)->tp_name);
        return false;
    }
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(o, &n);
    if (p == nullptr) return false;
    out = std::string_view(p, static_cast<size_t>(n));
    return true;
}

// A path argument (str, bytes or os.PathLike) as file-system bytes.
inline bool fspath(PyObject* o, std::string& out) {
    PyObject* b = nullptr;
    if (!PyUnicode_FSConverter(o, &b)) return false;
    Ref bytes(b);
    out.assign(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
    return true;
}

// Parses positional-or-keyword arguments of a METH_FASTCALL | METH_KEYWORDS
// function into `out` (borrowed; unset ones stay as given). `names` lists
// every parameter; the first `required` are required.
bool parse_args(const char* fname, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                std::initializer_list<const char*> names, size_t required, PyObject** out);

}  // namespace oxpack::runtime::py
