// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "redis/redis_client.h"

#include <sys/time.h>

#include "common/log.h"

namespace streamgate::internal::redis {
namespace {

// After a failed connect, callers fail fast for this long rather than each waiting out the
// connect timeout against a server that is down.
constexpr std::chrono::milliseconds kReconnectBackoff{100};

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

std::string_view ErrorText(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ERROR || reply.str == nullptr) return {};
  return std::string_view(reply.str, reply.len);
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  redisContext* context = redisConnectWithTimeout(options.host.c_str(), options.port,
                                                  ToTimeval(options.connect_timeout));
  if (context == nullptr) return Status::Unavailable("redis: out of memory");
  if (context->err != 0) {
    const std::string message = std::string("redis: cannot connect to ") + options.host + ":" +
                                std::to_string(options.port) + ": " + context->errstr;
    redisFree(context);
    return Status::Unavailable(message);
  }
  std::unique_ptr<Connection> connection(new Connection(context));
  if (redisSetTimeout(context, ToTimeval(options.command_timeout)) != REDIS_OK) {
    return Status::Unavailable("redis: cannot set the command timeout");
  }
  (void)redisEnableKeepAlive(context);
  if (!options.password.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(Reply reply, connection->Command({"AUTH", options.password}));
    if (reply->type == REDIS_REPLY_ERROR) {
      return Status::Unavailable("redis: AUTH refused: " + std::string(ErrorText(*reply)));
    }
  }
  if (options.database != 0) {
    const std::string db = std::to_string(options.database);
    STREAMGATE_ASSIGN_OR_RETURN(Reply reply, connection->Command({"SELECT", db}));
    if (reply->type == REDIS_REPLY_ERROR) {
      return Status::Unavailable("redis: SELECT refused: " + std::string(ErrorText(*reply)));
    }
  }
  return connection;
}

Connection::~Connection() { redisFree(context_); }

Result<Reply> Connection::Command(const std::vector<std::string_view>& args) {
  if (broken_) return Status::Unavailable("redis: connection broken");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* raw =
      redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (raw == nullptr) {
    broken_ = true;
    return Status::Unavailable(std::string("redis: ") +
                               (context_->err != 0 ? context_->errstr : "no reply"));
  }
  return Reply(static_cast<redisReply*>(raw));
}

ConnectionPool::ConnectionPool(ConnectionOptions options, std::size_t size)
    : options_(std::move(options)), size_(size == 0 ? 1 : size) {}

ConnectionPool::~ConnectionPool() = default;

Result<std::unique_ptr<Connection>> ConnectionPool::Acquire(bool* reused) {
  std::unique_lock lock(mu_);
  const auto deadline =
      std::chrono::steady_clock::now() + options_.connect_timeout + options_.command_timeout;
  while (idle_.empty() && open_ >= size_) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return Status::Unavailable("redis: no connection free in time");
    }
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    *reused = true;
    return connection;
  }
  if (std::chrono::steady_clock::now() < retry_after_) return last_connect_error_;
  ++open_;  // reserve the slot while connecting without the lock
  lock.unlock();
  Result<std::unique_ptr<Connection>> connection = Connection::Open(options_);
  lock.lock();
  if (!connection.ok()) {
    --open_;
    retry_after_ = std::chrono::steady_clock::now() + kReconnectBackoff;
    last_connect_error_ = connection.status();
    cv_.notify_one();
    return connection.status();
  }
  *reused = false;
  return connection;
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mu_);
    if (connection->broken()) {
      // The server likely went away: the idle connections are as stale as this one was.
      open_ -= 1 + idle_.size();
      idle_.clear();
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  cv_.notify_one();
}

Result<Reply> ConnectionPool::Command(const std::vector<std::string_view>& args) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Acquire(&reused));
    Result<Reply> reply = connection->Command(args);
    const bool broken = connection->broken();
    Release(std::move(connection));
    if (reply.ok() || !broken || !reused || attempt > 0) {
      if (!reply.ok()) Logger("redis")->debug("command failed: {}", reply.status().ToString());
      return reply;
    }
  }
}

}  // namespace streamgate::internal::redis
