// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A small blocking Redis client over hiredis: one connection (connect with timeout, AUTH,
// SELECT, command timeout, RAII replies) and a bounded pool that reconnects lazily after
// failures. hiredis is blocking: use it from worker threads only.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const {
    if (reply != nullptr) freeReplyObject(reply);
  }
};
// Never null when held by an ok Result. An error reply (REDIS_REPLY_ERROR) is still a reply.
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int database = 0;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
};

// One connection. Not thread-safe: one caller at a time (the pool guarantees it).
class Connection {
 public:
  // Unavailable when the server cannot be reached or refuses AUTH/SELECT.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command with binary-safe arguments and waits for its reply. Unavailable on I/O
  // errors and timeouts, after which the connection is broken() and must be discarded.
  Result<Reply> Command(const std::vector<std::string_view>& args);
  bool broken() const { return broken_; }

 private:
  explicit Connection(redisContext* context) : context_(context) {}
  redisContext* context_;
  bool broken_ = false;
};

// Up to `size` connections, opened on demand. Thread-safe. Ownership: owns its connections.
class ConnectionPool {
 public:
  ConnectionPool(ConnectionOptions options, std::size_t size);
  ~ConnectionPool();

  // Runs one command on a pooled connection. A connection that fails is discarded, and when it
  // had been idle in the pool (the server may have restarted since) the command is retried
  // once on a fresh connection. Unavailable while the server is unreachable; after a failed
  // connect, further attempts fail fast for a short back-off instead of piling up timeouts.
  Result<Reply> Command(const std::vector<std::string_view>& args);

 private:
  Result<std::unique_ptr<Connection>> Acquire(bool* reused);
  void Release(std::unique_ptr<Connection> connection);

  const ConnectionOptions options_;
  const std::size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + lent out
  std::chrono::steady_clock::time_point retry_after_{};
  Status last_connect_error_;
};

// "ERR ..." text of an error reply, or "" for other replies.
std::string_view ErrorText(const redisReply& reply);

}  // namespace streamgate::internal::redis
