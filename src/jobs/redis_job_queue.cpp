// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Redis JobQueue, for many worker processes on many hosts. Layout under the key prefix P:
//   P job:<id>        hash: the job record (the source of truth for its state)
//   P all             sorted set: id by submission sequence (listing, cursors)
//   P seq             counter for the sequence
//   P idem:<key>      the id submitted with an idempotency key
//   P delayed         sorted set: id by run_at_ms (scheduled jobs and retry backoff)
//   P q:<type>:<band> stream of runnable job ids, consumer group "workers"; band h/n/l is the
//                     priority (> 0, 0, < 0), read in that order
// A leased job is a pending stream entry (XREADGROUP); an expired lease is an entry idle for
// longer than the lease, taken over with XAUTOCLAIM; heartbeats reset the idle time (XCLAIM to
// oneself). Every state change is one Lua script, so it is atomic with respect to other workers,
// and the record's lease owner fences a worker whose lease was taken over.
#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "jobs/job_common.h"
#include "redis/redis_pool.h"
#include "streamgate/job_queue.h"

namespace streamgate {
namespace internal {
namespace {

// Shared by every script: ARGV[1] is the key prefix, ARGV[2] the time (ms).
constexpr const char* kLuaCommon = R"lua(
local P = ARGV[1]
local now = tonumber(ARGV[2])
-- Lua 5.1 prints numbers with 14 significant digits; times are formatted as integers.
local function n(x) return string.format('%d', x) end
local function jobkey(id) return P .. 'job:' .. id end
local function streamkey(t, priority)
  local p = tonumber(priority)
  local band = 'n'
  if p > 0 then band = 'h' elseif p < 0 then band = 'l' end
  return P .. 'q:' .. t .. ':' .. band
end
local function enqueue(id, t, priority)
  local s = streamkey(t, priority)
  if redis.call('EXISTS', s) == 0 then
    redis.pcall('XGROUP', 'CREATE', s, 'workers', '0', 'MKSTREAM')
  end
  redis.call('XADD', s, '*', 'id', id)
end
local function drop_entry(s, entry)
  if s ~= nil and s ~= '' and entry ~= nil and entry ~= '' then
    redis.call('XACK', s, 'workers', entry)
    redis.call('XDEL', s, entry)
  end
end
-- The record of a running job held by `worker`, or an error reply.
local function held(id, worker)
  local k = jobkey(id)
  local f = redis.call('HMGET', k, 'state', 'lease_owner')
  if not f[1] then return nil, redis.error_reply('NOTFOUND no such job') end
  if f[1] ~= 'running' or f[2] ~= worker then
    return nil, redis.error_reply('ABORTED the lease on this job is held by another worker or has ended')
  end
  return k, nil
end
)lua";

// ARGV: 3 id, 4 type, 5 payload, 6 priority, 7 max_attempts, 8 run_at, 9 interval,
// 10 idempotency key, 11 "1" when it runs later.
constexpr const char* kLuaSubmit = R"lua(
local id, idem = ARGV[3], ARGV[10]
-- The id is made by the caller, so a retried submission finds its first attempt.
if redis.call('EXISTS', jobkey(id)) == 1 then return redis.call('HGETALL', jobkey(id)) end
if idem ~= '' then
  local existing = redis.call('GET', P .. 'idem:' .. idem)
  if existing then return redis.call('HGETALL', jobkey(existing)) end
end
local seq = redis.call('INCR', P .. 'seq')
local later = ARGV[11] == '1'
local state = 'queued'
if later then state = 'scheduled' end
redis.call('HSET', jobkey(id), 'id', id, 'type', ARGV[4], 'payload', ARGV[5], 'result', '',
  'priority', ARGV[6], 'state', state, 'attempts', 0, 'max_attempts', ARGV[7],
  'run_at_ms', ARGV[8], 'interval_ms', ARGV[9], 'runs', 0, 'lease_owner', '',
  'lease_expires_ms', 0, 'cancel_requested', 0, 'progress', 0, 'last_error', '',
  'idempotency_key', idem, 'created_ms', n(now), 'updated_ms', n(now), 'seq', seq, 'entry', '',
  'stream', '')
redis.call('ZADD', P .. 'all', seq, id)
if idem ~= '' then redis.call('SET', P .. 'idem:' .. idem, id) end
if later then
  redis.call('ZADD', P .. 'delayed', ARGV[8], id)
else
  enqueue(id, ARGV[4], ARGV[6])
end
return redis.call('HGETALL', jobkey(id))
)lua";

// ARGV: 3 worker, 4 lease ms, 5.. types.
constexpr const char* kLuaLease = R"lua(
local worker, lease = ARGV[3], tonumber(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('ZREM', P .. 'delayed', id)
  local f = redis.call('HMGET', jobkey(id), 'state', 'type', 'priority')
  if f[1] == 'queued' or f[1] == 'scheduled' then enqueue(id, f[2], f[3]) end
end
-- Takes the job behind a delivered entry, or returns nil (and drops the entry when stale).
local function take(s, entry, id)
  local k = jobkey(id)
  local f = redis.call('HMGET', k, 'state', 'attempts', 'max_attempts', 'cancel_requested',
                       'lease_expires_ms', 'entry', 'lease_owner')
  local state = f[1]
  local note = nil
  if not state then drop_entry(s, entry) return nil end
  if state == 'running' then
    if f[6] ~= entry then drop_entry(s, entry) return nil end
    -- The record decides: a heartbeat may have extended the lease since the entry went idle.
    if tonumber(f[5]) > now then return nil end
    note = 'lease expired (worker ' .. f[7] .. ' stopped heartbeating)'
    local ended = nil
    if f[4] == '1' then ended = 'cancelled'
    elseif tonumber(f[2]) >= tonumber(f[3]) then ended = 'failed' end
    if ended then
      drop_entry(s, entry)
      redis.call('HSET', k, 'state', ended, 'lease_owner', '', 'lease_expires_ms', 0,
                 'entry', '', 'stream', '', 'last_error', note, 'updated_ms', n(now))
      return nil
    end
  elseif state ~= 'queued' and state ~= 'scheduled' then
    drop_entry(s, entry)
    return nil
  end
  redis.call('HSET', k, 'state', 'running', 'lease_owner', worker, 'lease_expires_ms',
             n(now + lease), 'entry', entry, 'stream', s, 'progress', 0, 'updated_ms', n(now))
  if note then redis.call('HSET', k, 'last_error', note) end
  redis.call('HINCRBY', k, 'attempts', 1)
  return redis.call('HGETALL', k)
end
for _, band in ipairs({'h', 'n', 'l'}) do
  for i = 5, #ARGV do
    local s = P .. 'q:' .. ARGV[i] .. ':' .. band
    if redis.call('EXISTS', s) == 1 then
      for _ = 1, 20 do
        local claimed = redis.call('XAUTOCLAIM', s, 'workers', worker, lease, '0-0', 'COUNT', 1)
        local e = claimed[2][1]
        if not e then break end
        local job = take(s, e[1], e[2][2])
        if job then return job end
      end
      for _ = 1, 50 do
        local read = redis.call('XREADGROUP', 'GROUP', 'workers', worker, 'COUNT', 1,
                                'STREAMS', s, '>')
        if not read then break end
        local e = read[1][2][1]
        if not e then break end
        local job = take(s, e[1], e[2][2])
        if job then return job end
      end
    end
  end
end
return nil
)lua";

// ARGV: 3 id, 4 worker, 5 lease ms, 6 progress.
constexpr const char* kLuaHeartbeat = R"lua(
local k, err = held(ARGV[3], ARGV[4])
if err then return err end
redis.call('HSET', k, 'lease_expires_ms', n(now + tonumber(ARGV[5])), 'progress', ARGV[6],
           'updated_ms', n(now))
local f = redis.call('HMGET', k, 'stream', 'entry')
-- Claiming the entry for ourselves resets its idle time, so XAUTOCLAIM leaves it alone.
if f[1] ~= '' then redis.call('XCLAIM', f[1], 'workers', ARGV[4], 0, f[2], 'JUSTID') end
return redis.call('HGETALL', k)
)lua";

// ARGV: 3 id, 4 worker, 5 result.
constexpr const char* kLuaComplete = R"lua(
local k, err = held(ARGV[3], ARGV[4])
if err then return err end
local f = redis.call('HMGET', k, 'stream', 'entry', 'cancel_requested', 'interval_ms',
                     'run_at_ms')
drop_entry(f[1], f[2])
redis.call('HSET', k, 'lease_owner', '', 'lease_expires_ms', 0, 'entry', '', 'stream', '',
           'result', ARGV[5], 'last_error', '', 'updated_ms', n(now))
local interval = tonumber(f[4])
if f[3] == '1' then
  redis.call('HSET', k, 'state', 'cancelled')
elseif interval > 0 then
  local run_at = tonumber(f[5]) + interval
  if run_at <= now then run_at = now + interval end
  redis.call('HSET', k, 'state', 'scheduled', 'run_at_ms', n(run_at), 'attempts', 0,
             'progress', 100)
  redis.call('HINCRBY', k, 'runs', 1)
  redis.call('ZADD', P .. 'delayed', run_at, ARGV[3])
else
  redis.call('HSET', k, 'state', 'succeeded', 'progress', 100)
  redis.call('HINCRBY', k, 'runs', 1)
end
return redis.call('HGETALL', k)
)lua";

// ARGV: 3 id, 4 worker, 5 error, 6 "1" when retryable, 7 backoff ms.
constexpr const char* kLuaFail = R"lua(
local k, err = held(ARGV[3], ARGV[4])
if err then return err end
local f = redis.call('HMGET', k, 'stream', 'entry', 'cancel_requested', 'attempts',
                     'max_attempts')
drop_entry(f[1], f[2])
redis.call('HSET', k, 'lease_owner', '', 'lease_expires_ms', 0, 'entry', '', 'stream', '',
           'last_error', ARGV[5], 'updated_ms', n(now))
if f[3] == '1' then
  redis.call('HSET', k, 'state', 'cancelled')
elseif ARGV[6] == '1' and tonumber(f[4]) < tonumber(f[5]) then
  local run_at = now + tonumber(ARGV[7])
  redis.call('HSET', k, 'state', 'queued', 'run_at_ms', n(run_at))
  redis.call('ZADD', P .. 'delayed', run_at, ARGV[3])
else
  redis.call('HSET', k, 'state', 'failed')
end
return redis.call('HGETALL', k)
)lua";

// ARGV: 3 id.
constexpr const char* kLuaCancel = R"lua(
local k = jobkey(ARGV[3])
local state = redis.call('HGET', k, 'state')
if not state then return redis.error_reply('NOTFOUND no such job') end
if state == 'succeeded' or state == 'failed' or state == 'cancelled' then
  return redis.error_reply('PRECONDITION job already ' .. state)
end
if state == 'running' then
  redis.call('HSET', k, 'cancel_requested', 1, 'updated_ms', n(now))
else
  -- A stream entry may remain; Lease drops it when it sees the state.
  redis.call('HSET', k, 'state', 'cancelled', 'updated_ms', n(now))
  redis.call('ZREM', P .. 'delayed', ARGV[3])
end
return redis.call('HGETALL', k)
)lua";

// ARGV: 3 after (sequence), 4 limit, 5 state or '', 6 type or ''. Returns {cursor, job...}:
// up to `limit` jobs, and a cursor when more may follow (also when the scan budget ran out).
constexpr const char* kLuaList = R"lua(
local after, limit, want_state, want_type = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local out = {''}
local last_returned = after
local scanned = 0
while true do
  local page = redis.call('ZRANGEBYSCORE', P .. 'all', '(' .. after, '+inf', 'WITHSCORES',
                          'LIMIT', 0, 200)
  if #page == 0 then return out end
  for i = 1, #page, 2 do
    local id, seq = page[i], page[i + 1]
    local f = redis.call('HMGET', jobkey(id), 'state', 'type')
    if f[1] and (want_state == '' or f[1] == want_state) and (want_type == '' or f[2] == want_type) then
      if #out - 1 == limit then
        out[1] = last_returned
        return out
      end
      table.insert(out, redis.call('HGETALL', jobkey(id)))
      last_returned = seq
    end
    after = seq
    scanned = scanned + 1
    if scanned >= 10000 then
      out[1] = after
      return out
    end
  end
end
)lua";

std::string Script(const char* body) { return std::string(kLuaCommon) + body; }

int64_t ToInt(const std::string& text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<Job> ParseJob(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return Status::NotFound("no such job");
  }
  Job job;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& name = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    if (name == "id")
      job.id = value;
    else if (name == "type")
      job.type = value;
    else if (name == "payload")
      job.payload = value;
    else if (name == "result")
      job.result = value;
    else if (name == "priority")
      job.priority = static_cast<int>(ToInt(value));
    else if (name == "state")
      job.state = ParseJobState(value).value_or(JobState::kFailed);
    else if (name == "attempts")
      job.attempts = static_cast<int>(ToInt(value));
    else if (name == "max_attempts")
      job.max_attempts = static_cast<int>(ToInt(value));
    else if (name == "run_at_ms")
      job.run_at_ms = ToInt(value);
    else if (name == "interval_ms")
      job.interval_ms = ToInt(value);
    else if (name == "runs")
      job.runs = static_cast<uint64_t>(ToInt(value));
    else if (name == "lease_owner")
      job.lease_owner = value;
    else if (name == "lease_expires_ms")
      job.lease_expires_ms = ToInt(value);
    else if (name == "cancel_requested")
      job.cancel_requested = value == "1";
    else if (name == "progress")
      job.progress = static_cast<int>(ToInt(value));
    else if (name == "last_error")
      job.last_error = value;
    else if (name == "idempotency_key")
      job.idempotency_key = value;
    else if (name == "created_ms")
      job.created_ms = ToInt(value);
    else if (name == "updated_ms")
      job.updated_ms = ToInt(value);
  }
  if (job.id.empty()) return Status::NotFound("no such job");
  return job;
}

// Scripts report expected failures as "CODE message" error replies.
Status FromErrorReply(const std::string& error) {
  auto message = [&](std::string_view code) {
    return error.size() > code.size() + 1 ? error.substr(code.size() + 1) : error;
  };
  if (error.rfind("NOTFOUND", 0) == 0) return Status::NotFound(message("NOTFOUND"));
  if (error.rfind("ABORTED", 0) == 0) return Status::Aborted(message("ABORTED"));
  if (error.rfind("PRECONDITION", 0) == 0) {
    return Status::FailedPrecondition(message("PRECONDITION"));
  }
  if (error.rfind("LOADING", 0) == 0 || error.rfind("BUSY", 0) == 0) {
    return Status::Unavailable("redis: " + error);
  }
  return Status::Internal("redis: " + error);
}

// Thread-safe: all state lives in Redis; the pool is thread-safe.
class RedisJobQueue final : public JobQueue {
 public:
  explicit RedisJobQueue(JobQueueOptions options)
      : options_(std::move(options)),
        pool_(RedisEndpoint{options_.redis_host, options_.redis_port, options_.redis_password,
                            options_.redis_db,
                            std::chrono::milliseconds(options_.redis_connect_timeout_ms),
                            std::chrono::milliseconds(options_.redis_command_timeout_ms)},
              options_.redis_pool_size) {}

  Result<Job> Submit(const SubmitJobRequest& request) override {
    STREAMGATE_ASSIGN_OR_RETURN(SubmitJobRequest normal, NormalizeSubmit(request, options_));
    const int64_t now = NowMs();
    const FirstRun first = PlanFirstRun(normal, now);
    return RunJobScript(submit_,
                        {std::to_string(now), NewJobId(), normal.type, normal.payload,
                         std::to_string(normal.priority), std::to_string(normal.max_attempts),
                         std::to_string(first.run_at_ms), std::to_string(normal.interval_ms),
                         normal.idempotency_key, first.later ? "1" : "0"});
  }

  Result<Job> Schedule(const SubmitJobRequest& request) override {
    STREAMGATE_RETURN_IF_ERROR(CheckSchedulable(request));
    return Submit(request);
  }

  Result<Job> Get(std::string_view id) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    STREAMGATE_ASSIGN_OR_RETURN(
        RedisReply reply,
        pool_.Command({"HGETALL", options_.key_prefix + "job:" + std::string(id)}));
    if (reply.type == RedisReply::Type::kError) return FromErrorReply(reply.str);
    return ParseJob(reply);
  }

  Result<Job> Cancel(std::string_view id) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return RunJobScript(cancel_, {std::to_string(NowMs()), std::string(id)});
  }

  // Runnable and leased jobs are entries of the q:<type>:<band> streams (acknowledged entries
  // are deleted), leased ones pending in the group; delayed jobs wait in the `delayed` set.
  Result<JobQueueDepth> Depth() override {
    JobQueueDepth depth;
    std::string pattern;
    for (const char c : options_.key_prefix) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += "q:*";
    std::string cursor = "0";
    do {
      STREAMGATE_ASSIGN_OR_RETURN(
          RedisReply page, pool_.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "200"}));
      if (page.type != RedisReply::Type::kArray || page.elements.size() != 2) {
        return Status::Internal("redis: unexpected SCAN reply");
      }
      cursor = page.elements[0].str;
      for (const RedisReply& key : page.elements[1].elements) {
        STREAMGATE_ASSIGN_OR_RETURN(RedisReply length, pool_.Command({"XLEN", key.str}));
        STREAMGATE_ASSIGN_OR_RETURN(RedisReply pending,
                                    pool_.Command({"XPENDING", key.str, "workers"}));
        const uint64_t total =
            length.type == RedisReply::Type::kInteger ? static_cast<uint64_t>(length.integer) : 0;
        const uint64_t leased = pending.type == RedisReply::Type::kArray &&
                                        !pending.elements.empty() &&
                                        pending.elements[0].type == RedisReply::Type::kInteger
                                    ? static_cast<uint64_t>(pending.elements[0].integer)
                                    : 0;
        depth.running += std::min(leased, total);
        depth.queued += total - std::min(leased, total);
      }
    } while (cursor != "0");
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply delayed,
                                pool_.Command({"ZCARD", options_.key_prefix + "delayed"}));
    if (delayed.type == RedisReply::Type::kError) return FromErrorReply(delayed.str);
    depth.scheduled = static_cast<uint64_t>(std::max<long long>(0, delayed.integer));
    return depth;
  }

  Result<ListJobsResponse> List(const ListJobsRequest& request) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateListRequest(request));
    const uint64_t after = request.cursor.empty() ? 0 : *ParseJobCursor(request.cursor);
    STREAMGATE_ASSIGN_OR_RETURN(
        RedisReply reply,
        pool_.Eval(list_,
                   {options_.key_prefix, std::to_string(NowMs()), std::to_string(after),
                    std::to_string(request.limit),
                    request.state ? std::string(JobStateName(*request.state)) : "", request.type}));
    if (reply.type == RedisReply::Type::kError) return FromErrorReply(reply.str);
    if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
      return Status::Internal("redis: unexpected list reply");
    }
    ListJobsResponse response;
    response.next_cursor = reply.elements[0].str;
    for (std::size_t i = 1; i < reply.elements.size(); ++i) {
      STREAMGATE_ASSIGN_OR_RETURN(Job job, ParseJob(reply.elements[i]));
      response.jobs.push_back(std::move(job));
    }
    return response;
  }

  Result<std::optional<Job>> Lease(std::string_view worker_id,
                                   const std::vector<std::string>& types,
                                   std::chrono::milliseconds lease) override {
    if (worker_id.empty()) return Status::InvalidArgument("worker id is missing");
    if (types.empty()) return std::optional<Job>();
    std::vector<std::string> args = {options_.key_prefix, std::to_string(NowMs()),
                                     std::string(worker_id), std::to_string(lease.count())};
    for (const std::string& type : types) {
      STREAMGATE_RETURN_IF_ERROR(ValidateJobType(type));
      args.push_back(type);
    }
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, pool_.Eval(lease_, args));
    if (reply.type == RedisReply::Type::kError) return FromErrorReply(reply.str);
    if (reply.type != RedisReply::Type::kArray) return std::optional<Job>();
    STREAMGATE_ASSIGN_OR_RETURN(Job job, ParseJob(reply));
    return std::optional<Job>(std::move(job));
  }

  Result<Job> Heartbeat(std::string_view id, std::string_view worker_id,
                        std::chrono::milliseconds lease, int progress) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return RunJobScript(
        heartbeat_, {std::to_string(NowMs()), std::string(id), std::string(worker_id),
                     std::to_string(lease.count()), std::to_string(std::clamp(progress, 0, 100))});
  }

  Result<Job> Complete(std::string_view id, std::string_view worker_id,
                       std::string_view result) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return RunJobScript(complete_, {std::to_string(NowMs()), std::string(id),
                                    std::string(worker_id), std::string(result)});
  }

  Result<Job> Fail(std::string_view id, std::string_view worker_id, std::string_view error,
                   bool retryable) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    // The backoff needs the attempt count, which only the script knows for sure; the record read
    // here is at most one lease old, and attempts only change when a lease is taken.
    STREAMGATE_ASSIGN_OR_RETURN(const Job job, Get(id));
    return RunJobScript(fail_, {std::to_string(NowMs()), std::string(id), std::string(worker_id),
                                TruncateError(error), retryable ? "1" : "0",
                                std::to_string(BackoffDelayMs(options_, job.attempts))});
  }

  std::string_view backend() const override { return "redis"; }

 private:
  Result<Job> RunJobScript(const RedisScript& script, std::vector<std::string> args) {
    args.insert(args.begin(), options_.key_prefix);
    STREAMGATE_ASSIGN_OR_RETURN(RedisReply reply, pool_.Eval(script, args));
    if (reply.type == RedisReply::Type::kError) return FromErrorReply(reply.str);
    return ParseJob(reply);
  }

  const JobQueueOptions options_;
  RedisPool pool_;
  const RedisScript submit_{Script(kLuaSubmit)};
  const RedisScript lease_{Script(kLuaLease)};
  const RedisScript heartbeat_{Script(kLuaHeartbeat)};
  const RedisScript complete_{Script(kLuaComplete)};
  const RedisScript fail_{Script(kLuaFail)};
  const RedisScript cancel_{Script(kLuaCancel)};
  const RedisScript list_{Script(kLuaList)};
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<JobQueue>> NewRedisJobQueue(const JobQueueOptions& options) {
  STREAMGATE_RETURN_IF_ERROR(internal::ValidateQueueOptions(options));
  if (options.redis_host.empty()) return Status::InvalidArgument("jobs: redis_host is empty");
  if (options.redis_port < 1 || options.redis_port > 65535) {
    return Status::InvalidArgument("jobs: redis_port must be in [1, 65535]");
  }
  if (options.key_prefix.empty()) return Status::InvalidArgument("jobs: key_prefix is empty");
  return std::unique_ptr<JobQueue>(std::make_unique<internal::RedisJobQueue>(options));
}

}  // namespace streamgate
