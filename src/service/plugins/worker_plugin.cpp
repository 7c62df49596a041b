// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The worker plugin: the durable job queue and its workers.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class WorkerPlugin final : public ServicePlugin {
 public:
  WorkerPlugin() : ServicePlugin("worker") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewWorkerPlugin() { return std::make_unique<internal::WorkerPlugin>(); }

}  // namespace streamgate
