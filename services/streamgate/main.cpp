// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate: the monolith. Every plugin but the gateway in one process (port 8080 by default);
// the gateway only exists to route between separate service processes. The web plugin serves
// the browser app at `/`.
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"streamgate", 8080}, [](streamgate::Kernel& kernel) {
    for (auto* factory :
         {&streamgate::NewUploadPlugin, &streamgate::NewTranscoderPlugin,
          &streamgate::NewStreamingPlugin, &streamgate::NewMetadataPlugin,
          &streamgate::NewCachePlugin, &streamgate::NewAuthPlugin, &streamgate::NewWorkerPlugin,
          &streamgate::NewMonitorPlugin, &streamgate::NewWebPlugin}) {
      STREAMGATE_RETURN_IF_ERROR(kernel.Register(factory()));
    }
    return streamgate::Status::Ok();
  });
}
