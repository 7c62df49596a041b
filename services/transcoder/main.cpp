// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-transcoder: the transcoder service on its own (port 9092 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"transcoder", 9092}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewTranscoderPlugin());
  });
}
