// The slot functions every heap type of the binding shares (Finder, Loader,
// PathEntryFinder): GC traversal of the type and the listed object members,
// clearing them, deallocation, and a tp_new that refuses construction from
// Python. Each type names its members once, in its own file:
//
//     int loader_traverse(PyObject* s, visitproc v, void* a) { return heap::traverse<LoaderObject, &LoaderObject::finder>(s, v, a); }
//
#pragma once

#include "runtime/python/py.hpp"

namespace oxpack::runtime::heap {

// Visits the type (a heap type's instances own a reference to it) and the
// listed members (PyObject* or a pointer to another object struct).
template <typename T, auto... Members>
int traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(Py_TYPE(self));
    T* o = reinterpret_cast<T*>(self);
    int r = 0;
    ((r = r ? r : (o->*Members ? visit(reinterpret_cast<PyObject*>(o->*Members), arg) : 0)), ...);
    return r;
}

// Drops the listed members (set to null first, then released: a finaliser
// run by the release sees a consistent object).
template <typename T, auto... Members>
void clear_members(T* o) {
    ((void)[&] {
        PyObject* tmp = reinterpret_cast<PyObject*>(o->*Members);
        o->*Members = nullptr;
        Py_XDECREF(tmp);
    }(),
     ...);
}

// tp_dealloc: untracks, lets `release` drop members and native parts, frees
// the object and the reference to its heap type.
template <typename T, void (*Release)(T*)>
void dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Release(reinterpret_cast<T*>(self));
    tp->tp_free(self);
    Py_DECREF(tp);
}

// tp_new for types only the runtime creates.
template <const char* Message>
PyObject* refuse_new(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, Message);
    return nullptr;
}

// Casts a METH_FASTCALL | METH_KEYWORDS function to the PyCFunction slot type.
template <typename F>
PyCFunction fastcall(F* fn) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fn));
}

}  // namespace oxpack::runtime::heap
