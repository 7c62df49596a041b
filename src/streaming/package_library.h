// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The packaged items the streaming plugin serves: media/<content_id>/package.json parsed once
// and kept in memory (bounded), so that playlists render per viewer without I/O, plus the
// object-store key of every file of an item.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "streamgate/object_store.h"
#include "streamgate/packager.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// Thread-safe. Shares ownership of the store.
class PackageLibrary {
 public:
  PackageLibrary(std::shared_ptr<ObjectStore> store, std::size_t max_entries);

  // The parsed package, from memory or (blocking) from the store. NotFound when the item has
  // not been packaged; Internal when its package.json is corrupt.
  Result<std::shared_ptr<const PackagedMedia>> Load(std::string_view content_id);
  // The parsed package when in memory; null otherwise (never blocks).
  std::shared_ptr<const PackagedMedia> Cached(std::string_view content_id) const;
  // Drops the parsed package (the item was re-packaged or deleted).
  void Forget(std::string_view content_id);

  // "media/<content_id>/<relative>".
  static std::string ObjectKey(std::string_view content_id, std::string_view relative);

  ObjectStore& store() const { return *store_; }

 private:
  const std::shared_ptr<ObjectStore> store_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;  // guards packages_
  std::map<std::string, std::shared_ptr<const PackagedMedia>, std::less<>> packages_;
};

}  // namespace streamgate::internal
