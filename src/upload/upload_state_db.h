// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The durable state of uploads in SQLite (SQLiteCpp, WAL): one row per upload, one per stored
// chunk. The Uploader keeps the live state in memory and writes through here before it
// acknowledges anything, so a restarted process resumes from exactly what was acknowledged.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "streamgate/result.h"

namespace SQLite {
class Database;
}

namespace streamgate::internal {

struct UploadRecord {
  std::string id;
  int kind = 0;
  int state = 0;
  std::string owner;
  std::string client_key;
  std::string secret_hash;  // hex SHA-256 of the upload secret; "" when bound to the owner
  std::optional<uint64_t> length;
  uint64_t offset = 0;
  uint64_t chunk_size = 0;
  std::string filename;
  std::string content_type;
  std::string metadata;  // tus Upload-Metadata encoding (base64 values: any bytes survive)
  std::string expected_sha256;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::string object_key;
  std::string sha256;
  std::vector<std::pair<uint32_t, std::string>> chunks;  // (index, sha256 hex), ascending
};

// Thread-safe (one connection behind a mutex). Every method blocks on disk.
class UploadStateDb {
 public:
  static Result<std::unique_ptr<UploadStateDb>> Open(const std::string& path);
  ~UploadStateDb();

  Status Insert(const UploadRecord& record);
  Status UpdateProgress(const std::string& id, uint64_t offset, std::optional<uint64_t> length,
                        int64_t expires_ms);
  // Records one chunk and the upload's new byte count in one transaction.
  Status AddChunk(const std::string& id, uint32_t index, uint64_t size, const std::string& sha256,
                  uint64_t offset, int64_t expires_ms);
  Status MarkCompleted(const std::string& id, uint64_t size, const std::string& object_key,
                       const std::string& sha256);
  Status MarkExpired(const std::string& id, int64_t at_ms);
  Status Delete(const std::string& id);
  Result<std::vector<UploadRecord>> LoadAll();

 private:
  explicit UploadStateDb(std::unique_ptr<SQLite::Database> db);
  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace streamgate::internal
