// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Connection's streamed paths, kept apart from the in-memory and sendfile fast paths:
// response bodies pulled from an HttpBodySource one chunk at a time (the next pull only once the
// previous chunk left for the socket), and request bodies whose sink holds reading back.
#include <asio/post.hpp>
#include <cstdio>

#include "http/connection.h"
#include "streamgate/logging.h"

namespace streamgate::internal {

void Connection::PullChunk() {
  if (source_pulling_) return;
  source_pulling_ = true;
  // The callback keeps the connection alive until the source answers (exactly once).
  std::shared_ptr<HttpBodySource> source = source_;
  source->Pull([self = shared_from_this()](Result<std::string> chunk) {
    asio::post(self->socket_.get_executor(), [self, chunk = std::move(chunk)]() mutable {
      self->OnSourceChunk(std::move(chunk));
    });
  });
}

void Connection::OnSourceChunk(Result<std::string> chunk) {
  source_pulling_ = false;
  if (phase_ != Phase::kWriting || !source_) return;  // closed meanwhile
  if (!chunk.ok()) {
    // Headers are out: the only honest way to say "incomplete" is to cut the connection.
    Log(LogLevel::kWarn, "http", "streamed response aborted: " + chunk.status().message());
    return Close();
  }
  std::string data = std::move(*chunk);
  out_head_.clear();
  out_offset_ = 0;
  if (data.empty()) {
    if (source_remaining_ && *source_remaining_ != 0) {
      Log(LogLevel::kWarn, "http", "streamed response ended short of its Content-Length");
      return Close();
    }
    source_ended_ = true;
    if (source_chunked_) out_head_ = source_first_ ? "0\r\n\r\n" : "\r\n0\r\n\r\n";
    out_body_.clear();
  } else {
    if (source_remaining_) {
      if (data.size() > *source_remaining_) {
        Log(LogLevel::kWarn, "http", "streamed response exceeds its Content-Length");
        return Close();
      }
      *source_remaining_ -= data.size();
    }
    if (source_chunked_) {
      // The CRLF closing the previous chunk travels with this chunk's size line.
      char line[32];
      std::snprintf(line, sizeof(line), "%s%zx\r\n", source_first_ ? "" : "\r\n", data.size());
      out_head_ = line;
    }
    source_first_ = false;
    out_body_ = std::move(data);
  }
  ContinueWrite();
}

void Connection::OnSinkResume() {
  if (phase_ != Phase::kBody || !sink_paused_) return;
  sink_paused_ = false;
  SetDeadlineAfter(core_->options.body_timeout_ms);
  // Parse what was already read, even nothing: the paused body may have been the message's
  // last bytes, and llhttp then completes the message without further input.
  std::string data;
  data.swap(pending_);
  if (Feed(data.data(), data.size())) ReadSome();
}

}  // namespace streamgate::internal
