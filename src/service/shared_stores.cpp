// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "service/shared_stores.h"

#include <filesystem>

namespace streamgate::internal {

Result<std::shared_ptr<ObjectStore>> FindOrOpenObjectStore(const ServiceRegistry& services,
                                                           const Config& config) {
  if (std::shared_ptr<ObjectStore> found = services.Find<ObjectStore>()) return found;
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> own,
                              NewObjectStore(config.storage, config.data_dir));
  return std::shared_ptr<ObjectStore>(std::move(own));
}

Result<std::shared_ptr<MetadataStore>> FindOrOpenMetadataStore(const ServiceRegistry& services,
                                                               const Config& config) {
  if (std::shared_ptr<MetadataStore> found = services.Find<MetadataStore>()) return found;
  MetadataStoreOptions options;
  options.path = (std::filesystem::path(config.data_dir) / "metadata.db").string();
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<MetadataStore> own, MetadataStore::Open(options));
  return std::shared_ptr<MetadataStore>(std::move(own));
}

}  // namespace streamgate::internal
