// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Engine: a Runtime plus a Kernel with the shipped plugins, i.e. the monolith (or any one
// service) embedded in a Python process. Start/stop run with the GIL released so Python threads
// (and request handlers calling back into Python) keep running.
#include <functional>
#include <map>

#include "bind_runtime.h"
#include "common.h"
#include "streamgate/config.h"
#include "streamgate/kernel.h"
#include "streamgate/logging.h"
#include "streamgate/monitor.h"
#include "streamgate/plugins.h"

namespace streamgate::python {
namespace {

const std::map<std::string, std::function<std::unique_ptr<Plugin>()>>& PluginFactories() {
  static const auto* factories =
      new std::map<std::string, std::function<std::unique_ptr<Plugin>()>>{
          {"gateway", &NewGatewayPlugin},
          {"upload", &NewUploadPlugin},
          {"transcoder", &NewTranscoderPlugin},
          {"streaming", &NewStreamingPlugin},
          {"metadata", &NewMetadataPlugin},
          {"cache", &NewCachePlugin},
          {"auth", &NewAuthPlugin},
          {"worker", &NewWorkerPlugin},
          {"monitor", &NewMonitorPlugin}};
  return *factories;
}

// Owns the Kernel and shares the Runtime; the Kernel is destroyed (stopping it) first.
class Engine {
 public:
  Engine(const Config& config, const std::vector<std::string>& plugins,
         std::shared_ptr<Runtime> runtime) {
    if (!runtime) {
      RuntimeOptions options = config.runtime;
      runtime = NewRuntime(options.io_threads, options.worker_threads);
    }
    runtime_ = std::move(runtime);
    // As RunService does: the config's log section applies to the whole process.
    Check(ConfigureLogging(config.log));
    kernel_ = Unwrap(Kernel::Create(config, *runtime_));
    for (const std::string& name : plugins) {
      auto it = PluginFactories().find(name);
      if (it == PluginFactories().end()) {
        Check(Status::InvalidArgument("unknown plugin \"" + name + "\""));
      }
      Check(kernel_->Register(it->second()));
    }
  }
  ~Engine() { Close(); }

  void Start() {
    Status status;
    {
      py::gil_scoped_release release;
      status = kernel_->Start();
    }
    Check(status);
  }
  void Stop() {
    Status status;
    {
      py::gil_scoped_release release;
      status = kernel_->Stop();
    }
    Check(status);
  }
  void Close() {
    if (!kernel_) return;
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      kernel_.reset();
    } else {
      kernel_.reset();
    }
  }
  Kernel& kernel() {
    if (!kernel_) Check(Status::FailedPrecondition("the engine is closed"));
    return *kernel_;
  }
  const std::shared_ptr<Runtime>& runtime() const { return runtime_; }

 private:
  std::shared_ptr<Runtime> runtime_;
  std::unique_ptr<Kernel> kernel_;
};

}  // namespace

void BindEngine(py::module_& m) {
  std::vector<std::string> monolith;
  for (const auto& [name, factory] : PluginFactories()) {
    if (name != "gateway") monolith.push_back(name);
  }
  m.attr("MONOLITH_PLUGINS") = monolith;

  py::class_<Engine>(m, "Engine",
                     "A Runtime and a Kernel with the named plugins (default: the monolith).")
      .def(py::init<const Config&, const std::vector<std::string>&, std::shared_ptr<Runtime>>(),
           py::arg("config"), py::arg("plugins"), py::arg("runtime") = nullptr)
      .def("start", &Engine::Start, "Init and start every plugin, then listen.")
      .def("stop", &Engine::Stop, "Graceful: drain requests, stop plugins in reverse order.")
      .def("close", &Engine::Close, "Stop and release the kernel (idempotent).")
      .def_property_readonly("port", [](Engine& e) { return e.kernel().port(); })
      .def_property_readonly("ready", [](Engine& e) { return e.kernel().ready(); })
      .def_property_readonly("runtime", &Engine::runtime)
      .def_property_readonly(
          "metrics", [](Engine& e) -> MetricsRegistry& { return e.kernel().metrics(); },
          py::return_value_policy::reference_internal)
      .def("health", [](Engine& e) {
        KernelHealth health;
        {
          py::gil_scoped_release release;
          health = e.kernel().Health();
        }
        py::dict plugins;
        for (const PluginHealth& p : health.plugins) {
          py::dict entry;
          entry["status"] = std::string(HealthStateName(p.report.state));
          entry["message"] = p.report.message;
          entry["version"] = p.version;
          plugins[py::str(p.name)] = entry;
        }
        py::dict out;
        out["status"] = std::string(HealthStateName(health.state));
        out["plugins"] = plugins;
        return out;
      });
}

}  // namespace streamgate::python
