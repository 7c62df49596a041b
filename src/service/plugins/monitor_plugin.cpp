// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The monitor plugin: metrics, health, alerts and recent logs.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class MonitorPlugin final : public ServicePlugin {
 public:
  MonitorPlugin() : ServicePlugin("monitor") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewMonitorPlugin() { return std::make_unique<internal::MonitorPlugin>(); }

}  // namespace streamgate
