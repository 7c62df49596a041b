// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "upload/upload_state_db.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <map>

namespace streamgate::internal {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  state INTEGER NOT NULL,
  owner TEXT NOT NULL,
  client_key TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  length INTEGER,
  offset INTEGER NOT NULL,
  chunk_size INTEGER NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  expected_sha256 TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  object_key TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS upload_chunks (
  upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (upload_id, idx)
);
)sql";

// SQLite integers are signed 64-bit; sizes above 2^63 are refused long before this.
int64_t S(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t U(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }

template <typename F>
Status Guard(const char* what, F&& f) {
  try {
    f();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("uploads.db ") + what + ": " + e.what());
  }
}

}  // namespace

UploadStateDb::UploadStateDb(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
UploadStateDb::~UploadStateDb() = default;

Result<std::unique_ptr<UploadStateDb>> UploadStateDb::Open(const std::string& path) {
  std::unique_ptr<SQLite::Database> db;
  Status status = Guard("open", [&] {
    db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    db->setBusyTimeout(5000);
    db->exec("PRAGMA journal_mode=WAL");
    // FULL: a committed offset survives power loss too, not only a process kill.
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    db->exec(kSchema);
  });
  if (!status.ok()) return status;
  return std::unique_ptr<UploadStateDb>(new UploadStateDb(std::move(db)));
}

Status UploadStateDb::Insert(const UploadRecord& r) {
  std::lock_guard lock(mu_);
  return Guard("insert", [&] {
    SQLite::Statement q(*db_,
                        "INSERT INTO uploads (id, kind, state, owner, client_key, secret_hash, "
                        "length, offset, chunk_size, filename, content_type, metadata, "
                        "expected_sha256, created_ms, expires_ms, object_key, sha256) VALUES "
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, r.id);
    q.bind(2, r.kind);
    q.bind(3, r.state);
    q.bind(4, r.owner);
    q.bind(5, r.client_key);
    q.bind(6, r.secret_hash);
    if (r.length) {
      q.bind(7, S(*r.length));
    } else {
      q.bind(7);
    }
    q.bind(8, S(r.offset));
    q.bind(9, S(r.chunk_size));
    q.bind(10, r.filename);
    q.bind(11, r.content_type);
    q.bind(12, r.metadata);
    q.bind(13, r.expected_sha256);
    q.bind(14, r.created_ms);
    q.bind(15, r.expires_ms);
    q.bind(16, r.object_key);
    q.bind(17, r.sha256);
    q.exec();
  });
}

Status UploadStateDb::UpdateProgress(const std::string& id, uint64_t offset,
                                     std::optional<uint64_t> length, int64_t expires_ms) {
  std::lock_guard lock(mu_);
  return Guard("update", [&] {
    SQLite::Statement q(*db_, "UPDATE uploads SET offset=?, length=?, expires_ms=? WHERE id=?");
    q.bind(1, S(offset));
    if (length) {
      q.bind(2, S(*length));
    } else {
      q.bind(2);
    }
    q.bind(3, expires_ms);
    q.bind(4, id);
    q.exec();
  });
}

Status UploadStateDb::AddChunk(const std::string& id, uint32_t index, uint64_t size,
                               const std::string& sha256, uint64_t offset, int64_t expires_ms) {
  std::lock_guard lock(mu_);
  return Guard("add chunk", [&] {
    SQLite::Transaction tx(*db_);
    SQLite::Statement c(
        *db_, "INSERT INTO upload_chunks (upload_id, idx, size, sha256) VALUES (?,?,?,?)");
    c.bind(1, id);
    c.bind(2, static_cast<int64_t>(index));
    c.bind(3, S(size));
    c.bind(4, sha256);
    c.exec();
    SQLite::Statement u(*db_, "UPDATE uploads SET offset=?, expires_ms=? WHERE id=?");
    u.bind(1, S(offset));
    u.bind(2, expires_ms);
    u.bind(3, id);
    u.exec();
    tx.commit();
  });
}

Status UploadStateDb::MarkCompleted(const std::string& id, uint64_t size,
                                    const std::string& object_key, const std::string& sha256) {
  std::lock_guard lock(mu_);
  return Guard("complete", [&] {
    SQLite::Statement q(*db_,
                        "UPDATE uploads SET state=1, offset=?, length=?, expires_ms=0, "
                        "object_key=?, sha256=? WHERE id=?");
    q.bind(1, S(size));
    q.bind(2, S(size));
    q.bind(3, object_key);
    q.bind(4, sha256);
    q.bind(5, id);
    q.exec();
  });
}

Status UploadStateDb::MarkExpired(const std::string& id, int64_t at_ms) {
  std::lock_guard lock(mu_);
  return Guard("expire", [&] {
    SQLite::Transaction tx(*db_);
    SQLite::Statement c(*db_, "DELETE FROM upload_chunks WHERE upload_id=?");
    c.bind(1, id);
    c.exec();
    SQLite::Statement q(*db_, "UPDATE uploads SET state=2, expires_ms=? WHERE id=?");
    q.bind(1, at_ms);
    q.bind(2, id);
    q.exec();
    tx.commit();
  });
}

Status UploadStateDb::Delete(const std::string& id) {
  std::lock_guard lock(mu_);
  return Guard("delete", [&] {
    SQLite::Statement q(*db_, "DELETE FROM uploads WHERE id=?");
    q.bind(1, id);
    q.exec();
  });
}

Result<std::vector<UploadRecord>> UploadStateDb::LoadAll() {
  std::lock_guard lock(mu_);
  std::vector<UploadRecord> out;
  Status status = Guard("load", [&] {
    std::map<std::string, std::size_t> by_id;
    SQLite::Statement q(*db_,
                        "SELECT id, kind, state, owner, client_key, secret_hash, length, offset, "
                        "chunk_size, filename, content_type, metadata, expected_sha256, "
                        "created_ms, expires_ms, object_key, sha256 FROM uploads");
    while (q.executeStep()) {
      UploadRecord r;
      r.id = q.getColumn(0).getString();
      r.kind = q.getColumn(1).getInt();
      r.state = q.getColumn(2).getInt();
      r.owner = q.getColumn(3).getString();
      r.client_key = q.getColumn(4).getString();
      r.secret_hash = q.getColumn(5).getString();
      if (!q.getColumn(6).isNull()) r.length = U(q.getColumn(6).getInt64());
      r.offset = U(q.getColumn(7).getInt64());
      r.chunk_size = U(q.getColumn(8).getInt64());
      r.filename = q.getColumn(9).getString();
      r.content_type = q.getColumn(10).getString();
      r.metadata = q.getColumn(11).getString();
      r.expected_sha256 = q.getColumn(12).getString();
      r.created_ms = q.getColumn(13).getInt64();
      r.expires_ms = q.getColumn(14).getInt64();
      r.object_key = q.getColumn(15).getString();
      r.sha256 = q.getColumn(16).getString();
      by_id[r.id] = out.size();
      out.push_back(std::move(r));
    }
    SQLite::Statement c(*db_, "SELECT upload_id, idx, sha256 FROM upload_chunks ORDER BY idx");
    while (c.executeStep()) {
      auto it = by_id.find(c.getColumn(0).getString());
      if (it == by_id.end()) continue;
      out[it->second].chunks.emplace_back(static_cast<uint32_t>(c.getColumn(1).getInt64()),
                                          c.getColumn(2).getString());
    }
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace streamgate::internal
