// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-monitor: the monitor service on its own (port 9009 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"monitor", 9009}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewMonitorPlugin());
  });
}
