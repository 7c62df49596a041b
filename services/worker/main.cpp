// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-worker: the worker service on its own (port 9008 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"worker", 9008}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewWorkerPlugin());
  });
}
