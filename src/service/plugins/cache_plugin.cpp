// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The cache plugin: the cache API.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class CachePlugin final : public ServicePlugin {
 public:
  CachePlugin() : ServicePlugin("cache") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewCachePlugin() { return std::make_unique<internal::CachePlugin>(); }

}  // namespace streamgate
