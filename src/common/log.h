// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Internal logging: the spdlog loggers behind streamgate::Log, for code in src/ that logs often
// (the access log, per-request paths) and wants to skip the per-call name look-up of Log().
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <memory>
#include <string_view>

#include "streamgate/logging.h"

namespace streamgate::internal {

// The process-wide logger for `component` (created on first use). Every logger shares one stderr
// sink, so ConfigureLogging changes format and level for loggers already handed out too.
// Thread-safe; the pointer stays valid for the life of the process.
std::shared_ptr<spdlog::logger> Logger(std::string_view component);

// Adds a sink that every logger also writes to (after the stderr sink, unformatted: the sink
// formats or stores the log_msg itself), e.g. the monitor's ring buffer of recent lines. It
// sees what passes the configured level. Thread-safe; RemoveLogSink takes it out again.
void AddLogSink(std::shared_ptr<spdlog::sinks::sink> sink);
void RemoveLogSink(const std::shared_ptr<spdlog::sinks::sink>& sink);

// True when a message at `level` would be written: lets callers skip building expensive lines.
bool LogEnabled(LogLevel level);

spdlog::level::level_enum ToSpdlogLevel(LogLevel level);
// The inverse (spdlog's "off" and unknown values are kOff).
LogLevel FromSpdlogLevel(spdlog::level::level_enum level);

}  // namespace streamgate::internal
