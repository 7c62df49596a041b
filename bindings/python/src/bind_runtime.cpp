// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Runtime: the threads every other object borrows. Python holds it through a shared_ptr so that
// objects built on it (Transcoder, Uploader, JobWorker, Engine) keep it alive; it is destroyed
// with the GIL released because its destructor joins threads that may be inside a callback.
#include "bind_runtime.h"

#include "streamgate/runtime.h"

namespace streamgate::python {

std::shared_ptr<Runtime> NewRuntime(int io_threads, int worker_threads) {
  RuntimeOptions options;
  options.io_threads = io_threads;
  options.worker_threads = worker_threads;
  return ShareWithoutGil(Unwrap(Runtime::Create(options)));
}

std::shared_ptr<Runtime> RuntimeOrDefault(const std::shared_ptr<Runtime>& runtime) {
  return runtime ? runtime : NewRuntime(1, 2);
}

void BindRuntime(py::module_& m) {
  py::class_<Runtime, std::shared_ptr<Runtime>>(m, "Runtime",
                                                "The I/O threads and worker pool objects borrow.")
      .def(py::init(&NewRuntime), py::arg("io_threads") = 0, py::arg("worker_threads") = 0)
      .def_property_readonly("io_threads", &Runtime::io_threads)
      .def_property_readonly("worker_threads", &Runtime::worker_threads)
      .def("stop", &Runtime::Stop, py::call_guard<py::gil_scoped_release>(),
           "Stops accepting work, lets running tasks finish and joins the threads.")
      .def("__repr__", [](const Runtime& r) {
        return "Runtime(io_threads=" + std::to_string(r.io_threads()) +
               ", worker_threads=" + std::to_string(r.worker_threads()) + ")";
      });
}

}  // namespace streamgate::python
