// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// ObjectStore: where uploaded files and packaged media live. Two backends: NewLocalObjectStore
// (a directory; the embedded default) and NewS3ObjectStore (any S3-compatible server over
// libcurl with SigV4, multipart for large objects). Keys are relative paths such as
// "uploads/abc123/source.mp4": segments separated by '/', no empty, "." or ".." segment, no
// backslash or NUL; anything else is InvalidArgument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_unix_ms = 0;
  std::string etag;  // backend-defined; empty when unknown
};

// A write in progress. Bytes appended are invisible under the key until Commit() returns OK:
// readers see either the previous object or the whole new one, never a part (local: temp file +
// fsync + rename; S3: PutObject or a completed multipart upload). Destroying an uncommitted
// writer aborts it and removes what it staged. Not thread-safe: one writer, one thread at a time.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Commit() = 0;
  virtual void Abort() = 0;
  virtual uint64_t bytes_written() const = 0;
};

// Thread-safe: any method from any thread; calls block on disk or network (use worker threads).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) = 0;
  // Whole object from a local file (S3: multipart above the part size).
  virtual Status PutFile(std::string_view key, const std::string& local_path) = 0;
  virtual Status Put(std::string_view key, std::string_view bytes) = 0;
  // NotFound when absent.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Copies the object into `local_path` (written atomically too).
  virtual Status GetToFile(std::string_view key, const std::string& local_path) = 0;
  // Bytes [offset, offset + length) streamed to `sink` in pieces; OutOfRange past the end.
  virtual Status Read(std::string_view key, uint64_t offset, uint64_t length,
                      const std::function<Status(std::string_view)>& sink) = 0;
  virtual Result<ObjectInfo> Stat(std::string_view key) = 0;
  // OK also when absent (idempotent).
  virtual Status Delete(std::string_view key) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // A local filesystem path for the key when the backend has one (local store), so that the
  // HTTP server can sendfile() it and FFmpeg can open it directly; nullopt for remote backends.
  virtual std::optional<std::string> LocalPath(std::string_view key) const = 0;
  // "local" or "s3".
  virtual std::string_view backend() const = 0;
};

struct LocalObjectStoreOptions {
  std::string root;   // created when missing
  bool fsync = true;  // fsync the file and its directory on Commit (durability across power loss)
};
Result<std::unique_ptr<ObjectStore>> NewLocalObjectStore(const LocalObjectStoreOptions& options);

struct S3ObjectStoreOptions {
  std::string endpoint;  // "http://127.0.0.1:4568" or "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  bool path_style = true;  // endpoint/bucket/key (S3-compatible servers) vs bucket.endpoint/key
  std::string key_prefix;  // prepended to every key, e.g. "streamgate/"
  uint64_t multipart_threshold = uint64_t{16} << 20;  // objects above this go multipart
  uint64_t part_size = uint64_t{8} << 20;             // >= 5 MiB except the last part (S3 rule)
  long connect_timeout_ms = 2000;
  long request_timeout_ms = 60000;
  int max_retries = 3;  // for idempotent requests on 5xx and connection errors
};
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3ObjectStoreOptions& options);

}  // namespace streamgate
