// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A spdlog sink keeping the newest N log lines in memory, for GET /api/v1/monitor/logs.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <deque>
#include <mutex>

#include "streamgate/monitor.h"

namespace streamgate::internal {

// Thread-safe (spdlog's base_sink locks around sink_it_; Query takes the same lock).
class LogRingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LogRingSink(std::size_t capacity) : capacity_(capacity) {}

  // The newest `query.limit` records at or above min_level (and at or after `since`), oldest
  // first.
  std::vector<LogRecord> Query(const LogQuery& query);
  std::size_t capacity() const { return capacity_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  const std::size_t capacity_;
  std::deque<LogRecord> records_;  // guarded by base_sink's mutex_
  uint64_t next_sequence_ = 1;
};

// Longest message kept per line; longer ones are cut (the ring must stay bounded in bytes).
inline constexpr std::size_t kMaxLogRecordBytes = 4096;

}  // namespace streamgate::internal
