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
// Ownership: the factories return a unique_ptr; the upload plugin shares its store (shared_ptr)
// through the ServiceRegistry. Errors: NotFound for a missing key, InvalidArgument for a key that
// breaks the key rules, Unavailable when the backend cannot be reached.
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

  // Optional capability: a URL that lets anyone holding it GET the object for `expires_s`
  // seconds without credentials (S3: SigV4 query-string signing). Pure computation: never
  // blocks, so it may run on I/O threads. Unimplemented for backends without one (local);
  // InvalidArgument for a bad key or a lifetime outside [1 s, 7 days].
  virtual Result<std::string> PresignGet(std::string_view key, int64_t expires_s) const {
    static_cast<void>(key);
    static_cast<void>(expires_s);
    return Status::Unimplemented("this object store cannot presign URLs");
  }
};

struct LocalObjectStoreOptions {
  std::string root;   // created when missing
  bool fsync = true;  // fsync the file and its directory on Commit (durability across power loss)
};
Result<std::unique_ptr<ObjectStore>> NewLocalObjectStore(const LocalObjectStoreOptions& options);

// Options of the S3-compatible backend. Requests are signed with AWS Signature Version 4 when
// access_key is set (anonymous otherwise); secret_key is never logged.
struct S3ObjectStoreOptions {
  std::string endpoint;  // "http://127.0.0.1:4568" or "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;    // 3-63 characters of a-z, 0-9, '.', '-'
  std::string region = "us-east-1";  // part of the SigV4 scope; cannot be inferred from an IP
  std::string access_key;
  std::string secret_key;
  bool path_style = true;  // endpoint/bucket/key (S3-compatible servers) vs bucket.endpoint/key
  std::string key_prefix;  // prepended to every key, e.g. "streamgate/"
  // PutFile: files above this size go multipart (at most 5 GiB, S3's single-PUT limit).
  uint64_t multipart_threshold = uint64_t{16} << 20;
  // Multipart part size: >= 5 MiB (S3 rule for every part but the last). PutFile raises it when
  // a file would need more than 10,000 parts. An ObjectWriter buffers at most one part in
  // memory and switches to multipart once it holds more than one part's worth of bytes.
  uint64_t part_size = uint64_t{8} << 20;
  long connect_timeout_ms = 2000;
  // Longest time a request may make no progress at all (not a cap on a whole large transfer).
  long request_timeout_ms = 60000;
  int max_retries = 3;  // for idempotent requests on 5xx and connection errors, with backoff
};
// InvalidArgument for a malformed endpoint or bucket, a part size outside [5 MiB, 5 GiB], a
// threshold above 5 GiB, an invalid key prefix, or only one of access_key/secret_key.
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3ObjectStoreOptions& options);

// The storage section of Config: which backend holds objects. The factory that turns this into
// an ObjectStore (local at <data_dir>/objects, or S3) lives with the service wiring.
struct StorageOptions {
  std::string backend = "local";  // "local" or "s3"
  S3ObjectStoreOptions s3;        // used when backend is "s3"
};

// The backend `options.backend` names: "local" keeps objects under <data_dir>/objects (the
// embedded default); "s3" uses options.s3. InvalidArgument for an unknown backend or bad options.
Result<std::unique_ptr<ObjectStore>> NewObjectStore(const StorageOptions& options,
                                                    const std::string& data_dir);

}  // namespace streamgate
