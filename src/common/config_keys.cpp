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

// --- auth ---
// "1,11155111,1337": EIP-155 chain ids, each a positive decimal; JSON may give an array.
ConfigKey ChainIdListKey() {
  ConfigKey entry;
  entry.key = "auth.allowed_chain_ids";
  entry.env = EnvNameForKey(entry.key);
  entry.type = "list(integer)";
  entry.description =
      "EIP-155 chain ids sign-in accepts, comma-separated; the first is the default chain.";
  entry.apply = [](const ConfigInput& input, Config& config) -> Status {
    std::vector<uint64_t> ids;
    auto add = [&ids](std::string_view text) -> Status {
      uint64_t id = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || id == 0) {
        return Status::InvalidArgument(QuoteForMessage(text) + " is not a positive chain id");
      }
      ids.push_back(id);
      return Status::Ok();
    };
    if (input.json != nullptr) {
      if (!input.json->is_array()) {
        return Status::InvalidArgument("expected an array of chain ids, got " +
                                       DescribeJson(*input.json));
      }
      for (const nlohmann::json& item : *input.json) {
        if (!item.is_number_unsigned() || item.get<uint64_t>() == 0) {
          return Status::InvalidArgument("expected positive chain ids, got " + DescribeJson(item));
        }
        ids.push_back(item.get<uint64_t>());
      }
    } else {
      std::string_view text = input.text;
      while (!text.empty()) {
        const std::size_t comma = text.find(',');
        STREAMGATE_RETURN_IF_ERROR(add(text.substr(0, comma)));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
      }
    }
    config.auth.allowed_chain_ids = std::move(ids);
    return Status::Ok();
  };
  entry.to_json = [](const Config& config) { return nlohmann::json(config.auth.allowed_chain_ids); };
  return entry;
}

// A string holding secrets: parsed like StringKey, but shown as "<redacted>" when set.
template <typename Field>
ConfigKey SecretKey(std::string key, Field field, std::string description) {
  ConfigKey entry = StringKey(std::move(key), field, true, std::move(description));
  entry.to_json = [field](const Config& config) {
    return nlohmann::json(field(config).empty() ? "" : "<redacted>");
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
  // --- upload ---
  keys.push_back(IntegerKey(
      "upload.max_upload_bytes", [](auto& c) -> auto& { return c.upload.max_upload_bytes; }, 1,
      int64_t{1} << 62, "Largest upload accepted (tus Tus-Max-Size); larger gets 413."));
  keys.push_back(IntegerKey(
      "upload.min_chunk_bytes", [](auto& c) -> auto& { return c.upload.min_chunk_bytes; }, 1,
      4 * kMiB * 1024, "Smallest chunk_size a chunked upload may choose."));
  keys.push_back(IntegerKey(
      "upload.max_chunk_bytes", [](auto& c) -> auto& { return c.upload.max_chunk_bytes; }, 1,
      4 * kMiB * 1024, "Largest chunk_size a chunked upload may choose."));
  keys.push_back(IntegerKey(
      "upload.default_chunk_bytes", [](auto& c) -> auto& { return c.upload.default_chunk_bytes; },
      1, 4 * kMiB * 1024, "chunk_size of a chunked upload that names none."));
  keys.push_back(IntegerKey(
      "upload.max_concurrent_per_owner",
      [](auto& c) -> auto& { return c.upload.max_concurrent_per_owner; }, 1, 1'000'000,
      "Uploads in progress per owner (per client address when anonymous); more get 429."));
  keys.push_back(IntegerKey(
      "upload.expiry_seconds", [](auto& c) -> auto& { return c.upload.expiry_seconds; }, 1,
      int64_t{365} * 24 * 3600,
      "An upload idle this long expires (tus Upload-Expires); its bytes are removed."));
  keys.push_back(IntegerKey(
      "upload.sweep_interval_seconds",
      [](auto& c) -> auto& { return c.upload.sweep_interval_seconds; }, 0, 7 * 24 * 3600,
      "How often abandoned uploads are swept; 0 disables the sweep."));
  keys.push_back(BooleanKey(
      "upload.accept_video_only", [](auto& c) -> auto& { return c.upload.accept_video_only; },
      "Refuse (415) uploads whose first bytes are not a video container (MP4, QuickTime, "
      "WebM/Matroska, MPEG-TS, MPEG-PS, AVI, FLV)."));
  keys.push_back(IntegerKey(
      "upload.checkpoint_bytes", [](auto& c) -> auto& { return c.upload.checkpoint_bytes; }, 0,
      int64_t{1} << 62,
      "During one long tus PATCH, make the offset durable every this many bytes; 0: only at "
      "the end of each request."));
  keys.push_back(BooleanKey(
      "upload.fsync", [](auto& c) -> auto& { return c.upload.fsync; },
      "fdatasync upload bytes before their offset is recorded (durable across power loss)."));
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
      "transcode.run_jobs", [](auto& c) -> auto& { return c.transcode.run_jobs; },
      "Run transcode jobs in this process; false only submits and reports them (the worker "
      "service with jobs.run_transcode, or other transcoders, run them)."));
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
  // --- auth ---
  keys.push_back(StringKey(
      "auth.domain", [](auto& c) -> auto& { return c.auth.domain; }, false,
      "RFC 3986 authority that sign-in messages must name (the site's host[:port])."));
  keys.push_back(StringKey(
      "auth.uri", [](auto& c) -> auto& { return c.auth.uri; }, false,
      "URI that sign-in messages must carry, compared exactly."));
  keys.push_back(StringKey(
      "auth.statement", [](auto& c) -> auto& { return c.auth.statement; }, true,
      "Statement line of issued sign-in messages (printable ASCII, no LF); empty for none."));
  keys.push_back(ChainIdListKey());
  keys.push_back(BooleanKey(
      "auth.allow_solana", [](auto& c) -> auto& { return c.auth.allow_solana; },
      "Offer Solana (ed25519) sign-in challenges."));
  keys.push_back(IntegerKey(
      "auth.nonce_ttl_s", [](auto& c) -> auto& { return c.auth.nonce_ttl_s; }, 1, 86400,
      "Seconds an issued challenge (nonce) stays usable; each nonce is single use."));
  keys.push_back(IntegerKey(
      "auth.clock_skew_s", [](auto& c) -> auto& { return c.auth.clock_skew_s; }, 0, 3600,
      "Tolerated wallet clock difference for issued-at, not-before and expiration times."));
  keys.push_back(IntegerKey(
      "auth.session_ttl_s", [](auto& c) -> auto& { return c.auth.session_ttl_s; }, 1,
      30 * 86400, "Lifetime of session tokens (JWT) in seconds."));
  keys.push_back(StringKey(
      "auth.issuer", [](auto& c) -> auto& { return c.auth.issuer; }, false,
      "`iss` of session tokens; tokens with another issuer are refused."));
  keys.push_back(StringKey(
      "auth.audience", [](auto& c) -> auto& { return c.auth.audience; }, false,
      "`aud` of session tokens; tokens for another audience are refused."));
  keys.push_back(SecretKey(
      "auth.jwt_keys", [](auto& c) -> auto& { return c.auth.jwt_keys; },
      "Session-token keys \"kid:base64secret,kid2:base64secret\": the first signs, all verify "
      "(rotation). HS256 secrets >= 32 bytes, EdDSA secrets are 32-byte seeds. Empty: "
      "auth.jwt_key_file. Never logged nor shown."));
  keys.push_back(StringKey(
      "auth.jwt_key_file", [](auto& c) -> auto& { return c.auth.jwt_key_file; }, true,
      "File holding keys in the auth.jwt_keys format, created (0600, one random key) when "
      "missing. Empty: <data_dir>/auth/session_keys."));
  keys.push_back(EnumKey(
      "auth.jwt_algorithm", [](auto& c) -> auto& { return c.auth.jwt_algorithm; },
      {"hs256", "eddsa"}, "Session-token signature: HMAC-SHA256 or Ed25519."));
  keys.push_back(IntegerKey(
      "auth.max_message_bytes", [](auto& c) -> auto& { return c.auth.max_message_bytes; }, 256,
      65536, "Largest signed message or typed-data document accepted."));
  // --- monitor ---
  {
    // Strings with a grammar: parsed here as well, so that a bad value fails at load time with
    // the key named rather than when the monitor plugin starts.
    ConfigKey services = StringKey(
        "monitor.services", [](auto& c) -> auto& { return c.monitor.services; }, true,
        "Services whose /api/v1/health the monitor's aggregated health includes, as "
        "name=http://host:port pairs separated by commas; empty means this process only.");
    services.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(std::string text, ParseString(input, true));
      STREAMGATE_RETURN_IF_ERROR(ParseMonitoredServices(text).status());
      config.monitor.services = std::move(text);
      return Status::Ok();
    };
    keys.push_back(std::move(services));
    keys.push_back(IntegerKey(
        "monitor.health_timeout_ms", [](auto& c) -> auto& { return c.monitor.health_timeout_ms; },
        1, 60000, "Timeout of each service's health fetch, connection included."));
    ConfigKey rules = StringKey(
        "monitor.alert_rules", [](auto& c) -> auto& { return c.monitor.alert_rules; }, true,
        "Threshold alert rules separated by ';', each `name: metric{label=\"v\"} > 5 for 30s` "
        "(operators > >= < <= == !=, durations ms/s/m/h, `for` optional); the value is the sum "
        "of the matching series.");
    rules.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(std::string text, ParseString(input, true));
      STREAMGATE_RETURN_IF_ERROR(ParseAlertRules(text).status());
      config.monitor.alert_rules = std::move(text);
      return Status::Ok();
    };
    keys.push_back(std::move(rules));
    keys.push_back(IntegerKey(
        "monitor.alert_interval_ms", [](auto& c) -> auto& { return c.monitor.alert_interval_ms; },
        10, kMaxTimeoutMs, "How often the alert rules are evaluated."));
    keys.push_back(IntegerKey(
        "monitor.log_buffer_lines", [](auto& c) -> auto& { return c.monitor.log_buffer_lines; }, 0,
        100000,
        "Recent log lines the monitor keeps in memory for /api/v1/monitor/logs; 0 keeps none."));
  }
  // --- storage ---
  {
    // A string field read as an enum: StorageOptions keeps the backend name as text so that the
    // public struct needs no enum of backends that may grow.
    ConfigKey backend;
    backend.key = "storage.backend";
    backend.env = EnvNameForKey(backend.key);
    backend.type = "enum(local|s3)";
    backend.description =
        "Where objects (uploads, packaged media) are stored: local keeps them under "
        "<data_dir>/objects; s3 uses the storage.s3_* settings.";
    backend.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, true));
      const std::string lower = Lower(text);
      if (lower != "local" && lower != "s3") {
        return Status::InvalidArgument(QuoteForMessage(text) + " is not one of local|s3");
      }
      config.storage.backend = lower;
      return Status::Ok();
    };
    backend.to_json = [](const Config& config) { return nlohmann::json(config.storage.backend); };
    keys.push_back(std::move(backend));
  }
  keys.push_back(StringKey(
      "storage.s3_endpoint", [](auto& c) -> auto& { return c.storage.s3.endpoint; }, true,
      "S3-compatible server as scheme://host[:port], e.g. https://s3.eu-west-1.amazonaws.com; "
      "required when storage.backend is s3."));
  keys.push_back(StringKey(
      "storage.s3_bucket", [](auto& c) -> auto& { return c.storage.s3.bucket; }, true,
      "Bucket holding the objects (3-63 characters of a-z, 0-9, '.', '-'); required when "
      "storage.backend is s3."));
  keys.push_back(StringKey(
      "storage.s3_region", [](auto& c) -> auto& { return c.storage.s3.region; }, false,
      "Region in the SigV4 credential scope (S3-compatible servers usually accept us-east-1)."));
  keys.push_back(StringKey(
      "storage.s3_access_key", [](auto& c) -> auto& { return c.storage.s3.access_key; }, true,
      "Access key id; requests are unsigned (anonymous) when empty."));
  {
    // The secret is accepted like any string but never written back out: ConfigToJson, --help
    // and the effective-config endpoint show "<redacted>" instead.
    ConfigKey secret = StringKey(
        "storage.s3_secret_key", [](auto& c) -> auto& { return c.storage.s3.secret_key; }, true,
        "Secret access key; never logged or printed (shown as <redacted>). Prefer the "
        "environment variable to a config file.");
    secret.to_json = [](const Config& config) {
      return nlohmann::json(config.storage.s3.secret_key.empty() ? "" : "<redacted>");
    };
    keys.push_back(std::move(secret));
  }
  keys.push_back(BooleanKey(
      "storage.s3_path_style", [](auto& c) -> auto& { return c.storage.s3.path_style; },
      "Path-style URLs (endpoint/bucket/key, what S3-compatible servers expect) instead of "
      "virtual-host style (bucket.endpoint/key)."));
  keys.push_back(StringKey(
      "storage.s3_key_prefix", [](auto& c) -> auto& { return c.storage.s3.key_prefix; }, true,
      "Prepended to every object key, e.g. streamgate/ to share a bucket."));
  keys.push_back(IntegerKey(
      "storage.s3_multipart_threshold",
      [](auto& c) -> auto& { return c.storage.s3.multipart_threshold; }, 0, 5 * kMiB * 1024,
      "Files larger than this many bytes are uploaded with a multipart upload."));
  keys.push_back(IntegerKey(
      "storage.s3_part_size", [](auto& c) -> auto& { return c.storage.s3.part_size; }, 5 * kMiB,
      5 * kMiB * 1024,
      "Bytes per multipart part (S3 needs at least 5 MiB); also the most a streaming writer "
      "buffers in memory."));
  keys.push_back(IntegerKey(
      "storage.s3_connect_timeout_ms",
      [](auto& c) -> auto& { return c.storage.s3.connect_timeout_ms; }, 1, kMaxTimeoutMs,
      "Longest wait for a TCP (and TLS) connection to the S3 endpoint."));
  keys.push_back(IntegerKey(
      "storage.s3_request_timeout_ms",
      [](auto& c) -> auto& { return c.storage.s3.request_timeout_ms; }, 1, kMaxTimeoutMs,
      "Longest time an S3 request may make no progress before it fails (not a cap on a whole "
      "large transfer)."));
  keys.push_back(IntegerKey(
      "storage.s3_max_retries", [](auto& c) -> auto& { return c.storage.s3.max_retries; }, 0, 10,
      "Extra attempts, with exponential backoff, for idempotent S3 requests that fail with a "
      "connection error or a 5xx answer."));
  // --- chain ---
  {
    // chain.rpc_urls holds the EVM chains, chain.solana_rpc_urls the one Solana entry; both
    // live in config.chain.endpoints, each key replacing only its own entries.
    ConfigKey entry;
    entry.key = "chain.rpc_urls";
    entry.env = EnvNameForKey(entry.key);
    entry.type = "string";
    entry.description =
        "EVM JSON-RPC endpoints per chain id, tried in order (failover): "
        "\"1=https://a|https://b;1337=http://127.0.0.1:8545\". Empty: no EVM chain is "
        "configured and every EVM ownership check is denied (Unavailable).";
    entry.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, true));
      STREAMGATE_ASSIGN_OR_RETURN(std::vector<ChainEndpoints> parsed, ParseChainEndpointList(text));
      for (const ChainEndpoints& chain : parsed) {
        if (chain.chain_id == "solana") {
          return Status::InvalidArgument("use chain.solana_rpc_urls for Solana endpoints");
        }
      }
      auto& endpoints = config.chain.endpoints;
      endpoints.erase(
          std::remove_if(endpoints.begin(), endpoints.end(),
                         [](const ChainEndpoints& c) { return c.chain_id != "solana"; }),
          endpoints.end());
      endpoints.insert(endpoints.end(), parsed.begin(), parsed.end());
      return Status::Ok();
    };
    entry.to_json = [](const Config& config) {
      return nlohmann::json(FormatChainEndpointList(config.chain.endpoints));
    };
    keys.push_back(std::move(entry));
  }
  {
    ConfigKey entry;
    entry.key = "chain.solana_rpc_urls";
    entry.env = EnvNameForKey(entry.key);
    entry.type = "string";
    entry.description =
        "Solana JSON-RPC endpoints, tried in order: \"https://a|https://b\". Empty: Solana "
        "ownership checks are denied (Unavailable).";
    entry.apply = [](const ConfigInput& input, Config& config) -> Status {
      STREAMGATE_ASSIGN_OR_RETURN(const std::string text, ParseString(input, true));
      auto& endpoints = config.chain.endpoints;
      endpoints.erase(
          std::remove_if(endpoints.begin(), endpoints.end(),
                         [](const ChainEndpoints& c) { return c.chain_id == "solana"; }),
          endpoints.end());
      if (text.empty()) return Status::Ok();
      STREAMGATE_ASSIGN_OR_RETURN(std::vector<ChainEndpoints> parsed,
                                  ParseChainEndpointList("solana=" + text));
      endpoints.insert(endpoints.end(), parsed.begin(), parsed.end());
      return Status::Ok();
    };
    entry.to_json = [](const Config& config) {
      std::string text;
      for (const ChainEndpoints& chain : config.chain.endpoints) {
        if (chain.chain_id != "solana") continue;
        for (const std::string& url : chain.rpc_urls) text += (text.empty() ? "" : "|") + url;
      }
      return nlohmann::json(text);
    };
    keys.push_back(std::move(entry));
  }
  keys.push_back(IntegerKey(
      "chain.timeout_ms", [](auto& c) -> auto& { return c.chain.request_timeout_ms; }, 1,
      kMaxTimeoutMs, "Timeout of one JSON-RPC request to one endpoint (connect included)."));
  keys.push_back(IntegerKey(
      "chain.deadline_ms", [](auto& c) -> auto& { return c.chain.total_deadline_ms; }, 1,
      kMaxTimeoutMs,
      "Budget of one ownership check across all its requests and failovers; past it the check "
      "is denied."));
  keys.push_back(IntegerKey(
      "chain.cache_ttl_s", [](auto& c) -> auto& { return c.chain.cache_ttl_s; }, 0, 86400,
      "How long an \"owned\" answer is reused from the cache (0: not cached). A transfer is "
      "noticed at most this late."));
  keys.push_back(IntegerKey(
      "chain.negative_cache_ttl_s", [](auto& c) -> auto& { return c.chain.negative_cache_ttl_s; },
      0, 86400,
      "How long a \"not owned\" answer is reused (0: not cached). RPC failures are never "
      "cached."));
  keys.push_back(IntegerKey(
      "chain.max_response_bytes", [](auto& c) -> auto& { return c.chain.max_response_bytes; }, 1024,
      256 * kMiB, "Larger JSON-RPC replies are failures (denied)."));
  keys.push_back(IntegerKey(
      "chain.endpoint_backoff_ms", [](auto& c) -> auto& { return c.chain.endpoint_backoff_ms; }, 0,
      30000,
      "A failed endpoint is skipped for this long, doubling per consecutive failure up to 30 s "
      "(a node on the wrong chain: 30 s at once)."));
  // --- jobs ---
  keys.push_back(EnumKey(
      "jobs.backend", [](auto& c) -> auto& { return c.jobs.queue.backend; }, {"sqlite", "redis"},
      "Where jobs are stored: sqlite (<data_dir>/jobs.db, one host) or redis (Streams with a "
      "consumer group, many worker processes)."));
  keys.push_back(StringKey(
      "jobs.redis_host", [](auto& c) -> auto& { return c.jobs.queue.redis_host; }, false,
      "Redis server of the job queue (jobs.backend=redis)."));
  keys.push_back(IntegerKey(
      "jobs.redis_port", [](auto& c) -> auto& { return c.jobs.queue.redis_port; }, 1, 65535,
      "Redis port of the job queue."));
  keys.push_back(SecretKey(
      "jobs.redis_password", [](auto& c) -> auto& { return c.jobs.queue.redis_password; },
      "Redis AUTH password of the job queue; empty sends no AUTH."));
  keys.push_back(IntegerKey(
      "jobs.redis_db", [](auto& c) -> auto& { return c.jobs.queue.redis_db; }, 0, 1024,
      "Redis database number of the job queue."));
  keys.push_back(StringKey(
      "jobs.key_prefix", [](auto& c) -> auto& { return c.jobs.queue.key_prefix; }, false,
      "Prefix of every Redis key of the job queue, so several queues share one server."));
  keys.push_back(IntegerKey(
      "jobs.max_attempts", [](auto& c) -> auto& { return c.jobs.queue.max_attempts; }, 1, 1000,
      "Attempts a job gets (when submitted without max_attempts) before it is failed."));
  keys.push_back(IntegerKey(
      "jobs.backoff_base_ms", [](auto& c) -> auto& { return c.jobs.queue.backoff_base_ms; }, 0,
      kMaxTimeoutMs,
      "Retry n waits a random time in [0, min(cap, base * 2^(n-1))] (full jitter)."));
  keys.push_back(IntegerKey(
      "jobs.backoff_cap_ms", [](auto& c) -> auto& { return c.jobs.queue.backoff_cap_ms; }, 0,
      kMaxTimeoutMs, "Longest wait before a retry."));
  keys.push_back(IntegerKey(
      "jobs.max_payload_bytes", [](auto& c) -> auto& { return c.jobs.queue.max_payload_bytes; },
      1, 16 * kMiB, "Largest job payload (JSON text); larger submissions are answered 413."));
  keys.push_back(IntegerKey(
      "jobs.lease_ms", [](auto& c) -> auto& { return c.jobs.worker.lease_ms; }, 3, kMaxTimeoutMs,
      "Visibility timeout: a running job whose worker stops heartbeating (every third of this, at "
      "most every second) is run again by another worker after this long."));
  keys.push_back(IntegerKey(
      "jobs.worker_concurrency", [](auto& c) -> auto& { return c.jobs.worker.concurrency; }, 1,
      1024,
      "Jobs this process runs at once; each occupies a worker thread (keep it below "
      "runtime.worker_threads so HTTP handlers still get threads)."));
  keys.push_back(IntegerKey(
      "jobs.poll_interval_ms", [](auto& c) -> auto& { return c.jobs.worker.poll_interval_ms; }, 1,
      kMaxTimeoutMs, "How long an idle worker waits before asking the queue again."));
  keys.push_back(StringKey(
      "jobs.worker_id", [](auto& c) -> auto& { return c.jobs.worker.worker_id; }, true,
      "Name of this worker in leases; empty means <hostname>-<pid>-<random>."));
  keys.push_back(BooleanKey(
      "jobs.run_worker", [](auto& c) -> auto& { return c.jobs.run_worker; },
      "Run job handlers in this process; false only serves the job endpoints."));
  keys.push_back(BooleanKey(
      "jobs.builtin_handlers", [](auto& c) -> auto& { return c.jobs.builtin_handlers; },
      "Register the built-in job types noop, echo, sleep and fail (tests and operations)."));
  keys.push_back(BooleanKey(
      "jobs.run_transcode", [](auto& c) -> auto& { return c.jobs.run_transcode; },
      "The worker plugin also runs transcode jobs (with the transcode.* options), so the worker "
      "service can transcode beside or instead of the transcoder service."));
  // --- cache ---
  keys.push_back(EnumKey(
      "cache.backend", [](auto& c) -> auto& { return c.cache.backend; }, {"lru", "redis"},
      "Cache backend the cache plugin provides: lru (in-process) or redis (shared)."));
  keys.push_back(IntegerKey(
      "cache.max_bytes", [](auto& c) -> auto& { return c.cache.max_bytes; }, 4096, kTiB,
      "Memory bound of the lru backend (keys, values and bookkeeping); least recently used "
      "entries are evicted beyond."));
  keys.push_back(IntegerKey(
      "cache.shards", [](auto& c) -> auto& { return c.cache.shards; }, 1, 4096,
      "Independently locked LRU lists of the lru backend (rounded up to a power of two)."));
  keys.push_back(IntegerKey(
      "cache.default_ttl_ms", [](auto& c) -> auto& { return c.cache.default_ttl_ms; }, 0,
      int64_t{365} * kMaxTimeoutMs,
      "Time-to-live of entries stored without one; 0 means they never expire."));
  keys.push_back(IntegerKey(
      "cache.max_key_bytes", [](auto& c) -> auto& { return c.cache.max_key_bytes; }, 1, 65536,
      "Longest key; longer ones are rejected."));
  keys.push_back(IntegerKey(
      "cache.max_value_bytes", [](auto& c) -> auto& { return c.cache.max_value_bytes; }, 1,
      512 * kMiB, "Largest value; larger ones are rejected."));
  keys.push_back(StringKey(
      "cache.redis_host", [](auto& c) -> auto& { return c.cache.redis_host; }, false,
      "Redis server of the redis backend."));
  keys.push_back(IntegerKey(
      "cache.redis_port", [](auto& c) -> auto& { return c.cache.redis_port; }, 1, 65535,
      "TCP port of the Redis server."));
  keys.push_back(SecretKey(
      "cache.redis_password", [](auto& c) -> auto& { return c.cache.redis_password; },
      "Password sent with AUTH after connecting; empty sends none."));
  keys.push_back(IntegerKey(
      "cache.redis_database", [](auto& c) -> auto& { return c.cache.redis_database; }, 0, 1024,
      "Redis database number (SELECT)."));
  keys.push_back(StringKey(
      "cache.redis_key_prefix", [](auto& c) -> auto& { return c.cache.redis_key_prefix; }, false,
      "Prefix of every key the cache stores in Redis, so that it can share a server."));
  keys.push_back(IntegerKey(
      "cache.redis_pool_size", [](auto& c) -> auto& { return c.cache.redis_pool_size; }, 1, 1024,
      "Redis connections kept open; callers beyond this wait for one."));
  keys.push_back(IntegerKey(
      "cache.redis_connect_timeout_ms",
      [](auto& c) -> auto& { return c.cache.redis_connect_timeout_ms; }, 1, kMaxTimeoutMs,
      "Longest wait for a connection to Redis."));
  keys.push_back(IntegerKey(
      "cache.redis_command_timeout_ms",
      [](auto& c) -> auto& { return c.cache.redis_command_timeout_ms; }, 1, kMaxTimeoutMs,
      "Longest wait for the answer to one Redis command; the cache then reports Unavailable."));
  keys.push_back(SecretKey(
      "cache.admin_token", [](auto& c) -> auto& { return c.cache.admin_token; },
      "Bearer token required by the /api/v1/cache admin endpoints; empty disables them (403)."));
  // --- metadata ---
  keys.push_back(BooleanKey(
      "metadata.trust_owner_header",
      [](auto& c) -> auto& { return c.metadata.trust_owner_header; },
      "Take the caller's identity from the X-StreamGate-Owner header (behind a trusted front end "
      "or in tests only); otherwise callers are anonymous until session authentication is "
      "wired in."));
  keys.push_back(IntegerKey(
      "metadata.max_page_size", [](auto& c) -> auto& { return c.metadata.max_page_size; }, 1,
      1000, "Largest page (limit) of a metadata list or search."));
  // --- streaming ---
  keys.push_back(IntegerKey(
      "streaming.token_ttl_s", [](auto& c) -> auto& { return c.streaming.token_ttl_s; }, 1,
      24 * 3600, "Lifetime of a playback token in seconds; never beyond the viewer's session."));
  keys.push_back(SecretKey(
      "streaming.playback_keys", [](auto& c) -> auto& { return c.streaming.playback_keys; },
      "Playback-token keys as kid:base64secret,... (first signs, all verify; secrets >= 32 "
      "bytes). Empty: streaming.key_file."));
  keys.push_back(StringKey(
      "streaming.key_file", [](auto& c) -> auto& { return c.streaming.key_file; }, true,
      "File of playback-token keys, created with one random key when missing. Empty: "
      "<data_dir>/streaming/playback_keys."));
  keys.push_back(StringKey(
      "streaming.cors_allow_origin",
      [](auto& c) -> auto& { return c.streaming.cors_allow_origin; }, true,
      "Access-Control-Allow-Origin of delivery responses; empty sends no CORS headers."));
  keys.push_back(IntegerKey(
      "streaming.segment_max_age_s", [](auto& c) -> auto& { return c.streaming.segment_max_age_s; },
      0, 365 * 24 * 3600,
      "Cache-Control max-age of segments (capped by the token's remaining lifetime)."));
  keys.push_back(IntegerKey(
      "streaming.package_cache_entries",
      [](auto& c) -> auto& { return c.streaming.package_cache_entries; }, 1, 1'000'000,
      "Packaged items kept parsed in memory so playlists render without I/O."));
  // --- web ---
  keys.push_back(BooleanKey(
      "web.enabled", [](auto& c) -> auto& { return c.web.enabled; },
      "Serve the web app at / (library, upload, sign-in, watch) and poster thumbnails."));
  keys.push_back(StringKey(
      "web.root", [](auto& c) -> auto& { return c.web.root; }, true,
      "Directory holding the web app (index.html, app/). Empty: share/streamgate/web beside the "
      "installed binary, else the build tree's copy."));
  keys.push_back(BooleanKey(
      "web.public_posters", [](auto& c) -> auto& { return c.web.public_posters; },
      "Serve poster thumbnails of gated items without a session (catalogue pictures); false "
      "serves posters of ungated items only."));
  keys.push_back(IntegerKey(
      "web.vendor_max_age_s", [](auto& c) -> auto& { return c.web.vendor_max_age_s; }, 0,
      365 * 24 * 3600, "Cache-Control max-age of the vendored libraries under /app/vendor/."));
  // --- gateway ---
  for (const auto& [service, field] :
       std::vector<std::pair<std::string, std::string GatewayOptions::*>>{
           {"upload", &GatewayOptions::upload_url},
           {"transcoder", &GatewayOptions::transcoder_url},
           {"streaming", &GatewayOptions::streaming_url},
           {"metadata", &GatewayOptions::metadata_url},
           {"cache", &GatewayOptions::cache_url},
           {"auth", &GatewayOptions::auth_url},
           {"worker", &GatewayOptions::worker_url},
           {"monitor", &GatewayOptions::monitor_url}}) {
    keys.push_back(StringKey(
        "gateway." + service + "_url",
        [field = field](auto& c) -> auto& { return c.gateway.*field; }, true,
        "Base URL (http://host:port) of the " + service +
            " service behind the gateway; empty: not configured (its routes answer 503)."));
  }
  keys.push_back(IntegerKey(
      "gateway.connect_timeout_ms", [](auto& c) -> auto& { return c.gateway.connect_timeout_ms; },
      1, kMaxTimeoutMs, "Connecting to a service: refused is 502, slower than this 504."));
  keys.push_back(IntegerKey(
      "gateway.response_timeout_ms",
      [](auto& c) -> auto& { return c.gateway.response_timeout_ms; }, 1, kMaxTimeoutMs,
      "Longest wait for a service's response head, and between its body reads (504 beyond)."));
  keys.push_back(IntegerKey(
      "gateway.pool_idle_timeout_ms",
      [](auto& c) -> auto& { return c.gateway.pool_idle_timeout_ms; }, 1, kMaxTimeoutMs,
      "Idle keep-alive connections to a service are closed after this long."));
  keys.push_back(IntegerKey(
      "gateway.max_idle_connections",
      [](auto& c) -> auto& { return c.gateway.max_idle_connections; }, 0, 100000,
      "Idle keep-alive connections kept per service."));
  keys.push_back(IntegerKey(
      "gateway.health_interval_ms", [](auto& c) -> auto& { return c.gateway.health_interval_ms; },
      1, kMaxTimeoutMs, "Period of the active health check (GET /health) of each service."));
  keys.push_back(IntegerKey(
      "gateway.health_timeout_ms", [](auto& c) -> auto& { return c.gateway.health_timeout_ms; },
      1, kMaxTimeoutMs, "A health check slower than this marks the service down."));
  keys.push_back(IntegerKey(
      "gateway.rate_limit_ip_per_s", [](auto& c) -> auto& { return c.gateway.rate_limit_ip_per_s; },
      0, 10'000'000, "Requests per second per client IP (token bucket); 0 disables."));
  keys.push_back(IntegerKey(
      "gateway.rate_limit_ip_burst", [](auto& c) -> auto& { return c.gateway.rate_limit_ip_burst; },
      0, 10'000'000, "Burst size of the per-IP token bucket."));
  keys.push_back(IntegerKey(
      "gateway.rate_limit_wallet_per_s",
      [](auto& c) -> auto& { return c.gateway.rate_limit_wallet_per_s; }, 0, 10'000'000,
      "Requests per second per wallet of a verified session (token bucket); 0 disables."));
  keys.push_back(IntegerKey(
      "gateway.rate_limit_wallet_burst",
      [](auto& c) -> auto& { return c.gateway.rate_limit_wallet_burst; }, 0, 10'000'000,
      "Burst size of the per-wallet token bucket."));
  keys.push_back(IntegerKey(
      "gateway.rate_limit_max_buckets",
      [](auto& c) -> auto& { return c.gateway.rate_limit_max_buckets; }, 1, 100'000'000,
      "Token buckets kept per limiter; idle ones are evicted beyond this."));
  keys.push_back(StringKey(
      "gateway.cors_allowed_origins",
      [](auto& c) -> auto& { return c.gateway.cors_allowed_origins; }, true,
      "Comma-separated origins allowed by CORS, * for any; empty sends no CORS headers."));
  keys.push_back(IntegerKey(
      "gateway.cors_max_age_s", [](auto& c) -> auto& { return c.gateway.cors_max_age_s; }, 0,
      86400, "Access-Control-Max-Age of preflight answers."));
  keys.push_back(StringKey(
      "gateway.session_required_prefixes",
      [](auto& c) -> auto& { return c.gateway.session_required_prefixes; }, true,
      "Comma-separated path prefixes where the gateway requires a valid session JWT (401 "
      "before proxying); elsewhere a Bearer token is optional but must be valid when given."));
  keys.push_back(IntegerKey(
      "gateway.max_body_bytes", [](auto& c) -> auto& { return c.gateway.max_body_bytes; }, 1,
      kTiB, "Largest request body forwarded (streamed, never buffered)."));
  keys.push_back(StringKey(
      "streaming.revocation_admins",
      [](auto& c) -> auto& { return c.streaming.revocation_admins; }, true,
      "Operator wallets (comma-separated) that may revoke a wallet's playback on every item "
      "(content_id \"*\") or on any one item; an item's owner may always revoke on their item."));
  keys.push_back(StringKey(
      "streaming.revocations_db", [](auto& c) -> auto& { return c.streaming.revocations_db; },
      true,
      "SQLite file of the playback deny-list, shared by every process sharing the data "
      "directory. Empty: <data_dir>/streaming/revocations.db."));
  keys.push_back(IntegerKey(
      "streaming.revocation_refresh_ms",
      [](auto& c) -> auto& { return c.streaming.revocation_refresh_ms; }, 10, 60'000,
      "Longest time a revocation made by another process may go unnoticed: playlists are never "
      "answered from an older snapshot of the deny-list."));
  keys.push_back(EnumKey(
      "streaming.s3_delivery", [](auto& c) -> auto& { return c.streaming.s3_delivery; },
      {"proxy", "redirect"},
      "Files of an S3 store: proxy (streamed through this server, Range supported) or redirect "
      "(302 to a presigned GET URL after the token check; the S3 endpoint must be reachable by "
      "viewers)."));
  keys.push_back(IntegerKey(
      "streaming.presign_ttl_s", [](auto& c) -> auto& { return c.streaming.presign_ttl_s; }, 1,
      604800, "Lifetime of the presigned URLs of streaming.s3_delivery=redirect, in seconds."));
  // --- events ---
  keys.push_back(EnumKey(
      "events.backend", [](auto& c) -> auto& { return c.events.backend; }, {"memory", "redis"},
      "Event bus between plugins: memory (in this process only) or redis (a Redis Stream shared "
      "by every service process; one consumer group per service)."));
  keys.push_back(StringKey(
      "events.redis_host", [](auto& c) -> auto& { return c.events.redis.redis_host; }, false,
      "Redis server of the event bus (events.backend=redis)."));
  keys.push_back(IntegerKey(
      "events.redis_port", [](auto& c) -> auto& { return c.events.redis.redis_port; }, 1, 65535,
      "Redis port of the event bus."));
  keys.push_back(SecretKey(
      "events.redis_password", [](auto& c) -> auto& { return c.events.redis.redis_password; },
      "Redis AUTH password of the event bus; empty sends no AUTH."));
  keys.push_back(IntegerKey(
      "events.redis_db", [](auto& c) -> auto& { return c.events.redis.redis_db; }, 0, 1024,
      "Redis database number of the event bus."));
  keys.push_back(StringKey(
      "events.stream", [](auto& c) -> auto& { return c.events.redis.stream; }, false,
      "Redis Stream key every event is appended to."));
  keys.push_back(StringKey(
      "events.group", [](auto& c) -> auto& { return c.events.redis.group; }, true,
      "Consumer group this process reads in; empty means the service name, so that every "
      "service gets every event once and replicas of a service share them."));
  keys.push_back(StringKey(
      "events.consumer", [](auto& c) -> auto& { return c.events.redis.consumer; }, true,
      "Consumer name inside the group; empty means <hostname>-<pid>-<random>. A fixed name "
      "lets a restarted process resume its own unacknowledged events at once."));
  keys.push_back(EnumKey(
      "events.new_group_start", [](auto& c) -> auto& { return c.events.redis.new_group_start; },
      {"earliest", "latest"},
      "Where a group that does not exist yet starts: earliest (every event still in the "
      "stream, so nothing published before a service's first start is missed) or latest."));
  keys.push_back(IntegerKey(
      "events.claim_idle_ms", [](auto& c) -> auto& { return c.events.redis.claim_idle_ms; }, 1,
      kMaxTimeoutMs,
      "An event read by a consumer that never acknowledged it (crashed) is taken over by "
      "another consumer of the group after this long."));
  keys.push_back(IntegerKey(
      "events.max_length", [](auto& c) -> auto& { return c.events.redis.max_length; }, 1,
      int64_t{1} << 40, "Approximate number of events the stream keeps (XADD MAXLEN ~)."));
  keys.push_back(IntegerKey(
      "events.poll_interval_ms", [](auto& c) -> auto& { return c.events.redis.poll_interval_ms; },
      1, 60000, "Wait between reads of the stream when it had nothing new."));
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
