// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The upload plugin: single, chunked and tus 1.0 resumable uploads.
// For now it only reports health; its routes and services land in this file.
#include "service/plugins/service_plugin.h"
#include "streamgate/plugins.h"

namespace streamgate {
namespace internal {
namespace {

class UploadPlugin final : public ServicePlugin {
 public:
  UploadPlugin() : ServicePlugin("upload") {}
};

}  // namespace
}  // namespace internal

std::unique_ptr<Plugin> NewUploadPlugin() { return std::make_unique<internal::UploadPlugin>(); }

}  // namespace streamgate
