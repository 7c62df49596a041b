// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streaming/package_library.h"

#include <utility>

namespace streamgate::internal {

PackageLibrary::PackageLibrary(std::shared_ptr<ObjectStore> store, std::size_t max_entries)
    : store_(std::move(store)), max_entries_(max_entries == 0 ? 1 : max_entries) {}

std::string PackageLibrary::ObjectKey(std::string_view content_id, std::string_view relative) {
  std::string key = "media/";
  key.append(content_id);
  key += '/';
  key.append(relative);
  return key;
}

std::shared_ptr<const PackagedMedia> PackageLibrary::Cached(std::string_view content_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = packages_.find(content_id);
  return it == packages_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const PackagedMedia>> PackageLibrary::Load(std::string_view content_id) {
  if (std::shared_ptr<const PackagedMedia> cached = Cached(content_id)) return cached;
  Result<std::string> json = store_->Get(ObjectKey(content_id, "package.json"));
  if (!json.ok()) {
    if (json.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("content " + std::string(content_id) + " has no packaged media");
    }
    return json.status();
  }
  Result<PackagedMedia> media = PackagedMediaFromJson(*json);
  if (!media.ok()) {
    return Status::Internal("package.json of " + std::string(content_id) +
                            " is corrupt: " + media.status().message());
  }
  auto shared = std::make_shared<const PackagedMedia>(std::move(*media));
  std::lock_guard<std::mutex> lock(mutex_);
  // Simple bound: packages are small and re-read cheaply, so a full cache just starts over.
  if (packages_.size() >= max_entries_) packages_.clear();
  packages_.insert_or_assign(std::string(content_id), shared);
  return shared;
}

void PackageLibrary::Forget(std::string_view content_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = packages_.find(content_id);
  if (it != packages_.end()) packages_.erase(it);
}

}  // namespace streamgate::internal
