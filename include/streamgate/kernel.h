// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The microkernel: Plugins are the units of functionality (upload, auth, …); the Kernel owns the
// HTTP router and server, the EventBus, and the plugins' life cycle. The monolith registers every
// plugin in one Kernel; each microservice registers one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "streamgate/config.h"
#include "streamgate/event_bus.h"
#include "streamgate/http.h"
#include "streamgate/monitor.h"
#include "streamgate/result.h"
#include "streamgate/runtime.h"

namespace streamgate {

enum class HealthState { kHealthy, kDegraded, kUnhealthy };
std::string_view HealthStateName(HealthState state);  // "healthy", "degraded", "unhealthy"

struct HealthReport {
  HealthState state = HealthState::kHealthy;
  std::string message;  // why, when not healthy
};

struct PluginHealth {
  std::string name;
  std::string version;
  HealthReport report;
};

struct KernelHealth {
  HealthState state = HealthState::kHealthy;  // the worst of the plugins'
  std::vector<PluginHealth> plugins;
};

// Objects plugins share with one another, keyed by their type: the Cache the auth plugin keeps
// nonces in, the MetadataStore the upload plugin records items in. A plugin Provides in Init()
// and Finds from Start() on, when every Init() has run, so registration order does not matter.
// Finding nothing means the providing plugin is not in this process: fall back or degrade.
// Thread-safe. Ownership: shares ownership of what it holds until the Kernel is destroyed.
class ServiceRegistry {
 public:
  ServiceRegistry();
  ~ServiceRegistry();
  ServiceRegistry(const ServiceRegistry&) = delete;
  ServiceRegistry& operator=(const ServiceRegistry&) = delete;

  // AlreadyExists when another plugin provided a T; InvalidArgument for null.
  template <class T>
  Status Provide(std::shared_ptr<T> service) {
    return ProvideErased(typeid(T), std::move(service));
  }
  // Null when nobody provided a T.
  template <class T>
  std::shared_ptr<T> Find() const {
    return std::static_pointer_cast<T>(FindErased(typeid(T)));
  }

 private:
  Status ProvideErased(const std::type_info& type, std::shared_ptr<void> service);
  std::shared_ptr<void> FindErased(const std::type_info& type) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a plugin receives in Init(). Every reference outlives the plugin.
struct PluginContext {
  const Config& config;
  Runtime& runtime;
  Router& router;  // add routes here; the server starts after every Init() has returned
  EventBus& events;
  ServiceRegistry& services;
  // The process's metrics, served on GET /metrics: register families in Init and keep their
  // child handles (see monitor.h). Present whether or not the monitor plugin is loaded.
  MetricsRegistry& metrics;
  // The health of every plugin in this process (as GET /api/v1/health reports it). Call it from
  // Start() on, from any thread; never from inside Plugin::Health().
  std::function<KernelHealth()> health;
};

// A unit of functionality. The Kernel calls Init, then Start, then (later) Stop, each once and
// from one thread; Health may be called from any thread at any time after Init.
// Ownership: the Kernel owns registered plugins and destroys them after Stop, once its event bus
// is closed. Errors: a non-OK Init or Start makes Kernel::Start fail (what was started is stopped
// again); a Stop error is reported by Kernel::Stop but does not stop the other plugins.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string Name() const = 0;
  virtual std::string Version() const;  // defaults to the library version
  // Registers routes and subscriptions, opens stores. No traffic arrives before every plugin's
  // Init has returned.
  virtual Status Init(PluginContext& context) = 0;
  // Begins background work. Called in registration order after every Init.
  virtual Status Start() { return Status::Ok(); }
  // Ends background work. Called in reverse order, after the server has drained.
  virtual Status Stop() { return Status::Ok(); }
  // Cheap and non-blocking: it runs on I/O threads, and inside metric collection (the
  // streamgate_plugin_health series), so it must not render the MetricsRegistry itself.
  virtual HealthReport Health() const { return {}; }
};

// Serves, on top of the plugins' routes: GET /health, /ready, /api/v1/health and /metrics. The
// metrics registry records every HTTP exchange (streamgate_http_requests_total{method,route,
// status}, streamgate_http_request_duration_seconds{method,route}) and process-level series.
// Thread-safety: Register, Start and Stop from one thread; Health, ready and port from any.
// Ownership: owns the plugins, the router, the server and the event bus; borrows the Runtime,
// which must outlive it.
class Kernel {
 public:
  static Result<std::unique_ptr<Kernel>> Create(const Config& config, Runtime& runtime);
  ~Kernel();  // stops if still running
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Before Start(). AlreadyExists when a plugin of the same name is registered.
  Status Register(std::unique_ptr<Plugin> plugin);
  // Init every plugin, Start every plugin, then listen. On failure, what was started is stopped
  // again in reverse order and the error names the plugin.
  Status Start();
  // Graceful: the server drains in-flight requests, then plugins stop in reverse order.
  // Idempotent; returns the first plugin error, if any.
  Status Stop();

  KernelHealth Health() const;
  // True between a successful Start() and Stop(), while no plugin is unhealthy.
  bool ready() const;
  // The bound port, once started.
  uint16_t port() const;

  const Config& config() const;
  Router& router();
  EventBus& events();
  ServiceRegistry& services();
  // The registry GET /metrics renders; lives as long as the Kernel.
  MetricsRegistry& metrics();
  // Null before Start().
  HttpServer* server();

 private:
  struct Impl;
  explicit Kernel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate
