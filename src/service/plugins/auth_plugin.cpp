// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The auth plugin: wallet challenges, signature and NFT verification, sessions.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class AuthPlugin final : public ServicePlugin {
 public:
  AuthPlugin() : ServicePlugin("auth") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewAuthPlugin() { return std::make_unique<internal::AuthPlugin>(); }

}  // namespace streamgate
