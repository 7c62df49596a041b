// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The gateway plugin: api-gateway: routing to the services, auth enforcement, rate limiting, CORS.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class GatewayPlugin final : public ServicePlugin {
 public:
  GatewayPlugin() : ServicePlugin("gateway") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewGatewayPlugin() { return std::make_unique<internal::GatewayPlugin>(); }

}  // namespace streamgate
