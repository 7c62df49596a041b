// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The plugin life cycle: Init all, Start all, listen; on the way down drain, then Stop in reverse.
#include "streamgate/kernel.h"

#include <atomic>
#include <chrono>
#include <exception>

#include "kernel/access_log.h"
#include "kernel/kernel_endpoints.h"
#include "kernel/kernel_event_bus.h"
#include "kernel/kernel_metrics.h"
#include "streamgate/logging.h"

namespace streamgate {
namespace {

enum class Phase { kCreated, kRunning, kStopped, kFailed };

Status PluginError(const Status& status, const Plugin& plugin, std::string_view step) {
  return status.WithContext("plugin \"" + plugin.Name() + "\": " + std::string(step));
}

HealthReport SafeHealth(const Plugin& plugin) {
  // Health() runs inside HTTP handlers on I/O threads: an exception must not take one down.
  try {
    return plugin.Health();
  } catch (const std::exception& e) {
    return {HealthState::kUnhealthy, std::string("health check threw: ") + e.what()};
  } catch (...) {
    return {HealthState::kUnhealthy, "health check threw"};
  }
}

}  // namespace

// Members are declared so that destruction runs server, plugins, event bus, router, metrics:
// each is destroyed before what it may still use.
struct Kernel::Impl {
  Impl(const Config& config_in, Runtime& runtime_in,
       std::unique_ptr<internal::KernelEventBus> events_in)
      : config(config_in),
        runtime(runtime_in),
        router(std::make_shared<Router>()),
        events(std::move(events_in)),
        context{config, runtime, *router, *events, services, metrics, [this] { return Health(); }},
        created(std::chrono::steady_clock::now()) {}

  KernelHealth Health() const {
    KernelHealth health;
    const std::size_t count = initialized.load();
    for (std::size_t i = 0; i < plugins.size(); ++i) {
      const Plugin& plugin = *plugins[i];
      PluginHealth entry{plugin.Name(), plugin.Version(), {}};
      entry.report =
          i < count ? SafeHealth(plugin) : HealthReport{HealthState::kUnhealthy, "not initialised"};
      if (static_cast<int>(entry.report.state) > static_cast<int>(health.state)) {
        health.state = entry.report.state;
      }
      health.plugins.push_back(std::move(entry));
    }
    return health;
  }

  // Stops plugins [0, count) in reverse order; returns the first error.
  Status StopPlugins(std::size_t count) {
    Status first;
    for (std::size_t i = count; i-- > 0;) {
      Status status;
      try {
        status = plugins[i]->Stop();
      } catch (const std::exception& e) {
        status = Status::Internal(std::string("threw: ") + e.what());
      }
      if (!status.ok()) {
        status = PluginError(status, *plugins[i], "Stop");
        Log(LogLevel::kError, "kernel", status.ToString());
        if (first.ok()) first = status;
      }
    }
    return first;
  }

  MetricsRegistry metrics;  // first, so that it is destroyed last
  const Config config;
  Runtime& runtime;
  const std::shared_ptr<Router> router;
  std::unique_ptr<internal::KernelEventBus> events;  // events.backend
  ServiceRegistry services;
  PluginContext context;  // what every plugin's Init receives; outlives the plugins
  const std::chrono::steady_clock::time_point created;

  std::vector<std::unique_ptr<Plugin>> plugins;  // fixed once Start() begins
  // Plugins [0, initialized) have returned from Init: only their Health() may be called.
  std::atomic<std::size_t> initialized{0};
  std::unique_ptr<internal::KernelMetrics> kernel_metrics;  // set in Create()
  std::unique_ptr<HttpServer> server;  // set in Start(), kept until destruction
  Phase phase = Phase::kCreated;       // Register/Start/Stop thread only
  std::atomic<bool> running{false};
  std::atomic<uint16_t> port{0};
};

Result<std::unique_ptr<Kernel>> Kernel::Create(const Config& config, Runtime& runtime) {
  STREAMGATE_RETURN_IF_ERROR(ValidateConfig(config));
  Result<std::unique_ptr<internal::KernelEventBus>> events =
      internal::NewKernelEventBus(config, runtime);
  if (!events.ok()) return events.status().WithContext("events");
  auto impl = std::make_unique<Impl>(config, runtime, std::move(events).value());
  Impl& ref = *impl;
  STREAMGATE_ASSIGN_OR_RETURN(
      ref.kernel_metrics,
      internal::KernelMetrics::Create(ref.metrics, ref.config, [&ref] { return ref.Health(); }));
  std::unique_ptr<Kernel> kernel(new Kernel(std::move(impl)));
  // Mounted before any plugin runs, so that a plugin claiming /health gets AlreadyExists.
  STREAMGATE_RETURN_IF_ERROR(internal::MountKernelEndpoints(*kernel, *ref.router, ref.created));
  return kernel;
}

Kernel::Kernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Kernel::~Kernel() {
  static_cast<void>(Stop());
  impl_->kernel_metrics->SetServer(nullptr);
  impl_->server.reset();
  // No handler may run into a destroyed plugin: stop deliveries before the plugins go.
  impl_->events->Close();
  impl_->plugins.clear();
}

Status Kernel::Register(std::unique_ptr<Plugin> plugin) {
  if (plugin == nullptr) return Status::InvalidArgument("plugin is null");
  if (impl_->phase != Phase::kCreated) {
    return Status::FailedPrecondition("plugins must be registered before Kernel::Start");
  }
  const std::string name = plugin->Name();
  if (name.empty()) return Status::InvalidArgument("plugin name must not be empty");
  for (const auto& existing : impl_->plugins) {
    if (existing->Name() == name) {
      return Status::AlreadyExists("plugin \"" + name + "\" is already registered");
    }
  }
  impl_->plugins.push_back(std::move(plugin));
  return Status::Ok();
}

Status Kernel::Start() {
  Impl& impl = *impl_;
  if (impl.phase != Phase::kCreated) {
    return Status::FailedPrecondition("a kernel starts once; create a new one to start again");
  }
  impl.phase = Phase::kFailed;  // until everything below has succeeded

  for (auto& plugin : impl.plugins) {
    Status status;
    try {
      status = plugin->Init(impl.context);
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("threw: ") + e.what());
    }
    // Nothing was started yet, so nothing needs stopping.
    if (!status.ok()) return PluginError(status, *plugin, "Init");
    impl.initialized.fetch_add(1);
  }

  for (std::size_t i = 0; i < impl.plugins.size(); ++i) {
    Status status;
    try {
      status = impl.plugins[i]->Start();
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("threw: ") + e.what());
    }
    if (!status.ok()) {
      static_cast<void>(impl.StopPlugins(i));
      return PluginError(status, *impl.plugins[i], "Start");
    }
  }

  // Every plugin has subscribed and started: events from other processes may now arrive.
  if (Status delivering = impl.events->StartDelivery(); !delivering.ok()) {
    static_cast<void>(impl.StopPlugins(impl.plugins.size()));
    return delivering.WithContext("event bus");
  }

  auto server = HttpServer::Create(impl.config.server, impl.router, impl.runtime);
  if (!server.ok()) {
    impl.events->StopDelivery();
    static_cast<void>(impl.StopPlugins(impl.plugins.size()));
    return server.status().WithContext("http server");
  }
  // Every exchange feeds the HTTP metrics, and the access log when it is on.
  internal::KernelMetrics* const kernel_metrics = impl.kernel_metrics.get();
  if (impl.config.log.access_log) {
    (*server)->SetObserver(
        [kernel_metrics, access = internal::NewAccessLogObserver()](const HttpExchange& exchange) {
          kernel_metrics->Record(exchange);
          access(exchange);
        });
  } else {
    (*server)->SetObserver(
        [kernel_metrics](const HttpExchange& exchange) { kernel_metrics->Record(exchange); });
  }
  kernel_metrics->SetServer(server->get());
  // Stored before Start so that handlers reading server() never race with this assignment.
  impl.server = std::move(server).value();
  const Status listening = impl.server->Start();
  if (!listening.ok()) {
    kernel_metrics->SetServer(nullptr);
    impl.server.reset();
    impl.events->StopDelivery();
    static_cast<void>(impl.StopPlugins(impl.plugins.size()));
    return listening.WithContext("http server on " + impl.config.server.host + ":" +
                                 std::to_string(impl.config.server.port));
  }
  impl.port.store(impl.server->port());
  impl.running.store(true);
  impl.phase = Phase::kRunning;
  return Status::Ok();
}

Status Kernel::Stop() {
  Impl& impl = *impl_;
  if (impl.phase != Phase::kRunning) return Status::Ok();
  impl.phase = Phase::kStopped;
  impl.running.store(false);  // /ready answers 503 while in-flight requests drain
  impl.server->Shutdown();
  // Events left unread stay in the stream (Redis) for this service's next start or replicas.
  impl.events->StopDelivery();
  return impl.StopPlugins(impl.plugins.size());
}

KernelHealth Kernel::Health() const { return impl_->Health(); }

bool Kernel::ready() const {
  return impl_->running.load() && Health().state != HealthState::kUnhealthy;
}

uint16_t Kernel::port() const { return impl_->port.load(); }
const Config& Kernel::config() const { return impl_->config; }
Router& Kernel::router() { return *impl_->router; }
EventBus& Kernel::events() { return *impl_->events; }
ServiceRegistry& Kernel::services() { return impl_->services; }
MetricsRegistry& Kernel::metrics() { return impl_->metrics; }
HttpServer* Kernel::server() { return impl_->server.get(); }

}  // namespace streamgate
