// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Packager: the model of one packaged item (CMAF renditions, their segments and real durations)
// and the pure functions that render it as HLS (multivariant + media playlists, version 7,
// EXT-X-MAP, optional AES-128 EXT-X-KEY) and as a static DASH MPD (SegmentTimeline over the same
// files). The Transcoder fills the model while it muxes; the streaming layer loads it back
// (PackagedMediaFromJson over `package.json`) and renders playlists per viewer with a token
// query appended to every URI.
//
// Layout of a packaged item (paths relative to its directory, e.g. media/<content_id>/):
//   master.m3u8  manifest.mpd  package.json  poster.jpg
//   <video rendition, e.g. 720p>/index.m3u8 init.mp4 seg_00001.m4s …
//   audio/index.m3u8 init.mp4 seg_00001.m4s …     (audio is its own CMAF track and rendition)
//   keys/<rendition>.key                          (AES-128 only: 16 raw bytes; gate this path)
//
// Threads and ownership: the model is plain values (copy or share it freely; const access from
// many threads is safe), and the render functions are pure. Only WritePlaylists does I/O
// (Internal when a file cannot be written; it blocks on the disk).
//
// All functions here are pure and thread-safe; the model is a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

struct PackagerOptions {
  // Target segment length; segments start at the first key frame at or after each multiple.
  double segment_seconds = 4.0;
  // Encrypt every media segment with AES-128-CBC + PKCS#7 (one random key per rendition, IV
  // explicit in EXT-X-KEY). The init segments stay clear. DASH cannot carry whole-segment
  // AES-128, so no MPD is written when this is on.
  bool aes128 = false;
  // Write manifest.mpd (ignored when aes128 is on).
  bool dash = true;
  // The placeholder key URI written into EXT-X-KEY, relative to the media playlist;
  // "{rendition}" is replaced by the rendition name. The streaming layer gates or rewrites it.
  std::string key_uri_template = "../keys/{rendition}.key";
};

struct PackagedSegment {
  std::string uri;        // relative to the rendition's directory: "seg_00001.m4s"
  int64_t start = 0;      // presentation time of its first sample, in `timescale` units
  int64_t duration = 0;   // in `timescale` units
  double duration_s = 0;  // duration / timescale
  uint64_t bytes = 0;     // size of the file as stored (encrypted size with AES-128)
  std::string iv_hex;     // "0x…" 32 hex digits when encrypted; empty otherwise
};

enum class RenditionKind { kVideo, kAudio };

struct PackagedRendition {
  std::string name;  // "720p", "audio": also its directory name
  RenditionKind kind = RenditionKind::kVideo;
  std::string codecs;  // RFC 6381: "avc1.64001f" or "mp4a.40.2"
  int width = 0;       // video only
  int height = 0;
  double frame_rate = 0;
  int sample_rate = 0;  // audio only
  int channels = 0;
  int64_t peak_bandwidth = 0;     // bits/s: the largest segment bit rate
  int64_t average_bandwidth = 0;  // bits/s: all segments' bytes over their duration
  int64_t timescale = 0;          // of the track in the fMP4 files
  std::string init_uri = "init.mp4";
  std::string playlist_uri;  // relative to the item: "720p/index.m3u8"
  std::string key_uri;       // relative to the media playlist; empty when clear
  std::vector<PackagedSegment> segments;
};

struct PackagedMedia {
  double duration_s = 0;
  double segment_seconds = 4.0;
  bool encrypted = false;
  bool has_dash = true;
  std::string poster_uri;  // "poster.jpg"; empty when none
  // Video renditions from the highest to the lowest, then the audio rendition (if any).
  std::vector<PackagedRendition> renditions;
};

// Appends `token_query` ("token=abc") to `uri` with '?' or '&'; unchanged when it is empty.
std::string AppendQuery(std::string_view uri, std::string_view token_query);

// The multivariant playlist. Variants reference "<name>/index.m3u8"; audio is one
// EXT-X-MEDIA group "audio". Every URI carries `token_query` when non-empty.
std::string RenderHlsMaster(const PackagedMedia& media, std::string_view token_query = {});
// The media playlist of `rendition` (one of media.renditions). URIs are relative to the
// rendition's directory.
std::string RenderHlsMedia(const PackagedMedia& media, const PackagedRendition& rendition,
                           std::string_view token_query = {});
// The static MPD: one video AdaptationSet (every video rendition) and one audio AdaptationSet,
// SegmentTemplate with $Number%05d$ and a SegmentTimeline of real durations.
std::string RenderDashMpd(const PackagedMedia& media, std::string_view token_query = {});

// NotFound when no rendition has that name.
Result<const PackagedRendition*> FindRendition(const PackagedMedia& media, std::string_view name);

// package.json round trip. FromJson checks the document (InvalidArgument with the reason).
std::string PackagedMediaToJson(const PackagedMedia& media);
Result<PackagedMedia> PackagedMediaFromJson(std::string_view json);

// Writes master.m3u8, every <rendition>/index.m3u8, manifest.mpd (when media.has_dash) and
// package.json into `directory`, which already holds the segments.
Status WritePlaylists(const PackagedMedia& media, const std::string& directory);

}  // namespace streamgate
