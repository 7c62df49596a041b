// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// DASH rendering (ISO/IEC 23009-1, static, isoff-live profile) of a PackagedMedia over the same
// CMAF files HLS uses: one video AdaptationSet, one audio AdaptationSet, per Representation a
// SegmentTemplate ($Number%05d$, the files' real names) with a SegmentTimeline of real
// durations in the track's timescale.
#include <cstdio>
#include <string>

#include "common/xml_escape.h"
#include "streamgate/packager.h"

namespace streamgate {
namespace {

using internal::XmlEscape;

// '$' opens a template identifier, so a literal one in a token is written "$$".
std::string TemplateEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

std::string IsoDuration(double seconds) {
  char text[64];
  std::snprintf(text, sizeof(text), "PT%.3fS", seconds);
  return text;
}

std::string SegmentTemplate(const PackagedRendition& rendition, std::string_view token_query) {
  const std::string base = rendition.name + "/";
  const std::string media = AppendQuery(base + "seg_$Number%05d$.m4s", TemplateEscape(token_query));
  const std::string init = AppendQuery(base + rendition.init_uri, TemplateEscape(token_query));
  std::string out = "    <SegmentTemplate timescale=\"" + std::to_string(rendition.timescale) +
                    "\" startNumber=\"1\" initialization=\"" + XmlEscape(init) + "\" media=\"" +
                    XmlEscape(media) + "\">\n     <SegmentTimeline>\n";
  const auto& segments = rendition.segments;
  for (std::size_t i = 0; i < segments.size();) {
    std::size_t repeat = 0;
    while (i + repeat + 1 < segments.size() &&
           segments[i + repeat + 1].duration == segments[i].duration &&
           segments[i + repeat + 1].start == segments[i + repeat].start + segments[i].duration) {
      ++repeat;
    }
    out += "      <S t=\"" + std::to_string(segments[i].start) + "\" d=\"" +
           std::to_string(segments[i].duration) + "\"";
    if (repeat > 0) out += " r=\"" + std::to_string(repeat) + "\"";
    out += "/>\n";
    i += repeat + 1;
  }
  out += "     </SegmentTimeline>\n    </SegmentTemplate>\n";
  return out;
}

}  // namespace

std::string RenderDashMpd(const PackagedMedia& media, std::string_view token_query) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" "
      "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" minBufferTime=\"PT" +
      std::to_string(static_cast<int>(media.segment_seconds + 0.999)) +
      "S\" mediaPresentationDuration=\"" + IsoDuration(media.duration_s) + "\">\n";
  out += " <Period id=\"0\" start=\"PT0S\">\n";
  bool video_open = false;
  for (const PackagedRendition& rendition : media.renditions) {
    if (rendition.kind != RenditionKind::kVideo) continue;
    if (!video_open) {
      out +=
          "  <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" "
          "segmentAlignment=\"true\" startWithSAP=\"1\">\n";
      video_open = true;
    }
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.3f", rendition.frame_rate);
    std::string frame_rate = rate;
    while (frame_rate.back() == '0') frame_rate.pop_back();
    if (frame_rate.back() == '.') frame_rate.pop_back();
    out += "   <Representation id=\"" + XmlEscape(rendition.name) + "\" bandwidth=\"" +
           std::to_string(rendition.peak_bandwidth) + "\" codecs=\"" + XmlEscape(rendition.codecs) +
           "\" width=\"" + std::to_string(rendition.width) + "\" height=\"" +
           std::to_string(rendition.height) + "\" frameRate=\"" + frame_rate + "\" sar=\"1:1\">\n";
    out += SegmentTemplate(rendition, token_query);
    out += "   </Representation>\n";
  }
  if (video_open) out += "  </AdaptationSet>\n";
  for (const PackagedRendition& rendition : media.renditions) {
    if (rendition.kind != RenditionKind::kAudio) continue;
    out +=
        "  <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" "
        "segmentAlignment=\"true\" startWithSAP=\"1\">\n";
    out += "   <Representation id=\"" + XmlEscape(rendition.name) + "\" bandwidth=\"" +
           std::to_string(rendition.peak_bandwidth) + "\" codecs=\"" + XmlEscape(rendition.codecs) +
           "\" audioSamplingRate=\"" + std::to_string(rendition.sample_rate) + "\">\n";
    out +=
        "    <AudioChannelConfiguration "
        "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"" +
        std::to_string(rendition.channels) + "\"/>\n";
    out += SegmentTemplate(rendition, token_query);
    out += "   </Representation>\n  </AdaptationSet>\n";
  }
  out += " </Period>\n</MPD>\n";
  return out;
}

}  // namespace streamgate
