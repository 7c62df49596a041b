// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The stores several plugins read: the ObjectStore the upload plugin Provides and the
// MetadataStore the metadata plugin Provides. In the monolith they are found in the registry;
// in a service whose provider runs in another process they are opened from the same
// configuration (the shared local directory or S3, and <data_dir>/metadata.db), which is what
// the providing service uses.
#pragma once

#include <memory>

#include "streamgate/config.h"
#include "streamgate/kernel.h"
#include "streamgate/metadata_store.h"
#include "streamgate/object_store.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// Call from Start() (after every plugin's Init has provided what it provides).
Result<std::shared_ptr<ObjectStore>> FindOrOpenObjectStore(const ServiceRegistry& services,
                                                           const Config& config);
Result<std::shared_ptr<MetadataStore>> FindOrOpenMetadataStore(const ServiceRegistry& services,
                                                               const Config& config);

}  // namespace streamgate::internal
