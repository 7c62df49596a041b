// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/object_store.h"

namespace streamgate {

Result<std::unique_ptr<ObjectStore>> NewObjectStore(const StorageOptions& options,
                                                    const std::string& data_dir) {
  if (options.backend == "s3") return NewS3ObjectStore(options.s3);
  if (options.backend != "local") {
    return Status::InvalidArgument("storage.backend \"" + options.backend +
                                   "\" is not one of local|s3");
  }
  LocalObjectStoreOptions local;
  local.root = data_dir + "/objects";
  return NewLocalObjectStore(local);
}

}  // namespace streamgate
