// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The packaged-item model's persistence (package.json) and the writing of every playlist next
// to the segments. package.json is what the streaming layer loads to render per-viewer
// playlists, so FromJson treats it as untrusted input.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "streamgate/packager.h"

namespace streamgate {
namespace {

using nlohmann::json;

// A name usable as one path segment: letters, digits, '-', '_', '.', not "." or "..".
bool SafeName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status WriteText(const std::string& path, const std::string& text) {
  // Written beside and renamed, so a reader never sees half a playlist.
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Status::Internal("cannot write " + path);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) return Status::Internal("cannot write " + path + ": " + error.message());
  return Status::Ok();
}

}  // namespace

Result<const PackagedRendition*> FindRendition(const PackagedMedia& media, std::string_view name) {
  for (const PackagedRendition& rendition : media.renditions) {
    if (rendition.name == name) return &rendition;
  }
  return Status::NotFound("no rendition named " + std::string(name));
}

std::string PackagedMediaToJson(const PackagedMedia& media) {
  json root;
  root["duration_s"] = media.duration_s;
  root["segment_seconds"] = media.segment_seconds;
  root["encrypted"] = media.encrypted;
  root["has_dash"] = media.has_dash;
  root["poster_uri"] = media.poster_uri;
  root["renditions"] = json::array();
  for (const PackagedRendition& r : media.renditions) {
    json item;
    item["name"] = r.name;
    item["kind"] = r.kind == RenditionKind::kVideo ? "video" : "audio";
    item["codecs"] = r.codecs;
    item["width"] = r.width;
    item["height"] = r.height;
    item["frame_rate"] = r.frame_rate;
    item["sample_rate"] = r.sample_rate;
    item["channels"] = r.channels;
    item["peak_bandwidth"] = r.peak_bandwidth;
    item["average_bandwidth"] = r.average_bandwidth;
    item["timescale"] = r.timescale;
    item["init_uri"] = r.init_uri;
    item["playlist_uri"] = r.playlist_uri;
    item["key_uri"] = r.key_uri;
    item["segments"] = json::array();
    for (const PackagedSegment& s : r.segments) {
      item["segments"].push_back({{"uri", s.uri},
                                  {"start", s.start},
                                  {"duration", s.duration},
                                  {"bytes", s.bytes},
                                  {"iv", s.iv_hex}});
    }
    root["renditions"].push_back(std::move(item));
  }
  return root.dump(1);
}

Result<PackagedMedia> PackagedMediaFromJson(std::string_view text) {
  try {
    const json root = json::parse(text);
    PackagedMedia media;
    media.duration_s = root.at("duration_s").get<double>();
    media.segment_seconds = root.at("segment_seconds").get<double>();
    media.encrypted = root.at("encrypted").get<bool>();
    media.has_dash = root.at("has_dash").get<bool>();
    media.poster_uri = root.at("poster_uri").get<std::string>();
    for (const json& item : root.at("renditions")) {
      PackagedRendition r;
      r.name = item.at("name").get<std::string>();
      if (!SafeName(r.name)) return Status::InvalidArgument("bad rendition name " + r.name);
      const std::string kind = item.at("kind").get<std::string>();
      if (kind != "video" && kind != "audio") {
        return Status::InvalidArgument("bad rendition kind " + kind);
      }
      r.kind = kind == "video" ? RenditionKind::kVideo : RenditionKind::kAudio;
      r.codecs = item.at("codecs").get<std::string>();
      r.width = item.at("width").get<int>();
      r.height = item.at("height").get<int>();
      r.frame_rate = item.at("frame_rate").get<double>();
      r.sample_rate = item.at("sample_rate").get<int>();
      r.channels = item.at("channels").get<int>();
      r.peak_bandwidth = item.at("peak_bandwidth").get<int64_t>();
      r.average_bandwidth = item.at("average_bandwidth").get<int64_t>();
      r.timescale = item.at("timescale").get<int64_t>();
      if (r.timescale <= 0) return Status::InvalidArgument("timescale must be positive");
      r.init_uri = item.at("init_uri").get<std::string>();
      r.playlist_uri = item.at("playlist_uri").get<std::string>();
      r.key_uri = item.at("key_uri").get<std::string>();
      for (const json& s : item.at("segments")) {
        PackagedSegment segment;
        segment.uri = s.at("uri").get<std::string>();
        if (!SafeName(segment.uri)) return Status::InvalidArgument("bad segment uri");
        segment.start = s.at("start").get<int64_t>();
        segment.duration = s.at("duration").get<int64_t>();
        segment.duration_s =
            static_cast<double>(segment.duration) / static_cast<double>(r.timescale);
        segment.bytes = s.at("bytes").get<uint64_t>();
        segment.iv_hex = s.at("iv").get<std::string>();
        r.segments.push_back(std::move(segment));
      }
      media.renditions.push_back(std::move(r));
    }
    return media;
  } catch (const json::exception& error) {
    return Status::InvalidArgument(std::string("bad package.json: ") + error.what());
  }
}

Status WritePlaylists(const PackagedMedia& media, const std::string& directory) {
  for (const PackagedRendition& rendition : media.renditions) {
    STREAMGATE_RETURN_IF_ERROR(
        WriteText(directory + "/" + rendition.playlist_uri, RenderHlsMedia(media, rendition)));
  }
  if (media.has_dash) {
    STREAMGATE_RETURN_IF_ERROR(WriteText(directory + "/manifest.mpd", RenderDashMpd(media)));
  }
  STREAMGATE_RETURN_IF_ERROR(WriteText(directory + "/package.json", PackagedMediaToJson(media)));
  // The multivariant playlist last: once it exists, everything it points at does too.
  return WriteText(directory + "/master.m3u8", RenderHlsMaster(media));
}

}  // namespace streamgate
