// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-auth: the auth service on its own (port 9007 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"auth", 9007}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewAuthPlugin());
  });
}
