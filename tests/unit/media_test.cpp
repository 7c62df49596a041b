// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Pure parts of the media code: playlist rendering rules and token rendering, the ladder
// planner, codec strings from real SPS bytes, AES-128-CBC against the NIST vector, and
// package.json parsing of hostile documents.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>

#include "media/aes128.h"
#include "media/codec_string.h"
#include "media/ladder.h"
#include "streamgate/packager.h"
#include "streamgate/transcoder.h"

namespace streamgate {
namespace {

PackagedMedia SampleMedia(bool encrypted = false) {
  PackagedMedia media;
  media.duration_s = 9.0;
  media.segment_seconds = 4;
  media.encrypted = encrypted;
  media.has_dash = !encrypted;
  media.poster_uri = "poster.jpg";
  PackagedRendition video;
  video.name = "720p";
  video.codecs = "avc1.64001f";
  video.width = 1280;
  video.height = 720;
  video.frame_rate = 30;
  video.peak_bandwidth = 3300000;
  video.average_bandwidth = 3000000;
  video.timescale = 90000;
  video.playlist_uri = "720p/index.m3u8";
  const double durations[] = {4.0, 4.6, 0.4};
  int64_t start = 0;
  for (int i = 0; i < 3; ++i) {
    PackagedSegment segment;
    segment.uri = "seg_0000" + std::to_string(i + 1) + ".m4s";
    segment.start = start;
    segment.duration = std::llround(durations[i] * 90000);
    segment.duration_s = durations[i];
    segment.bytes = 1000;
    if (encrypted) segment.iv_hex = "0x000102030405060708090a0b0c0d0e0f";
    start += segment.duration;
    video.segments.push_back(segment);
  }
  if (encrypted) video.key_uri = "../keys/720p.key";
  PackagedRendition audio = video;
  audio.name = "audio";
  audio.kind = RenditionKind::kAudio;
  audio.codecs = "mp4a.40.2";
  audio.width = audio.height = 0;
  audio.sample_rate = 48000;
  audio.channels = 2;
  audio.peak_bandwidth = 130000;
  audio.average_bandwidth = 128000;
  audio.timescale = 48000;
  audio.playlist_uri = "audio/index.m3u8";
  if (encrypted) audio.key_uri = "../keys/audio.key";
  media.renditions = {video, audio};
  return media;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("AppendQuery adds the token with ? or &", "[packager]") {
  CHECK(AppendQuery("a/b.m3u8", "") == "a/b.m3u8");
  CHECK(AppendQuery("a/b.m3u8", "token=x") == "a/b.m3u8?token=x");
  CHECK(AppendQuery("a/b.m3u8?v=1", "token=x") == "a/b.m3u8?v=1&token=x");
}

TEST_CASE("HLS master: audio group, bandwidth includes audio, token on every URI", "[packager]") {
  const PackagedMedia media = SampleMedia();
  const std::string master = RenderHlsMaster(media, "token=abc");
  const auto lines = Lines(master);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "#EXTM3U");
  CHECK(lines[1] == "#EXT-X-VERSION:7");
  CHECK(lines[3] ==
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"default\",DEFAULT=YES,AUTOSELECT=YES,"
        "CHANNELS=\"2\",URI=\"audio/index.m3u8?token=abc\"");
  CHECK(lines[4] ==
        "#EXT-X-STREAM-INF:BANDWIDTH=3430000,AVERAGE-BANDWIDTH=3128000,CODECS=\"avc1.64001f,"
        "mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"audio\"");
  CHECK(lines[5] == "720p/index.m3u8?token=abc");
  // Without a token the stored playlist has bare URIs.
  CHECK(RenderHlsMaster(media).find('?') == std::string::npos);
}

TEST_CASE("HLS media playlist: target duration is the largest rounded EXTINF", "[packager]") {
  const PackagedMedia media = SampleMedia();
  const std::string playlist = RenderHlsMedia(media, media.renditions[0], "t=1");
  const auto lines = Lines(playlist);
  CHECK(lines[0] == "#EXTM3U");
  CHECK(lines[1] == "#EXT-X-VERSION:7");
  CHECK(lines[2] == "#EXT-X-TARGETDURATION:5");  // 4.6 rounds to 5
  CHECK(playlist.find("#EXT-X-PLAYLIST-TYPE:VOD\n") != std::string::npos);
  CHECK(playlist.find("#EXT-X-MAP:URI=\"init.mp4?t=1\"\n") != std::string::npos);
  CHECK(playlist.find("#EXTINF:4.600000,\nseg_00002.m4s?t=1\n") != std::string::npos);
  CHECK(lines.back() == "#EXT-X-ENDLIST");
  CHECK(playlist.find("#EXT-X-KEY") == std::string::npos);

  PackagedMedia shorter = media;
  shorter.renditions[0].segments[1].duration_s = 4.49;
  CHECK(RenderHlsMedia(shorter, shorter.renditions[0]).find("#EXT-X-TARGETDURATION:4\n") !=
        std::string::npos);
}

TEST_CASE("HLS AES-128: a key line with explicit IV before each segment, map stays clear",
          "[packager]") {
  const PackagedMedia media = SampleMedia(true);
  const std::string playlist = RenderHlsMedia(media, media.renditions[0], "token=z");
  const std::size_t map = playlist.find("#EXT-X-MAP");
  const std::size_t key = playlist.find("#EXT-X-KEY");
  REQUIRE(map != std::string::npos);
  REQUIRE(key != std::string::npos);
  CHECK(map < key);
  CHECK(playlist.find("#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/720p.key?token=z\","
                      "IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:4.000000,") !=
        std::string::npos);
  std::size_t count = 0;
  for (std::size_t at = playlist.find("#EXT-X-KEY"); at != std::string::npos;
       at = playlist.find("#EXT-X-KEY", at + 1)) {
    ++count;
  }
  CHECK(count == 3);
}

TEST_CASE("DASH MPD: timelines with repeats, escaped token, audio adaptation set", "[packager]") {
  PackagedMedia media = SampleMedia();
  media.renditions[0].segments[1].duration = 360000;  // 4 s like the first: one S with r=1
  media.renditions[0].segments[2].start = 720000;
  const std::string mpd = RenderDashMpd(media, "token=a&b=$");
  CHECK(mpd.find("type=\"static\"") != std::string::npos);
  CHECK(mpd.find("mediaPresentationDuration=\"PT9.000S\"") != std::string::npos);
  CHECK(mpd.find("<S t=\"0\" d=\"360000\" r=\"1\"/>") != std::string::npos);
  CHECK(mpd.find("<S t=\"720000\" d=\"36000\"/>") != std::string::npos);
  CHECK(mpd.find("media=\"720p/seg_$Number%05d$.m4s?token=a&amp;b=$$\"") != std::string::npos);
  CHECK(mpd.find("initialization=\"720p/init.mp4?token=a&amp;b=$$\"") != std::string::npos);
  CHECK(mpd.find("contentType=\"audio\"") != std::string::npos);
  CHECK(mpd.find("audioSamplingRate=\"48000\"") != std::string::npos);
  CHECK(mpd.find("codecs=\"avc1.64001f\" width=\"1280\" height=\"720\" frameRate=\"30\"") !=
        std::string::npos);
}

TEST_CASE("package.json round-trips and rejects hostile documents", "[packager]") {
  const PackagedMedia media = SampleMedia(true);
  auto loaded = PackagedMediaFromJson(PackagedMediaToJson(media));
  REQUIRE(loaded.ok());
  CHECK(RenderHlsMaster(*loaded, "t=1") == RenderHlsMaster(media, "t=1"));
  CHECK(RenderHlsMedia(*loaded, loaded->renditions[0]) ==
        RenderHlsMedia(media, media.renditions[0]));
  REQUIRE(FindRendition(*loaded, "audio").ok());
  CHECK(FindRendition(*loaded, "4k").status().code() == StatusCode::kNotFound);

  CHECK(PackagedMediaFromJson("{").status().code() == StatusCode::kInvalidArgument);
  CHECK(PackagedMediaFromJson("[]").status().code() == StatusCode::kInvalidArgument);
  std::string traversal = PackagedMediaToJson(media);
  traversal.replace(traversal.find("\"720p\""), 6, "\"../x\"");
  CHECK(PackagedMediaFromJson(traversal).status().code() == StatusCode::kInvalidArgument);
  std::string zero = PackagedMediaToJson(media);
  zero.replace(zero.find("\"timescale\": 90000"), 18, "\"timescale\": 0");
  CHECK(PackagedMediaFromJson(zero).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ParseLadder and PlanLadder: never upscale, keep aspect, even sizes", "[transcoder]") {
  auto ladder = ParseLadder("720:3000,1080:5000,360:800");
  REQUIRE(ladder.ok());
  REQUIRE(ladder->size() == 3);
  CHECK((*ladder)[0].height == 1080);  // sorted, highest first
  CHECK((*ladder)[0].name == "1080p");
  CHECK(LadderToString(*ladder) == "1080:5000,720:3000,360:800");
  CHECK(LadderToString(DefaultLadder()) == "1080:5000,720:3000,480:1200,360:800");
  for (const char* bad : {"", "720", "720:", "x:1", "720:3000,", "720:3000,720:2000", "8:100",
                          "720:3000;480:100", "-720:3000"}) {
    INFO(bad);
    CHECK(ParseLadder(bad).status().code() == StatusCode::kInvalidArgument);
  }

  auto plan = internal::PlanLadder(DefaultLadder(), 1920, 1080);
  REQUIRE(plan.size() == 4);
  CHECK(plan[0].width == 1920);
  CHECK(plan[2].width == 854);  // 480 * 16/9 = 853.3 → even
  CHECK(plan[3].width == 640);
  plan = internal::PlanLadder(DefaultLadder(), 1280, 720);
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].name == "720p");
  plan = internal::PlanLadder(DefaultLadder(), 640, 480);  // 4:3
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].width == 640);
  CHECK(plan[1].width == 480);
  plan = internal::PlanLadder(DefaultLadder(), 321, 241);  // smaller than every rung
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].width == 320);
  CHECK(plan[0].height == 240);
  CHECK(plan[0].kbps == 800);
}

TEST_CASE("Codec strings come from the SPS bytes", "[transcoder]") {
  AVCodecContext context{};
  // Annex B: start code, SPS (type 7) with profile 100, constraints 0, level 31.
  uint8_t annex_b[] = {0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 1, 0x68, 0xeb};
  context.extradata = annex_b;
  context.extradata_size = sizeof(annex_b);
  CHECK(internal::AvcCodecString(context) == "avc1.64001f");
  // avcC: version 1, Baseline constrained, level 3.0.
  uint8_t avcc[] = {1, 0x42, 0xe0, 0x1e, 0xff, 0xe1};
  context.extradata = avcc;
  context.extradata_size = sizeof(avcc);
  CHECK(internal::AvcCodecString(context) == "avc1.42e01e");
  context.extradata = nullptr;
  context.extradata_size = 0;
  context.profile = 1;  // FF_PROFILE_AAC_LOW
  CHECK(internal::AacCodecString(context) == "mp4a.40.2");
}

TEST_CASE("AES-128-CBC matches NIST SP 800-38A and pads with PKCS#7", "[packager]") {
  const internal::AesBlock key = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                  0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
  const internal::AesBlock iv = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const std::string plain("\x6b\xc1\xbe\xe2\x2e\x40\x9f\x96\xe9\x3d\x7e\x11\x73\x93\x17\x2a", 16);
  auto cipher = internal::Aes128CbcEncrypt(plain, key, iv);
  REQUIRE(cipher.ok());
  REQUIRE(cipher->size() == 32);  // a full block of padding follows a full block
  CHECK(cipher->substr(0, 16) ==
        std::string("\x76\x49\xab\xac\x81\x19\xb2\x46\xce\xe9\x8e\x9b\x12\xe9\x19\x7d", 16));
  auto back = internal::Aes128CbcDecrypt(*cipher, key, iv);
  REQUIRE(back.ok());
  CHECK(*back == plain);
  CHECK(internal::Aes128CbcEncrypt("", key, iv)->size() == 16);
  CHECK(internal::Aes128CbcEncrypt("abc", key, iv)->size() == 16);
  internal::AesBlock wrong = key;
  wrong[0] ^= 1;
  auto garbage = internal::Aes128CbcDecrypt(*cipher, wrong, iv);
  // A wrong key almost always breaks the padding; if not, the bytes differ.
  CHECK((!garbage.ok() || *garbage != plain));
  CHECK(internal::IvToHex(iv) == "0x000102030405060708090a0b0c0d0e0f");
  auto random_a = internal::RandomAesBlock();
  auto random_b = internal::RandomAesBlock();
  REQUIRE(random_a.ok());
  CHECK(*random_a != *random_b);
}

}  // namespace streamgate
