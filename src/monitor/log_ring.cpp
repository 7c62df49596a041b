// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "monitor/log_ring.h"

#include <algorithm>

#include "common/log.h"

namespace streamgate::internal {

void LogRingSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (capacity_ == 0) return;
  LogRecord record;
  record.sequence = next_sequence_++;
  record.time = std::chrono::time_point_cast<std::chrono::system_clock::duration>(msg.time);
  record.level = FromSpdlogLevel(msg.level);
  record.logger.assign(msg.logger_name.data(), msg.logger_name.size());
  record.message.assign(msg.payload.data(), std::min(msg.payload.size(), kMaxLogRecordBytes));
  if (records_.size() >= capacity_) records_.pop_front();
  records_.push_back(std::move(record));
}

std::vector<LogRecord> LogRingSink::Query(const LogQuery& query) {
  std::vector<LogRecord> out;
  std::lock_guard lock(mutex_);
  // Walk from the newest back, then restore chronological order.
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < query.limit; ++it) {
    if (static_cast<int>(it->level) < static_cast<int>(query.min_level)) continue;
    if (query.since.has_value() && it->time < *query.since) break;  // older from here on
    out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace streamgate::internal
