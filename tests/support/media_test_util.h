// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for the media tests: unique temp dirs, running ffmpeg/ffprobe (the oracles),
// generating small real clips with lavfi sources, and a strict little HLS playlist parser.
// Test-only code: failures throw std::runtime_error so that Catch2 reports the reason.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace streamgate::testing {

struct MediaTempDir {
  explicit MediaTempDir(const std::string& prefix = "sg-media") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~MediaTempDir() {
    std::error_code error;
    std::filesystem::remove_all(path, error);
  }
  MediaTempDir(const MediaTempDir&) = delete;
  MediaTempDir& operator=(const MediaTempDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (stderr is appended when the command redirects it)
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string Quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path);
}

struct ClipSpec {
  int width = 320;
  int height = 240;
  int fps = 15;
  double seconds = 3;
  bool audio = true;
  int rotate = 0;  // written as the display matrix (phone-style)
  std::string container = "mp4";
};

// Generates a clip with ffmpeg's testsrc2 (+ a sine tone); throws when ffmpeg fails.
inline void MakeClip(const std::string& path, const ClipSpec& spec) {
  std::ostringstream command;
  command << "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=" << spec.width << "x"
          << spec.height << ":rate=" << spec.fps << ":duration=" << spec.seconds;
  if (spec.audio) {
    command << " -f lavfi -i sine=frequency=440:sample_rate=44100:duration=" << spec.seconds;
  }
  command << " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g " << spec.fps;
  if (spec.audio) command << " -c:a aac -b:a 64k";
  // An encode drops the rotate tag; a stream copy turns it into a display matrix.
  const std::string encoded = spec.rotate != 0 ? path + ".unrotated.mp4" : path;
  command << " " << Quote(encoded) << " 2>&1";
  CommandResult result = RunCommand(command.str());
  if (result.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + result.output);
  if (spec.rotate != 0) {
    result = RunCommand("ffmpeg -nostdin -v error -y -i " + Quote(encoded) +
                        " -c copy -metadata:s:v rotate=" + std::to_string(spec.rotate) + " " +
                        Quote(path) + " 2>&1");
    std::filesystem::remove(encoded);
    if (result.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + result.output);
  }
}

// ffprobe's JSON for `args` (e.g. "-show_streams -show_format FILE").
inline nlohmann::json Ffprobe(const std::string& args) {
  const CommandResult result = RunCommand("ffprobe -v error -of json " + args + " 2>/dev/null");
  if (result.exit_code != 0) throw std::runtime_error("ffprobe failed: " + args);
  return nlohmann::json::parse(result.output);
}

// One playlist line: a tag with its value ("#EXTINF" → "4.000000,"), or a URI.
struct M3u8Line {
  std::string tag;    // "" for a URI line
  std::string value;  // after the ':' for tags; the URI for URI lines
};

inline std::vector<M3u8Line> ParseM3u8(const std::string& text) {
  std::vector<M3u8Line> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') throw std::runtime_error("CR in playlist");
    if (line.empty()) continue;
    if (line[0] == '#') {
      const std::size_t colon = line.find(':');
      M3u8Line entry;
      entry.tag = line.substr(0, colon);
      if (colon != std::string::npos) entry.value = line.substr(colon + 1);
      lines.push_back(entry);
    } else {
      lines.push_back({"", line});
    }
  }
  return lines;
}

// KEY=VALUE,KEY="quoted, value" → map (quotes removed).
inline std::map<std::string, std::string> ParseAttributes(const std::string& text) {
  std::map<std::string, std::string> attributes;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t equals = text.find('=', i);
    if (equals == std::string::npos) throw std::runtime_error("bad attribute list: " + text);
    const std::string key = text.substr(i, equals - i);
    std::string value;
    i = equals + 1;
    if (i < text.size() && text[i] == '"') {
      const std::size_t close = text.find('"', i + 1);
      if (close == std::string::npos) throw std::runtime_error("unclosed quote: " + text);
      value = text.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const std::size_t comma = text.find(',', i);
      value = text.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
      i = comma == std::string::npos ? text.size() : comma;
    }
    if (attributes.count(key) != 0) throw std::runtime_error("duplicate attribute " + key);
    attributes[key] = value;
    if (i < text.size()) {
      if (text[i] != ',') throw std::runtime_error("expected ',' in " + text);
      ++i;
    }
  }
  return attributes;
}

}  // namespace streamgate::testing
