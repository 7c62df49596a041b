// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Magic-byte recognition of video containers, so that an upload endpoint configured for video
// refuses anything else before it reaches the transcoder.
#include <cstdint>
#include <string_view>

#include "streamgate/uploader.h"

namespace streamgate {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix, std::size_t at = 0) {
  return text.size() >= at + prefix.size() && text.substr(at, prefix.size()) == prefix;
}

uint8_t Byte(std::string_view text, std::size_t at) { return static_cast<uint8_t>(text[at]); }

}  // namespace

std::string_view SniffVideoContainer(std::string_view head) {
  using namespace std::string_view_literals;
  if (head.size() < 4) return "";
  // ISO-BMFF (MP4, M4V, 3GP, MOV with ftyp): a box size then "ftyp" with a brand.
  if (StartsWith(head, "ftyp"sv, 4)) {
    return StartsWith(head, "qt  "sv, 8) ? "quicktime" : "mp4";
  }
  // Classic QuickTime files may open with another top-level atom.
  for (const std::string_view atom : {"moov"sv, "mdat"sv, "wide"sv, "free"sv, "skip"sv, "pnot"sv}) {
    if (StartsWith(head, atom, 4)) return "quicktime";
  }
  if (StartsWith(head, "\x1A\x45\xDF\xA3"sv)) return "matroska";  // EBML (WebM, MKV)
  if (StartsWith(head, "RIFF"sv) && StartsWith(head, "AVI "sv, 8)) return "avi";
  if (StartsWith(head, "FLV\x01"sv)) return "flv";
  if (StartsWith(head, "\x00\x00\x01\xBA"sv)) return "mpegps";  // pack header
  // MPEG-TS: sync byte 0x47 every 188 bytes (192 for M2TS, after a 4-byte timecode). Two
  // sync bytes are required (three when the head is long enough): one is chance.
  for (const std::size_t start : {std::size_t{0}, std::size_t{4}}) {
    const std::size_t stride = start == 0 ? 188 : 192;
    if (head.size() <= start + stride) continue;
    bool synced = true;
    for (std::size_t at = start; at < head.size() && at <= start + 2 * stride; at += stride) {
      synced = synced && Byte(head, at) == 0x47;
    }
    if (synced) return "mpegts";
  }
  return "";
}

}  // namespace streamgate
