// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-metadata: the metadata service on its own (port 9005 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"metadata", 9005}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewMetadataPlugin());
  });
}
