// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-cache: the cache service on its own (port 9006 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"cache", 9006}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewCachePlugin());
  });
}
