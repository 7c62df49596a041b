// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-streaming: the streaming service on its own (port 9093 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"streaming", 9093}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewStreamingPlugin());
  });
}
