// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "redis/redis_pool.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <utility>

namespace streamgate::internal {
namespace {

timeval ToTimeval(std::chrono::milliseconds duration) {
  timeval out{};
  out.tv_sec = static_cast<decltype(out.tv_sec)>(duration.count() / 1000);
  out.tv_usec = static_cast<decltype(out.tv_usec)>((duration.count() % 1000) * 1000);
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

// hiredis 0.14 (Debian 12) speaks RESP2 only: five reply types besides nil.
RedisReply Copy(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i)
        out.elements.push_back(Copy(*reply.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

void RedisPool::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisPool::RedisPool(RedisEndpoint endpoint, std::size_t pool_size)
    : endpoint_(std::move(endpoint)), pool_size_(std::max<std::size_t>(pool_size, 1)) {}

RedisPool::~RedisPool() = default;

Result<RedisPool::Connection> RedisPool::Connect() {
  const timeval connect_timeout = ToTimeval(endpoint_.connect_timeout);
  Connection context(
      redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, connect_timeout));
  const std::string where = endpoint_.host + ":" + std::to_string(endpoint_.port);
  if (!context) return Status::Unavailable("redis " + where + ": cannot allocate a connection");
  if (context->err != 0) {
    return Status::Unavailable("redis " + where + ": " + std::string(context->errstr));
  }
  if (redisSetTimeout(context.get(), ToTimeval(endpoint_.command_timeout)) != REDIS_OK) {
    return Status::Unavailable("redis " + where + ": cannot set the command timeout");
  }
  if (!endpoint_.password.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Run(context.get(), {"AUTH", endpoint_.password}));
    if (reply.type == RedisReply::Type::kError) {
      return Status::Unavailable("redis " + where + ": AUTH failed");
    }
  }
  if (endpoint_.database != 0) {
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply,
                                Run(context.get(), {"SELECT", std::to_string(endpoint_.database)}));
    if (reply.type == RedisReply::Type::kError) {
      return Status::Unavailable("redis " + where + ": SELECT failed: " + reply.str);
    }
  }
  return context;
}

Result<RedisPool::Connection> RedisPool::Acquire(bool* reused) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || open_ < pool_size_; });
    if (!idle_.empty()) {
      Connection connection = std::move(idle_.back());
      idle_.pop_back();
      *reused = true;
      return connection;
    }
    ++open_;
  }
  *reused = false;
  Result<Connection> connection = Connect();
  if (!connection.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    --open_;
    available_.notify_one();
  }
  return connection;
}

void RedisPool::Release(Connection connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (connection) {
    idle_.push_back(std::move(connection));
  } else {
    // Dropped after a failure. Its idle siblings most likely broke the same way (a server
    // restart breaks them all): close them too, so the next callers open fresh ones.
    open_ -= 1 + idle_.size();
    idle_.clear();
    available_.notify_all();
  }
  available_.notify_one();
}

Result<RedisReply> RedisPool::Run(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data())));
  if (!reply || context->err != 0) {
    return Status::Unavailable("redis: " +
                               std::string(context->err != 0 ? context->errstr : "no reply"));
  }
  return Copy(*reply);
}

Result<RedisReply> RedisPool::Command(const std::vector<std::string>& args) {
  // A pooled connection may have died while idle (server restart, idle timeout): such a failure
  // is retried once on a fresh connection. The queue's commands and scripts are safe to repeat.
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    STREAMGATE_ASSIGN_OR_RETURN(Connection connection, Acquire(&reused));
    Result<RedisReply> reply = Run(connection.get(), args);
    // A broken connection (reset, timeout) may be mid-reply: never reuse it.
    if (!reply.ok()) connection.reset();
    Release(std::move(connection));
    if (reply.ok() || !reused || attempt > 0) return reply;
  }
}

Result<RedisReply> RedisPool::Eval(const RedisScript& script,
                                   const std::vector<std::string>& args) {
  std::string sha;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [known, known_sha] : shas_) {
      if (known == &script) sha = known_sha;
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      STREAMGATE_ASSIGN_OR_RETURN(RedisReply loaded, Command({"SCRIPT", "LOAD", script.source}));
      if (loaded.type != RedisReply::Type::kString) {
        return Status::Internal("redis: SCRIPT LOAD failed: " + loaded.str);
      }
      sha = loaded.str;
      std::lock_guard<std::mutex> lock(mutex_);
      shas_.emplace_back(&script, sha);
    }
    std::vector<std::string> command = {"EVALSHA", sha, "0"};
    command.insert(command.end(), args.begin(), args.end());
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, Command(command));
    // NOSCRIPT: the server restarted (or flushed its scripts) since we loaded it.
    if (reply.type == RedisReply::Type::kError && reply.str.rfind("NOSCRIPT", 0) == 0) {
      sha.clear();
      std::lock_guard<std::mutex> lock(mutex_);
      shas_.erase(std::remove_if(shas_.begin(), shas_.end(),
                                 [&](const auto& entry) { return entry.first == &script; }),
                  shas_.end());
      continue;
    }
    return reply;
  }
  return Status::Unavailable("redis: the script could not be loaded");
}

}  // namespace streamgate::internal
