// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metadata plugin: content items, gating rules and search.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class MetadataPlugin final : public ServicePlugin {
 public:
  MetadataPlugin() : ServicePlugin("metadata") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewMetadataPlugin() { return std::make_unique<internal::MetadataPlugin>(); }

}  // namespace streamgate
