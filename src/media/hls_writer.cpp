// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// HLS rendering (RFC 8216) of a PackagedMedia: the multivariant playlist and each media
// playlist. Pure functions over the model, so the streaming layer can render per-viewer copies
// with a token on every URI without touching the stored files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "streamgate/packager.h"

namespace streamgate {
namespace {

constexpr const char* kAudioGroup = "audio";

std::string FormatDouble(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

const PackagedRendition* AudioRendition(const PackagedMedia& media) {
  for (const PackagedRendition& rendition : media.renditions) {
    if (rendition.kind == RenditionKind::kAudio) return &rendition;
  }
  return nullptr;
}

}  // namespace

std::string AppendQuery(std::string_view uri, std::string_view token_query) {
  std::string out(uri);
  if (token_query.empty()) return out;
  out += (out.find('?') == std::string::npos) ? '?' : '&';
  out += token_query;
  return out;
}

std::string RenderHlsMaster(const PackagedMedia& media, std::string_view token_query) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  const PackagedRendition* audio = AudioRendition(media);
  if (audio != nullptr) {
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"" + std::string(kAudioGroup) +
           "\",NAME=\"default\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"" +
           std::to_string(audio->channels) + "\",URI=\"" +
           AppendQuery(audio->playlist_uri, token_query) + "\"\n";
  }
  for (const PackagedRendition& video : media.renditions) {
    if (video.kind != RenditionKind::kVideo) continue;
    // BANDWIDTH covers everything a client downloads for this variant: video plus audio.
    int64_t peak = video.peak_bandwidth;
    int64_t average = video.average_bandwidth;
    std::string codecs = video.codecs;
    if (audio != nullptr) {
      peak += audio->peak_bandwidth;
      average += audio->average_bandwidth;
      codecs += "," + audio->codecs;
    }
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(peak) +
           ",AVERAGE-BANDWIDTH=" + std::to_string(average) + ",CODECS=\"" + codecs +
           "\",RESOLUTION=" + std::to_string(video.width) + "x" + std::to_string(video.height) +
           ",FRAME-RATE=" + FormatDouble(video.frame_rate, 3);
    if (audio != nullptr) out += ",AUDIO=\"" + std::string(kAudioGroup) + "\"";
    out += "\n" + AppendQuery(video.playlist_uri, token_query) + "\n";
  }
  return out;
}

std::string RenderHlsMedia(const PackagedMedia& media, const PackagedRendition& rendition,
                           std::string_view token_query) {
  (void)media;
  // Every EXTINF rounded to the nearest integer must not exceed the target duration.
  long target = 1;
  for (const PackagedSegment& segment : rendition.segments) {
    target = std::max(target, std::lround(segment.duration_s));
  }
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:" + std::to_string(target) +
                    "\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
                    "#EXT-X-INDEPENDENT-SEGMENTS\n";
  // The init segment stays clear: EXT-X-MAP comes before the first EXT-X-KEY.
  out += "#EXT-X-MAP:URI=\"" + AppendQuery(rendition.init_uri, token_query) + "\"\n";
  for (const PackagedSegment& segment : rendition.segments) {
    if (!segment.iv_hex.empty() && !rendition.key_uri.empty()) {
      out += "#EXT-X-KEY:METHOD=AES-128,URI=\"" + AppendQuery(rendition.key_uri, token_query) +
             "\",IV=" + segment.iv_hex + "\n";
    }
    out += "#EXTINF:" + FormatDouble(segment.duration_s, 6) + ",\n";
    out += AppendQuery(segment.uri, token_query) + "\n";
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace streamgate
