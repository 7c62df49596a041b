// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streaming/delivery_path.h"

#include <array>

#include "streamgate/http.h"

namespace streamgate::internal {
namespace {

constexpr std::size_t kMaxRelativeBytes = 256;
constexpr std::size_t kMaxSegments = 3;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

bool IsValidContentId(std::string_view content_id) {
  if (content_id.empty() || content_id.size() > 128) return false;
  for (const char c : content_id) {
    if (!IsNameChar(c) || c == '.') return false;
  }
  return true;
}

Result<DeliveryTarget> ParseDeliveryPath(std::string_view relative) {
  const Status not_found = Status::NotFound("no such stream file");
  if (relative.empty() || relative.size() > kMaxRelativeBytes) return not_found;
  // On every delivery request: a fixed array, no allocation.
  std::array<std::string_view, kMaxSegments> segments;
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = relative.find('/', start);
    const std::string_view segment = relative.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") return not_found;
    for (const char c : segment) {
      if (!IsNameChar(c)) return not_found;
    }
    if (count == kMaxSegments) return not_found;
    segments[count++] = segment;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  DeliveryTarget target;
  target.relative = std::string(relative);
  if (count == 1) {
    if (relative == "master.m3u8") {
      target.kind = DeliveryKind::kHlsMaster;
    } else if (relative == "manifest.mpd") {
      target.kind = DeliveryKind::kDashManifest;
    } else if (relative == "package.json" || EndsWith(relative, ".m3u8") ||
               EndsWith(relative, ".mpd")) {
      return not_found;  // internal, or a playlist that does not exist at this level
    }
    return target;
  }
  if (count == 2 && segments[0] == "keys") {
    if (!EndsWith(segments[1], ".key")) return not_found;
    target.kind = DeliveryKind::kKey;
    target.rendition = std::string(segments[1].substr(0, segments[1].size() - 4));
    return target;
  }
  if (count == 2 && segments[1] == "index.m3u8") {
    target.kind = DeliveryKind::kHlsMedia;
    target.rendition = std::string(segments[0]);
    return target;
  }
  if (EndsWith(relative, ".m3u8") || EndsWith(relative, ".mpd")) return not_found;
  return target;
}

std::string_view DeliveryContentType(const DeliveryTarget& target) {
  switch (target.kind) {
    case DeliveryKind::kHlsMaster:
    case DeliveryKind::kHlsMedia:
      return "application/vnd.apple.mpegurl";
    case DeliveryKind::kDashManifest:
      return "application/dash+xml";
    case DeliveryKind::kKey:
      return "application/octet-stream";
    case DeliveryKind::kFile:
      break;
  }
  // init.mp4 → video/mp4, .m4s → video/iso.segment, poster.jpg → image/jpeg.
  return MimeTypeForPath(target.relative);
}

}  // namespace streamgate::internal
