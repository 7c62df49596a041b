// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Process-wide structured logging (spdlog underneath, not exposed). Thread-safe: every function
// here may be called from any thread at any time.
#pragma once

#include <string_view>

#include "streamgate/result.h"

namespace streamgate {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };
enum class LogFormat { kText, kJson };

// "trace" … "off" (also "warning"); InvalidArgument for anything else.
Result<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

struct LogOptions {
  LogLevel level = LogLevel::kInfo;
  // kJson writes one JSON object per line: {"ts":…,"level":…,"logger":…,"msg":…}.
  LogFormat format = LogFormat::kText;
  // One line per HTTP exchange at info level (method, path, status, bytes, microseconds).
  bool access_log = true;
};

// Replaces the process-wide logger (stderr). Safe to call again, e.g. after a config reload.
Status ConfigureLogging(const LogOptions& options);

// Writes one line through the configured logger; `component` becomes the logger name.
void Log(LogLevel level, std::string_view component, std::string_view message);

}  // namespace streamgate
