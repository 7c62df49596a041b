// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The streaming plugin: HLS/DASH delivery of packaged content behind playback tokens.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class StreamingPlugin final : public ServicePlugin {
 public:
  StreamingPlugin() : ServicePlugin("streaming") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewStreamingPlugin() {
  return std::make_unique<internal::StreamingPlugin>();
}

}  // namespace streamgate
