// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The SQLite JobQueue: one table, WAL mode, every state change in one IMMEDIATE transaction so
// that several processes sharing the file (workers on one host) never lease the same job twice.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "jobs/job_common.h"
#include "streamgate/job_queue.h"

namespace streamgate {
namespace internal {
namespace {

constexpr int kSchemaVersion = 1;

// Column order read by RowToJob.
constexpr const char* kColumns =
    "id, type, payload, result, priority, state, attempts, max_attempts, run_at_ms, interval_ms, "
    "runs, lease_owner, lease_expires_ms, cancel_requested, progress, last_error, "
    "COALESCE(idempotency_key, ''), created_ms, updated_ms, seq";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  result TEXT NOT NULL DEFAULT '',
  priority INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at_ms INTEGER NOT NULL,
  interval_ms INTEGER NOT NULL DEFAULT 0,
  runs INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  progress INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency_key ON jobs(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, type, priority DESC, run_at_ms, seq);
CREATE INDEX IF NOT EXISTS jobs_by_lease ON jobs(state, lease_expires_ms);
)sql";

struct StoredJob {
  Job job;
  uint64_t seq = 0;
};

StoredJob RowToJob(SQLite::Statement& row) {
  StoredJob out;
  Job& job = out.job;
  job.id = row.getColumn(0).getString();
  job.type = row.getColumn(1).getString();
  job.payload = row.getColumn(2).getString();
  job.result = row.getColumn(3).getString();
  job.priority = row.getColumn(4).getInt();
  job.state = ParseJobState(row.getColumn(5).getString()).value_or(JobState::kFailed);
  job.attempts = row.getColumn(6).getInt();
  job.max_attempts = row.getColumn(7).getInt();
  job.run_at_ms = row.getColumn(8).getInt64();
  job.interval_ms = row.getColumn(9).getInt64();
  job.runs = static_cast<uint64_t>(row.getColumn(10).getInt64());
  job.lease_owner = row.getColumn(11).getString();
  job.lease_expires_ms = row.getColumn(12).getInt64();
  job.cancel_requested = row.getColumn(13).getInt() != 0;
  job.progress = row.getColumn(14).getInt();
  job.last_error = row.getColumn(15).getString();
  job.idempotency_key = row.getColumn(16).getString();
  job.created_ms = row.getColumn(17).getInt64();
  job.updated_ms = row.getColumn(18).getInt64();
  out.seq = static_cast<uint64_t>(row.getColumn(19).getInt64());
  return out;
}

Status FromSqlite(const std::exception& error) {
  if (const auto* sql = dynamic_cast<const SQLite::Exception*>(&error)) {
    const int code = sql->getErrorCode();
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      return Status::Unavailable("job database is busy");
    }
  }
  return Status::Internal(std::string("job database: ") + error.what());
}

// BEGIN IMMEDIATE takes the write lock up front, so a read-then-write never has to be retried
// because another process wrote in between; rolls back unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (const std::exception&) {  // the connection is unusable anyway; nothing to add
      }
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void Commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  SQLite::Database& db_;
  bool done_ = false;
};

// Thread-safe: one connection, guarded by mutex_. Other processes use their own connections;
// SQLite's file locks (with a busy timeout) serialise them.
class SqliteJobQueue final : public JobQueue {
 public:
  SqliteJobQueue(JobQueueOptions options, std::unique_ptr<SQLite::Database> db)
      : options_(std::move(options)), db_(std::move(db)) {}

  Result<Job> Submit(const SubmitJobRequest& request) override {
    STREAMGATE_ASSIGN_OR_RETURN(SubmitJobRequest normal, NormalizeSubmit(request, options_));
    return Guarded([&]() -> Result<Job> { return Insert(normal); });
  }

  Result<Job> Schedule(const SubmitJobRequest& request) override {
    STREAMGATE_RETURN_IF_ERROR(CheckSchedulable(request));
    return Submit(request);
  }

  Result<Job> Get(std::string_view id) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return Guarded([&]() -> Result<Job> {
      std::optional<StoredJob> found = Find(id);
      if (!found) return Status::NotFound("no such job");
      return std::move(found->job);
    });
  }

  Result<Job> Cancel(std::string_view id) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return Guarded([&]() -> Result<Job> {
      WriteTransaction tx(*db_);
      std::optional<StoredJob> found = Find(id);
      if (!found) return Status::NotFound("no such job");
      const JobState state = found->job.state;
      if (IsTerminal(state)) {
        return Status::FailedPrecondition("job already " + std::string(JobStateName(state)));
      }
      SQLite::Statement update(*db_, state == JobState::kRunning
                                         ? "UPDATE jobs SET cancel_requested = 1, updated_ms = ? "
                                           "WHERE id = ?"
                                         : "UPDATE jobs SET state = 'cancelled', updated_ms = ? "
                                           "WHERE id = ?");
      update.bind(1, NowMs());
      update.bind(2, std::string(id));
      update.exec();
      tx.Commit();
      return Reload(id);
    });
  }

  Result<JobQueueDepth> Depth() override {
    return Guarded([&]() -> Result<JobQueueDepth> {
      SQLite::Statement query(*db_,
                              "SELECT state, COUNT(*) FROM jobs WHERE state IN "
                              "('queued', 'scheduled', 'running') GROUP BY state");
      JobQueueDepth depth;
      while (query.executeStep()) {
        const std::string state = query.getColumn(0).getString();
        const auto count = static_cast<uint64_t>(query.getColumn(1).getInt64());
        (state == "queued"      ? depth.queued
         : state == "scheduled" ? depth.scheduled
                                : depth.running) = count;
      }
      return depth;
    });
  }

  Result<ListJobsResponse> List(const ListJobsRequest& request) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateListRequest(request));
    const uint64_t after = request.cursor.empty() ? 0 : *ParseJobCursor(request.cursor);
    return Guarded([&]() -> Result<ListJobsResponse> {
      std::string sql = std::string("SELECT ") + kColumns + " FROM jobs WHERE seq > ?";
      if (request.state) sql += " AND state = ?";
      if (!request.type.empty()) sql += " AND type = ?";
      sql += " ORDER BY seq LIMIT ?";
      SQLite::Statement query(*db_, sql);
      int index = 1;
      query.bind(index++, static_cast<int64_t>(after));
      if (request.state) query.bind(index++, std::string(JobStateName(*request.state)));
      if (!request.type.empty()) query.bind(index++, request.type);
      query.bind(index, request.limit + 1);
      ListJobsResponse response;
      uint64_t last_seq = 0;
      while (query.executeStep()) {
        if (static_cast<int>(response.jobs.size()) == request.limit) {
          response.next_cursor = std::to_string(last_seq);
          break;
        }
        StoredJob stored = RowToJob(query);
        last_seq = stored.seq;
        response.jobs.push_back(std::move(stored.job));
      }
      return response;
    });
  }

  Result<std::optional<Job>> Lease(std::string_view worker_id,
                                   const std::vector<std::string>& types,
                                   std::chrono::milliseconds lease) override {
    if (worker_id.empty()) return Status::InvalidArgument("worker id is missing");
    if (types.empty()) return std::optional<Job>();
    for (const std::string& type : types) STREAMGATE_RETURN_IF_ERROR(ValidateJobType(type));
    return Guarded([&]() -> Result<std::optional<Job>> {
      const int64_t now = NowMs();
      std::string in = "(";
      for (std::size_t i = 0; i < types.size(); ++i) in += i == 0 ? "?" : ", ?";
      in += ")";
      auto bind_types = [&](SQLite::Statement& statement, int first) {
        for (const std::string& type : types) statement.bind(first++, type);
      };
      WriteTransaction tx(*db_);
      // Leases that expired belong to workers that died or hung: requeue, or end the job when
      // it was cancelled meanwhile or has no attempts left.
      SQLite::Statement reclaim(
          *db_,
          "UPDATE jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' "
          "WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
          "last_error = 'lease expired (worker ' || lease_owner || ' stopped heartbeating)', "
          "lease_owner = '', lease_expires_ms = 0, run_at_ms = ?1, updated_ms = ?1 "
          "WHERE state = 'running' AND lease_expires_ms <= ?1 AND type IN " +
              in);
      reclaim.bind(1, now);
      bind_types(reclaim, 2);
      reclaim.exec();
      SQLite::Statement pick(*db_,
                             "SELECT id FROM jobs WHERE state IN ('queued', 'scheduled') AND "
                             "run_at_ms <= ? AND type IN " +
                                 in + " ORDER BY priority DESC, run_at_ms, seq LIMIT 1");
      pick.bind(1, now);
      bind_types(pick, 2);
      if (!pick.executeStep()) {
        tx.Commit();
        return std::optional<Job>();
      }
      const std::string id = pick.getColumn(0).getString();
      pick.reset();
      SQLite::Statement take(*db_,
                             "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                             "lease_owner = ?, lease_expires_ms = ?, progress = 0, "
                             "updated_ms = ? WHERE id = ?");
      take.bind(1, std::string(worker_id));
      take.bind(2, now + lease.count());
      take.bind(3, now);
      take.bind(4, id);
      take.exec();
      tx.Commit();
      STREAMGATE_ASSIGN_OR_RETURN(Job job, Reload(id));
      return std::optional<Job>(std::move(job));
    });
  }

  Result<Job> Heartbeat(std::string_view id, std::string_view worker_id,
                        std::chrono::milliseconds lease, int progress) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return Guarded([&]() -> Result<Job> {
      WriteTransaction tx(*db_);
      STREAMGATE_RETURN_IF_ERROR(CheckLease(id, worker_id).status());
      SQLite::Statement update(*db_,
                               "UPDATE jobs SET lease_expires_ms = ?, progress = ?, "
                               "updated_ms = ? WHERE id = ?");
      const int64_t now = NowMs();
      update.bind(1, now + lease.count());
      update.bind(2, std::clamp(progress, 0, 100));
      update.bind(3, now);
      update.bind(4, std::string(id));
      update.exec();
      tx.Commit();
      return Reload(id);
    });
  }

  Result<Job> Complete(std::string_view id, std::string_view worker_id,
                       std::string_view result) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return Guarded([&]() -> Result<Job> {
      WriteTransaction tx(*db_);
      STREAMGATE_ASSIGN_OR_RETURN(const Job job, CheckLease(id, worker_id));
      const int64_t now = NowMs();
      std::string state = "succeeded";
      int64_t run_at = job.run_at_ms;
      int progress = 100;
      if (job.cancel_requested) {
        state = "cancelled";
        progress = job.progress;
      } else if (job.interval_ms > 0) {
        // The next run keeps the schedule's phase; a run that overran skips the missed slots.
        state = "scheduled";
        run_at = job.run_at_ms + job.interval_ms;
        if (run_at <= now) run_at = now + job.interval_ms;
      }
      SQLite::Statement update(
          *db_,
          "UPDATE jobs SET state = ?, result = ?, runs = runs + ?, run_at_ms = ?, "
          "attempts = CASE WHEN ? = 'scheduled' THEN 0 ELSE attempts END, lease_owner = '', "
          "lease_expires_ms = 0, progress = ?, last_error = '', updated_ms = ? WHERE id = ?");
      update.bind(1, state);
      update.bind(2, std::string(result));
      update.bind(3, job.cancel_requested ? 0 : 1);
      update.bind(4, run_at);
      update.bind(5, state);
      update.bind(6, progress);
      update.bind(7, now);
      update.bind(8, std::string(id));
      update.exec();
      tx.Commit();
      return Reload(id);
    });
  }

  Result<Job> Fail(std::string_view id, std::string_view worker_id, std::string_view error,
                   bool retryable) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateJobId(id));
    return Guarded([&]() -> Result<Job> {
      WriteTransaction tx(*db_);
      STREAMGATE_ASSIGN_OR_RETURN(const Job job, CheckLease(id, worker_id));
      const int64_t now = NowMs();
      std::string state = "failed";
      int64_t run_at = job.run_at_ms;
      if (job.cancel_requested) {
        state = "cancelled";
      } else if (retryable && job.attempts < job.max_attempts) {
        state = "queued";
        run_at = now + BackoffDelayMs(options_, job.attempts);
      }
      SQLite::Statement update(*db_,
                               "UPDATE jobs SET state = ?, run_at_ms = ?, last_error = ?, "
                               "lease_owner = '', lease_expires_ms = 0, updated_ms = ? "
                               "WHERE id = ?");
      update.bind(1, state);
      update.bind(2, run_at);
      update.bind(3, TruncateError(error));
      update.bind(4, now);
      update.bind(5, std::string(id));
      update.exec();
      tx.Commit();
      return Reload(id);
    });
  }

  std::string_view backend() const override { return "sqlite"; }

 private:
  // Runs `body` under the connection lock, turning SQLite's exceptions into a Status.
  template <typename Body>
  auto Guarded(Body&& body) -> decltype(body()) {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      return body();
    } catch (const std::exception& error) {
      return FromSqlite(error);
    }
  }

  std::optional<StoredJob> Find(std::string_view id) {
    SQLite::Statement query(*db_, std::string("SELECT ") + kColumns + " FROM jobs WHERE id = ?");
    query.bind(1, std::string(id));
    if (!query.executeStep()) return std::nullopt;
    return RowToJob(query);
  }

  Result<Job> Reload(std::string_view id) {
    std::optional<StoredJob> found = Find(id);
    if (!found) return Status::NotFound("no such job");
    return std::move(found->job);
  }

  // The job, when `worker_id` holds its lease; Aborted otherwise.
  Result<Job> CheckLease(std::string_view id, std::string_view worker_id) {
    std::optional<StoredJob> found = Find(id);
    if (!found) return Status::NotFound("no such job");
    if (found->job.state != JobState::kRunning || found->job.lease_owner != worker_id) {
      return Status::Aborted("the lease on this job is held by another worker or has ended");
    }
    return std::move(found->job);
  }

  Result<Job> Insert(const SubmitJobRequest& request) {
    if (!request.idempotency_key.empty()) {
      SQLite::Statement query(
          *db_, std::string("SELECT ") + kColumns + " FROM jobs WHERE idempotency_key = ?");
      query.bind(1, request.idempotency_key);
      if (query.executeStep()) return RowToJob(query).job;
    }
    const int64_t now = NowMs();
    const FirstRun first = PlanFirstRun(request, now);
    const std::string id = NewJobId();
    SQLite::Statement insert(*db_,
                             "INSERT INTO jobs (id, type, payload, priority, state, max_attempts, "
                             "run_at_ms, interval_ms, idempotency_key, created_ms, updated_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, id);
    insert.bind(2, request.type);
    insert.bind(3, request.payload);
    insert.bind(4, request.priority);
    insert.bind(5, first.later ? "scheduled" : "queued");
    insert.bind(6, request.max_attempts);
    insert.bind(7, first.run_at_ms);
    insert.bind(8, request.interval_ms);
    if (request.idempotency_key.empty()) {
      insert.bind(9);
    } else {
      insert.bind(9, request.idempotency_key);
    }
    insert.bind(10, now);
    insert.bind(11, now);
    try {
      insert.exec();
    } catch (const SQLite::Exception& error) {
      // Another process submitted the same idempotency key between our look-up and insert.
      if (error.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE &&
          !request.idempotency_key.empty()) {
        return Insert(request);
      }
      throw;
    }
    return Reload(id);
  }

  const JobQueueOptions options_;
  std::mutex mutex_;  // guards db_
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<JobQueue>> NewSqliteJobQueue(const JobQueueOptions& options) {
  STREAMGATE_RETURN_IF_ERROR(internal::ValidateQueueOptions(options));
  if (options.sqlite_path.empty()) return Status::InvalidArgument("jobs: sqlite_path is empty");
  try {
    const std::filesystem::path path(options.sqlite_path);
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    auto db = std::make_unique<SQLite::Database>(options.sqlite_path,
                                                 SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // Several processes (workers) may share the file: wait for their locks rather than fail.
    db->setBusyTimeout(5000);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = NORMAL");
    internal::WriteTransaction tx(*db);
    db->exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    int version = 0;
    {
      SQLite::Statement query(*db, "SELECT MAX(version) FROM schema_version");
      if (query.executeStep() && !query.getColumn(0).isNull()) version = query.getColumn(0);
    }
    if (version > internal::kSchemaVersion) {
      return Status::FailedPrecondition("jobs database " + options.sqlite_path +
                                        " has schema version " + std::to_string(version) +
                                        ", newer than this build understands");
    }
    if (version < internal::kSchemaVersion) {
      db->exec(internal::kSchema);
      db->exec("DELETE FROM schema_version");
      db->exec("INSERT INTO schema_version (version) VALUES (" +
               std::to_string(internal::kSchemaVersion) + ")");
    }
    tx.Commit();
    return std::unique_ptr<JobQueue>(
        std::make_unique<internal::SqliteJobQueue>(options, std::move(db)));
  } catch (const std::exception& error) {
    return Status::Unavailable(std::string("cannot open jobs database: ") + error.what());
  }
}

}  // namespace streamgate
