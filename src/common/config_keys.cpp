// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "common/config_keys.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

namespace streamgate::internal {
namespace {

constexpr int64_t kMaxTimeoutMs =
    int64_t{24} * 60 * 60 * 1000;  // one day: anything longer is a typo
constexpr int64_t kMiB = int64_t{1024} * 1024;
constexpr int64_t kTiB = kMiB * kMiB;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "string \"80\"" / "number 1.5": what a wrong JSON value was, for error messages.
std::string DescribeJson(const nlohmann::json& value) {
  std::string shown = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
  return std::string(value.type_name()) + " " + shown;
}

Result<int64_t> ParseInteger(const ConfigInput& input, int64_t min, int64_t max) {
  const std::string expected =
      "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (input.json != nullptr) {
    const nlohmann::json& value = *input.json;
    if (!value.is_number_integer()) {
      return Status::InvalidArgument("expected " + expected + ", got " + DescribeJson(value));
    }
    const bool too_big =
        value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max);
    const int64_t number = too_big ? max : value.get<int64_t>();
    if (too_big || number < min || number > max) {
      return Status::InvalidArgument(value.dump() + " is not " + expected);
    }
    return number;
  }
  // Strict: the whole text must be the number (no sign prefix '+', no spaces, no suffix).
  int64_t number = 0;
  const char* begin = input.text.data();
  const char* end = begin + input.text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, number);
  if (input.text.empty() || ec != std::errc() || ptr != end || number < min || number > max) {
    return Status::InvalidArgument(QuoteForMessage(input.text) + " is not " + expected);
  }
  return number;
}

Result<bool> ParseBoolean(const ConfigInput& input) {
  if (input.json != nullptr) {
    if (!input.json->is_boolean()) {
      return Status::InvalidArgument("expected a boolean, got " + DescribeJson(*input.json));
    }
    return input.json->get<bool>();
  }
  const std::string lower = Lower(input.text);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return Status::InvalidArgument(QuoteForMessage(input.text) +
                                 " is not a boolean (true/false, 1/0, yes/no, on/off)");
}

Result<std::string> ParseString(const ConfigInput& input, bool allow_empty) {
  std::string text;
  if (input.json != nullptr) {
    if (!input.json->is_string()) {
      return Status::InvalidArgument("expected a string, got " + DescribeJson(*input.json));
    }
    text = input.json->get<std::string>();
  } else {
    text = std::string(input.text);
  }
  if (!allow_empty && text.empty()) return Status::InvalidArgument("must not be empty");
  return text;
}

// The config field a key reads and writes, written once as a generic lambda so that it serves
// both `Config&` (apply) and `const Config&` (to_json).
template <typename Field>
using FieldType = std::remove_cv_t<
    std::remove_reference_t<decltype(std::declval<Field>()(std::declval<Config&>()))>>;

template <typename Field>
ConfigKey IntegerKey(std::string key, Field field, int64_t min, int64_t max,
                     std::string description) {
  using T = FieldType<Field>;
  static_assert(std::is_integral_v<T>);
  ConfigKey entry;
  entry.env = EnvNameForKey(key);
  entry.key = std::move(key);
  entry.type = "integer";
  // The range is stated once, here, so that --help and the docs always match the parser.
  entry.description = std::move(description) + " Range: " + std::to_string(min) + " to " +
                      std::to_string(max) + ".";
  entry.apply = [field, min, max](const ConfigInput& input, Config& config) -> Status {
    STREAMGATE_ASSIGN_OR_RETURN(const int64_t number, ParseInteger(input, min, max));
    field(config) = static_cast<T>(number);
    return Status::Ok();
  };
  entry.to_json = [field](const Config& config) { return nlohmann::json(field(config)); };
  return entry;
}

template <typename Field>
ConfigKey StringKey(std::string key, Field field, bool allow_empty, std::string description) {
  ConfigKey entry;
  entry.env = EnvNameForKey(key);
  entry.key = std::move(key);
  entry.type = "string";
  entry.description = std::move(description);
  entry.apply = [field, allow_empty](const ConfigInput& input, Config& config) -> Status {
    STREAMGATE_ASSIGN_OR_RETURN(std::string text, ParseString(input, allow_empty));
    field(config) = std::move(text);
    return Status::Ok();
  };
  entry.to_json = [field](const Config& config) { return nlohmann::json(field(config)); };
  return entry;
}

template <typename Field>
ConfigKey BooleanKey(std::string key, Field field, std::string description) {
  ConfigKey entry;
  entry.env = EnvNameForKey(key);
  entry.key = std::move(key);
  entry.type = "boolean";
  entry.description = std::move(description);
  entry.is_boolean = true;
  entry.apply = [field](const ConfigInput& input, Config& config) -> Status {
    STREAMGATE_ASSIGN_OR_RETURN(const bool value, ParseBoolean(input));
    field(config) = value;
    return Status::Ok();
  };
  entry.to_json = [field](const Config& config) { return nlohmann::json(field(config)); };
  return entry;
}

// An enum spelled as one of `names` (case-insensitive); names[i] is the enumerator with value i.
template <typename Field>
ConfigKey EnumKey(std::string key, Field field, const std::vector<std::string>& names,
                  std::string description) {
  using T = FieldType<Field>;
  static_assert(std::is_enum_v<T>);
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : "|") + name;
  ConfigKey entry;
  entry.env = EnvNameForKey(key);
  entry.key = std::move(key);
  entry.type = "enum(" + joined + ")";
  entry.description = std::move(description);
  entry.apply = [field, names, joined](const ConfigInput& input, Config& config) -> Status {
    std::string text;
    if (input.json != nullptr) {
      if (!input.json->is_string()) {
        return Status::InvalidArgument("expected one of " + joined + ", got " +
                                       DescribeJson(*input.json));
      }
      text = input.json->get<std::string>();
    } else {
      text = std::string(input.text);
    }
    const std::string lower = Lower(text);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (lower == names[i]) {
        field(config) = static_cast<T>(i);
        return Status::Ok();
      }
    }
    return Status::InvalidArgument(QuoteForMessage(text) + " is not one of " + joined);
  };
  entry.to_json = [field, names](const Config& config) {
    const auto index = static_cast<std::size_t>(field(config));
    return index < names.size() ? nlohmann::json(names[index]) : nlohmann::json(nullptr);
  };
  return entry;
}

// Log levels are read by ParseLogLevel, which also accepts "warning".
ConfigKey LogLevelKey() {
  ConfigKey entry;
  entry.key = "log.level";
  entry.env = EnvNameForKey(entry.key);
  entry.type = "enum(trace|debug|info|warn|error|critical|off)";
  entry.description = "Lowest level written to stderr (\"warning\" is accepted for warn).";
  entry.apply = [](const ConfigInput& input, Config& config) -> Status {
    STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, true));
    Result<LogLevel> level = ParseLogLevel(text);
    if (!level.ok()) {
      return Status::InvalidArgument(QuoteForMessage(text) +
                                     " is not one of trace|debug|info|warn|error|critical|off");
    }
    config.log.level = *level;
    return Status::Ok();
  };
  entry.to_json = [](const Config& config) {
    return nlohmann::json(std::string(LogLevelName(config.log.level)));
  };
  return entry;
}

std::vector<ConfigKey> BuildKeys() {
  std::vector<ConfigKey> keys;
  keys.push_back(StringKey(
      "service", [](auto& c) -> auto& { return c.service; }, false,
      "Name of this service in logs, health and metrics; each binary sets its own."));
  keys.push_back(StringKey(
      "data_dir", [](auto& c) -> auto& { return c.data_dir; }, false,
      "Directory for every file the process writes (SQLite files, uploads, media); created at "
      "start."));
  keys.push_back(StringKey(
      "server.host", [](auto& c) -> auto& { return c.server.host; }, false,
      "Address the HTTP server listens on (0.0.0.0 for all IPv4 interfaces, 127.0.0.1 for "
      "loopback only)."));
  keys.push_back(IntegerKey(
      "server.port", [](auto& c) -> auto& { return c.server.port; }, 0, 65535,
      "TCP port the HTTP server listens on; 0 picks a free port. Each binary has its own "
      "default (8080 for the monolith, 9090-9093 and 9005-9009 for the services)."));
  keys.push_back(IntegerKey(
      "server.backlog", [](auto& c) -> auto& { return c.server.backlog; }, 1, 65535,
      "Length of the kernel's queue of connections not yet accepted."));
  keys.push_back(IntegerKey(
      "server.max_connections", [](auto& c) -> auto& { return c.server.max_connections; }, 1,
      10'000'000, "Open connections beyond this are accepted and closed at once."));
  keys.push_back(IntegerKey(
      "server.max_uri_bytes", [](auto& c) -> auto& { return c.server.max_uri_bytes; }, 1, kMiB,
      "Longest request target; longer ones get 414. At most server.max_header_bytes."));
  keys.push_back(IntegerKey(
      "server.max_header_bytes", [](auto& c) -> auto& { return c.server.max_header_bytes; }, 1,
      16 * kMiB, "Largest request head (request line and all header fields); larger gets 431."));
  keys.push_back(IntegerKey(
      "server.max_body_bytes", [](auto& c) -> auto& { return c.server.max_body_bytes; }, 1, kTiB,
      "Largest request body for routes without their own limit (uploads have one); larger gets "
      "413."));
  keys.push_back(IntegerKey(
      "server.header_timeout_ms", [](auto& c) -> auto& { return c.server.header_timeout_ms; }, 1,
      kMaxTimeoutMs, "Time from a request's first byte to its last header field before 408."));
  keys.push_back(IntegerKey(
      "server.idle_timeout_ms", [](auto& c) -> auto& { return c.server.idle_timeout_ms; }, 1,
      kMaxTimeoutMs, "How long a keep-alive connection may wait for its next request."));
  keys.push_back(IntegerKey(
      "server.body_timeout_ms", [](auto& c) -> auto& { return c.server.body_timeout_ms; }, 1,
      kMaxTimeoutMs, "Longest wait for the next bytes of a request body."));
  keys.push_back(IntegerKey(
      "server.write_timeout_ms", [](auto& c) -> auto& { return c.server.write_timeout_ms; }, 1,
      kMaxTimeoutMs, "Longest wait for the client to accept more response bytes."));
  keys.push_back(IntegerKey(
      "server.shutdown_timeout_ms", [](auto& c) -> auto& { return c.server.shutdown_timeout_ms; },
      1, kMaxTimeoutMs,
      "On SIGTERM, how long in-flight requests may take to finish before connections are "
      "closed."));
  keys.push_back(IntegerKey(
      "runtime.io_threads", [](auto& c) -> auto& { return c.runtime.io_threads; }, 0, 256,
      "Threads running the network event loop; 0 means one per hardware thread."));
  keys.push_back(IntegerKey(
      "runtime.worker_threads", [](auto& c) -> auto& { return c.runtime.worker_threads; }, 0, 1024,
      "Threads running blocking work (SQLite, FFmpeg, hashing, blocking handlers); 0 means "
      "max(2, hardware threads)."));
  keys.push_back(LogLevelKey());
  keys.push_back(EnumKey(
      "log.format", [](auto& c) -> auto& { return c.log.format; }, {"text", "json"},
      "text for people; json writes one object per line: {\"ts\", \"level\", \"logger\", "
      "\"msg\"}."));
  keys.push_back(BooleanKey(
      "log.access_log", [](auto& c) -> auto& { return c.log.access_log; },
      "One info line per HTTP exchange (client, method, path, status, bytes, microseconds)."));
  // --- transcode ---
  {
    ConfigKey ladder;
    ladder.key = "transcode.ladder";
    ladder.env = EnvNameForKey(ladder.key);
    ladder.type = "string";
    ladder.description =
        "ABR ladder as <height>:<video kbps> items, highest first; rungs above the source "
        "height are dropped (never upscaled).";
    ladder.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, false));
      STREAMGATE_ASSIGN_OR_RETURN(config.transcode.transcoder.ladder, ParseLadder(text));
      return Status::Ok();
    };
    ladder.to_json = [](const Config& config) {
      return nlohmann::json(LadderToString(config.transcode.transcoder.ladder));
    };
    keys.push_back(std::move(ladder));
  }
  {
    ConfigKey segment;
    segment.key = "transcode.segment_seconds";
    segment.env = EnvNameForKey(segment.key);
    segment.type = "number";
    segment.description =
        "Target HLS/DASH segment length in seconds; key frames are forced at every multiple in "
        "every rendition. Range: 1 to 30.";
    segment.apply = [](const ConfigInput& input, Config& config) -> Status {
      double value = 0;
      if (input.json != nullptr) {
        if (!input.json->is_number()) {
          return Status::InvalidArgument("expected a number, got " + DescribeJson(*input.json));
        }
        value = input.json->get<double>();
      } else {
        const char* begin = input.text.data();
        const char* end = begin + input.text.size();
        const auto [ptr, ec] = std::from_chars(begin, end, value);
        if (input.text.empty() || ec != std::errc() || ptr != end) value = -1;
      }
      if (!(value >= 1.0 && value <= 30.0)) {
        return Status::InvalidArgument("segment length must be a number in [1, 30]");
      }
      config.transcode.transcoder.packager.segment_seconds = value;
      return Status::Ok();
    };
    segment.to_json = [](const Config& config) {
      return nlohmann::json(config.transcode.transcoder.packager.segment_seconds);
    };
    keys.push_back(std::move(segment));
  }
  {
    ConfigKey preset;
    preset.key = "transcode.preset";
    preset.env = EnvNameForKey(preset.key);
    preset.type = "enum(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)";
    preset.description = "x264 speed/quality preset.";
    preset.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, false));
      const std::string lower = Lower(text);
      for (const char* name : {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
                               "slow", "slower", "veryslow"}) {
        if (lower == name) {
          config.transcode.transcoder.preset = lower;
          return Status::Ok();
        }
      }
      return Status::InvalidArgument(QuoteForMessage(text) + " is not an x264 preset");
    };
    preset.to_json = [](const Config& config) {
      return nlohmann::json(config.transcode.transcoder.preset);
    };
    keys.push_back(std::move(preset));
  }
  keys.push_back(IntegerKey(
      "transcode.crf", [](auto& c) -> auto& { return c.transcode.transcoder.crf; }, 0, 51,
      "0: average bit rate = the rung's kbps; 1-51: constant quality capped at the rung's kbps "
      "(VBV)."));
  keys.push_back(IntegerKey(
      "transcode.audio_kbps", [](auto& c) -> auto& { return c.transcode.transcoder.audio_kbps; },
      32, 512, "AAC bit rate."));
  keys.push_back(IntegerKey(
      "transcode.threads", [](auto& c) -> auto& { return c.transcode.transcoder.encoder_threads; },
      0, 64, "x264 threads per rendition encoder; 0 lets x264 choose."));
  keys.push_back(IntegerKey(
      "transcode.decoder_threads",
      [](auto& c) -> auto& { return c.transcode.transcoder.decoder_threads; }, 0, 64,
      "Decoder threads per job; 0 means automatic."));
  keys.push_back(IntegerKey(
      "transcode.parallel_rungs",
      [](auto& c) -> auto& { return c.transcode.transcoder.parallel_rungs; }, 1, 16,
      "Rungs of one job encoded at the same time on the worker pool (1: one after the other)."));
  keys.push_back(IntegerKey(
      "transcode.max_concurrent_jobs",
      [](auto& c) -> auto& { return c.transcode.max_concurrent_jobs; }, 1, 64,
      "Transcode jobs running at once (each holds one worker thread); the rest wait queued."));
  keys.push_back(BooleanKey(
      "transcode.aes128", [](auto& c) -> auto& { return c.transcode.transcoder.packager.aes128; },
      "Encrypt HLS media segments with AES-128 (one key per rendition; no DASH manifest then)."));
  keys.push_back(BooleanKey(
      "transcode.dash", [](auto& c) -> auto& { return c.transcode.transcoder.packager.dash; },
      "Write a DASH manifest (manifest.mpd) over the same CMAF segments."));
  keys.push_back(BooleanKey(
      "transcode.poster", [](auto& c) -> auto& { return c.transcode.transcoder.poster; },
      "Write poster.jpg (a frame at 10% of the duration)."));
  keys.push_back(BooleanKey(
      "transcode.on_upload", [](auto& c) -> auto& { return c.transcode.on_upload; },
      "Queue a transcode for every upload.completed event."));
  return keys;
}

}  // namespace

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> keys = BuildKeys();
  return keys;
}

const ConfigKey* FindConfigKey(std::string_view key) {
  for (const ConfigKey& entry : ConfigKeys()) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

bool IsConfigSection(std::string_view prefix) {
  for (const ConfigKey& entry : ConfigKeys()) {
    const std::string_view key = entry.key;
    if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix &&
        key[prefix.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::string EnvNameForKey(std::string_view key) {
  std::string env = "STREAMGATE_";
  for (const char c : key) {
    env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

std::string ConfigValueText(const ConfigKey& key, const Config& config) {
  const nlohmann::json value = key.to_json(config);
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<ConfigKeyInfo> DescribeConfigKeys(const Config& defaults) {
  std::vector<ConfigKeyInfo> out;
  for (const ConfigKey& key : ConfigKeys()) {
    out.push_back({key.key, key.env, key.type, ConfigValueText(key, defaults), key.description});
  }
  return out;
}

std::string QuoteForMessage(std::string_view text) {
  const bool cut = text.size() > 64;
  std::string quoted = nlohmann::json(std::string(text.substr(0, 64)))
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (cut) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

}  // namespace streamgate::internal

namespace streamgate {

std::vector<ConfigKeyInfo> DescribeConfigKeys() { return internal::DescribeConfigKeys(Config{}); }

}  // namespace streamgate
