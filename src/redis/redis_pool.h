// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A small blocking Redis client over hiredis: a bounded pool of connections made with a connect
// timeout, commands with a read/write timeout, replies copied into owned values, and Lua scripts
// run by SHA (reloaded after a server restart). A connection that fails is dropped, so the next
// call reconnects: a Redis restart costs the calls in flight, never the process. The one Redis
// client of the library: the cache backend and the job queue both use it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

struct redisContext;

namespace streamgate::internal {

// An owned copy of a hiredis reply (status replies are kString; errors are kError).
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;
  long long integer = 0;
  std::vector<RedisReply> elements;
};

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int database = 0;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
};

// A Lua script; the pool remembers the SHA the server knows it by.
struct RedisScript {
  explicit RedisScript(std::string text) : source(std::move(text)) {}
  const std::string source;
};

// Thread-safe; blocks the calling thread (call from worker threads). Callers beyond pool_size
// wait for a free connection.
class RedisPool {
 public:
  RedisPool(RedisEndpoint endpoint, std::size_t pool_size);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Unavailable when the server cannot be reached or the connection broke; an error reply is
  // returned as a reply of type kError. A command that failed on a pooled connection is sent
  // once more on a new one, so callers must only send commands that are safe to repeat.
  Result<RedisReply> Command(const std::vector<std::string>& args);
  // EVALSHA with no keys (the queue's keys share one prefix); loads the script when the server
  // does not know it.
  Result<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& args);

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using Connection = std::unique_ptr<redisContext, ContextDeleter>;

  // A pooled connection (`*reused`) or a new one.
  Result<Connection> Acquire(bool* reused);
  void Release(Connection connection);
  Result<Connection> Connect();
  Result<RedisReply> Run(redisContext* context, const std::vector<std::string>& args);

  const RedisEndpoint endpoint_;
  const std::size_t pool_size_;
  std::mutex mutex_;  // guards idle_, open_ and shas_
  std::condition_variable available_;
  std::vector<Connection> idle_;
  std::size_t open_ = 0;  // connections handed out or idle
  std::vector<std::pair<const RedisScript*, std::string>> shas_;
};

}  // namespace streamgate::internal
