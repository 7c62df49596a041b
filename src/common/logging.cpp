// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// streamgate::Log on top of spdlog. Loggers are kept out of spdlog's global registry so that an
// embedding application that uses spdlog itself keeps full control of its own loggers.
#include "streamgate/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/log.h"

namespace streamgate {
namespace internal {
namespace {

// Appends `text` as a JSON string literal, quotes included. nlohmann's serializer does the
// escaping (quotes, backslashes, every control character) and replaces invalid UTF-8 with U+FFFD,
// so that each line stays parseable whatever bytes a message carries.
void AppendJsonString(spdlog::string_view_t text, spdlog::memory_buf_t& dest) {
  const std::string quoted = nlohmann::json(std::string(text.data(), text.size()))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(quoted.data(), quoted.data() + quoted.size());
}

using FlagWriter = void (*)(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest);

// A pattern flag that writes what `Write` makes of the message.
template <FlagWriter Write>
class CustomFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    Write(msg, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<CustomFlag>();
  }
};

// %J: the message as a JSON string literal.
void WriteJsonMessage(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  AppendJsonString(msg.payload, dest);
}

// %K: the logger name as a JSON string literal (component names come from callers).
void WriteJsonLogger(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  AppendJsonString(msg.logger_name, dest);
}

// %W: our level names ("warn", not spdlog's "warning"), the same words that ParseLogLevel reads.
void WriteLevelName(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view name = LogLevelName(FromSpdlogLevel(msg.level));
  dest.append(name.data(), name.data() + name.size());
}

std::unique_ptr<spdlog::formatter> MakeFormatter(LogFormat format) {
  // UTC with milliseconds, so that lines from several hosts sort and compare directly.
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<CustomFlag<&WriteJsonMessage>>('J')
      .add_flag<CustomFlag<&WriteJsonLogger>>('K')
      .add_flag<CustomFlag<&WriteLevelName>>('W');
  if (format == LogFormat::kJson) {
    formatter->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%W","logger":%K,"msg":%J})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %W [%n] %v");
  }
  return formatter;
}

// Process-wide state. Every logger writes through one sink, so a format change reaches loggers
// that callers have cached.
struct LoggingState {
  LoggingState()
      : sink(std::make_shared<spdlog::sinks::stderr_sink_mt>()),
        extra(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
    sink->set_formatter(MakeFormatter(LogFormat::kText));
  }

  const std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink;  // thread-safe itself
  // Sinks added by AddLogSink (the monitor's ring buffer). A dist_sink adds and removes its
  // children safely while loggers write, which a logger's own sink list does not.
  const std::shared_ptr<spdlog::sinks::dist_sink_mt> extra;
  std::atomic<LogLevel> level{LogLevel::kInfo};
  std::mutex mu;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;  // guarded by mu
};

LoggingState& State() {
  // Leaked on purpose: threads may still log while static objects are being destroyed.
  static LoggingState* const state = new LoggingState();
  return *state;
}

bool ValidLevel(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(LogLevel::kTrace) &&
         static_cast<int>(level) <= static_cast<int>(LogLevel::kOff);
}

}  // namespace

LogLevel FromSpdlogLevel(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return LogLevel::kTrace;
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    case spdlog::level::err:
      return LogLevel::kError;
    case spdlog::level::critical:
      return LogLevel::kCritical;
    default:
      return LogLevel::kOff;
  }
}

spdlog::level::level_enum ToSpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kCritical:
      return spdlog::level::critical;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Logger(std::string_view component) {
  LoggingState& state = State();
  std::lock_guard lock(state.mu);
  auto it = state.loggers.find(component);
  if (it != state.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(component),
                                                 spdlog::sinks_init_list{state.sink, state.extra});
  logger->set_level(ToSpdlogLevel(state.level.load()));
  state.loggers.emplace(std::string(component), logger);
  return logger;
}

void AddLogSink(std::shared_ptr<spdlog::sinks::sink> sink) {
  State().extra->add_sink(std::move(sink));
}

void RemoveLogSink(const std::shared_ptr<spdlog::sinks::sink>& sink) {
  State().extra->remove_sink(sink);
}

bool LogEnabled(LogLevel level) {
  const LogLevel threshold = State().level.load(std::memory_order_relaxed);
  return level != LogLevel::kOff && threshold != LogLevel::kOff &&
         static_cast<int>(level) >= static_cast<int>(threshold);
}

}  // namespace internal

Result<LogLevel> ParseLogLevel(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "trace") return LogLevel::kTrace;
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  if (lower == "critical") return LogLevel::kCritical;
  if (lower == "off") return LogLevel::kOff;
  return Status::InvalidArgument("unknown log level \"" + std::string(name) +
                                 "\" (expected trace, debug, info, warn, error, critical or off)");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kCritical:
      return "critical";
    case LogLevel::kOff:
      return "off";
  }
  return "unknown";
}

Status ConfigureLogging(const LogOptions& options) {
  if (!internal::ValidLevel(options.level)) return Status::InvalidArgument("invalid log level");
  if (options.format != LogFormat::kText && options.format != LogFormat::kJson) {
    return Status::InvalidArgument("invalid log format");
  }
  internal::LoggingState& state = internal::State();
  try {
    state.sink->set_formatter(internal::MakeFormatter(options.format));
    std::lock_guard lock(state.mu);
    state.level.store(options.level);
    for (auto& [name, logger] : state.loggers) {
      logger->set_level(internal::ToSpdlogLevel(options.level));
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot configure logging: ") + e.what());
  }
  return Status::Ok();
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (!internal::LogEnabled(level)) return;
  // spdlog reports its own failures through its error handler; nothing escapes a logger call.
  internal::Logger(component)->log(internal::ToSpdlogLevel(level),
                                   spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace streamgate
