// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// streamgate._streamgate: the compiled half of the `streamgate` Python package. Each API binds
// itself in its own bind_<api>.cpp; the pure-Python package (streamgate/) adds the exception
// hierarchy and keyword-friendly wrappers.
#include "common.h"
#include "streamgate/version.h"

namespace streamgate::python {

void BindErrors(py::module_& m) {
  py::enum_<StatusCode>(m, "StatusCode")
      .value("OK", StatusCode::kOk)
      .value("CANCELLED", StatusCode::kCancelled)
      .value("UNKNOWN", StatusCode::kUnknown)
      .value("INVALID_ARGUMENT", StatusCode::kInvalidArgument)
      .value("DEADLINE_EXCEEDED", StatusCode::kDeadlineExceeded)
      .value("NOT_FOUND", StatusCode::kNotFound)
      .value("ALREADY_EXISTS", StatusCode::kAlreadyExists)
      .value("PERMISSION_DENIED", StatusCode::kPermissionDenied)
      .value("RESOURCE_EXHAUSTED", StatusCode::kResourceExhausted)
      .value("FAILED_PRECONDITION", StatusCode::kFailedPrecondition)
      .value("ABORTED", StatusCode::kAborted)
      .value("OUT_OF_RANGE", StatusCode::kOutOfRange)
      .value("UNIMPLEMENTED", StatusCode::kUnimplemented)
      .value("INTERNAL", StatusCode::kInternal)
      .value("UNAVAILABLE", StatusCode::kUnavailable)
      .value("DATA_LOSS", StatusCode::kDataLoss)
      .value("UNAUTHENTICATED", StatusCode::kUnauthenticated);

  // The Python classes live in streamgate/errors.py (imported lazily: that module imports
  // nothing compiled, so there is no import cycle).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      py::object make = py::module_::import("streamgate.errors").attr("_from_status");
      py::object exc = make(static_cast<int>(e.status().code()), e.status().message());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });
  // For tests and wrappers: raise the exception a Status with this code and message maps to.
  m.def("_raise_status", [](int code, const std::string& message) {
    Check(Status(static_cast<StatusCode>(code), message));
  });
}

}  // namespace streamgate::python

PYBIND11_MODULE(_streamgate, m) {
  namespace sp = streamgate::python;
  m.doc() = "StreamGate: token-gated video delivery (compiled core; use the `streamgate` package)";
  m.attr("__version__") = STREAMGATE_VERSION_STRING;
  sp::BindErrors(m);
  sp::BindRuntime(m);
  sp::BindStorage(m);
  sp::BindCache(m);
  sp::BindMonitor(m);
  sp::BindConfig(m);
  sp::BindEngine(m);
  sp::BindUploader(m);
  sp::BindPackager(m);
  sp::BindTranscoder(m);
  sp::BindMetadata(m);
  sp::BindAuth(m);
  sp::BindJobs(m);
  sp::BindPlayback(m);
}
