// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Shared pieces of the pybind11 bindings: Status → Python exception (one Unwrap helper), GIL-safe
// ownership of Python callables handed to C++ threads, and __repr__ for value types.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate::python {

namespace py = pybind11;

// Thrown by Unwrap/Check; the translator registered in module.cpp turns it into the
// streamgate.Error subclass for its code (streamgate/errors.py).
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)), what_(status_.ToString()) {}
  const char* what() const noexcept override { return what_.c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
  std::string what_;
};

inline void Check(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <class T>
T Unwrap(Result<T> result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).value();
}

// A Python callable that C++ threads may copy, call and drop: the last reference is released
// under the GIL, whichever thread drops it.
class PyCallable {
 public:
  PyCallable() = default;
  explicit PyCallable(py::object fn)
      : fn_(new py::object(std::move(fn)), [](py::object* p) {
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  explicit operator bool() const { return fn_ && !fn_->is_none(); }
  // Call with the GIL held.
  template <class... Args>
  py::object operator()(Args&&... args) const {
    return (*fn_)(std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<py::object> fn_;
};

// Deletes `p` with the GIL released when the calling thread holds it, so that destructors that
// join threads (which may be waiting for the GIL inside a callback) cannot deadlock.
template <class T>
void DeleteWithoutGil(T* p) {
  if (PyGILState_Check()) {
    py::gil_scoped_release release;
    delete p;
  } else {
    delete p;
  }
}

template <class T>
std::shared_ptr<T> ShareWithoutGil(std::unique_ptr<T> p) {
  return std::shared_ptr<T>(p.release(), &DeleteWithoutGil<T>);
}

// "Name(field=repr, ...)" from the listed attributes; also `_fields` for to_dict() helpers.
template <class Class>
void AddRepr(Class& cls, const char* name, std::vector<const char*> fields) {
  py::tuple names(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) names[i] = py::str(fields[i]);
  cls.attr("_fields") = names;
  cls.def("__repr__", [name, fields](py::object self) {
    std::string out = std::string(name) + "(";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ", ";
      out += fields[i];
      out += "=";
      out += py::repr(self.attr(fields[i])).cast<std::string>();
    }
    return out + ")";
  });
}

// Defined one per bind_<api>.cpp.
void BindErrors(py::module_& m);
void BindRuntime(py::module_& m);
void BindConfig(py::module_& m);
void BindEngine(py::module_& m);
void BindStorage(py::module_& m);
void BindUploader(py::module_& m);
void BindPackager(py::module_& m);
void BindTranscoder(py::module_& m);
void BindMetadata(py::module_& m);
void BindCache(py::module_& m);
void BindAuth(py::module_& m);
void BindJobs(py::module_& m);
void BindMonitor(py::module_& m);
void BindPlayback(py::module_& m);

}  // namespace streamgate::python
