// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The transcoder plugin: transcoding into the ABR ladder and packaging.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class TranscoderPlugin final : public ServicePlugin {
 public:
  TranscoderPlugin() : ServicePlugin("transcoder") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewTranscoderPlugin() {
  return std::make_unique<internal::TranscoderPlugin>();
}

}  // namespace streamgate
