// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
// streamgate-upload: the upload service on its own (port 9091 by default).
#include <streamgate/plugins.h>
#include <streamgate/service.h>

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"upload", 9091}, [](streamgate::Kernel& kernel) {
    return kernel.Register(streamgate::NewUploadPlugin());
  });
}
