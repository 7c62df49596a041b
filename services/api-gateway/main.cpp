// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-api-gateway: the api-gateway service on its own (port 9090 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"api-gateway", 9090}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewGatewayPlugin());
  });
}
