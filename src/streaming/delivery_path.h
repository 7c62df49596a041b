// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// What a request under /stream/{content_id}/ asks for: a playlist rendered per viewer, or a
// stored file (init/media segment, AES key, poster). Paths are checked strictly so that no
// request reaches a file outside the item's directory or an internal file (package.json).
#pragma once

#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

enum class DeliveryKind { kHlsMaster, kHlsMedia, kDashManifest, kKey, kFile };

struct DeliveryTarget {
  DeliveryKind kind = DeliveryKind::kFile;
  std::string relative;   // the path below the item's directory
  std::string rendition;  // kHlsMedia and kKey: the rendition name
};

// [A-Za-z0-9_-]{1,128}, the MetadataStore's id alphabet.
bool IsValidContentId(std::string_view content_id);

// NotFound for anything that is not a deliverable path: empty, dot or empty segments,
// characters outside [A-Za-z0-9._-], more than 3 segments, over 256 bytes, package.json.
Result<DeliveryTarget> ParseDeliveryPath(std::string_view relative);

// The Content-Type of a delivered file or playlist.
std::string_view DeliveryContentType(const DeliveryTarget& target);

}  // namespace streamgate::internal
