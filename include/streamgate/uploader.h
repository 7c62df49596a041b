// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Uploader: whole-file, chunked (by index, SHA-256 per chunk) and tus 1.0 resumable uploads into
// an ObjectStore, with the state of every upload in progress (offsets, chunk map, owner, expiry)
// kept durably in SQLite (`<state_dir>/uploads.db`, WAL). Bytes in progress live in
// `<state_dir>/upload-parts/`; a finished upload is verified (size, SHA-256, media sniffing) and
// published to the ObjectStore in one atomic step, then `upload.completed` is published on the
// EventBus.
//
// Request bodies are never held in memory: OpenAppend / BeginUpload return an UploadWriter that
// takes the body piece by piece (an HttpBodySink forwards to it) and makes it durable in Finish().
//
// Errors (Status codes), chosen so that an HTTP mapping can be exact:
//   InvalidArgument     malformed input (bad length, chunk index, metadata, digest)     → 400
//   NotFound            unknown upload, or one the caller does not own                  → 404
//   FailedPrecondition  the upload expired                                              → 410
//   Aborted             wrong offset, a concurrent writer, a chunk received twice,
//                       completing with chunks missing                                  → 409
//   OutOfRange          more bytes than the declared length or max_upload_bytes        → 413
//   Unimplemented       not a video container while accept_video_only is set            → 415
//   ResourceExhausted   the owner has max_concurrent_per_owner uploads in progress      → 429
//   DataLoss            a checksum (chunk, PATCH or whole file) does not match          → 460
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/object_store.h"
#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

class EventBus;
class Runtime;
struct HttpRequest;

struct UploaderOptions {
  // Directory of uploads.db and upload-parts/. Empty in the Config: the upload plugin uses
  // Config::data_dir. Required by Uploader::Create.
  std::string state_dir;
  // Largest upload accepted (tus Tus-Max-Size); 10 GiB.
  uint64_t max_upload_bytes = uint64_t{10} << 30;
  // Chunked uploads: bounds of the chunk size chosen at creation, and the size used when the
  // client names none. Every chunk but the last has exactly the chosen size.
  uint64_t min_chunk_bytes = uint64_t{64} << 10;     // 64 KiB
  uint64_t max_chunk_bytes = uint64_t{64} << 20;     // 64 MiB
  uint64_t default_chunk_bytes = uint64_t{8} << 20;  // 8 MiB
  // Uploads in progress per owner (per client address when anonymous); more get
  // ResourceExhausted.
  uint32_t max_concurrent_per_owner = 8;
  // An upload with no activity for this long expires (tus Upload-Expires) and its bytes are
  // removed by the next sweep.
  int64_t expiry_seconds = 24 * 3600;
  // How often the sweep runs (on a Runtime timer; the work itself runs on the worker pool).
  // 0 disables the timer (SweepExpired() can still be called).
  int64_t sweep_interval_seconds = 300;
  // Refuse (Unimplemented) content whose first bytes are not a video container: MP4/ISO-BMFF,
  // QuickTime, WebM/Matroska, MPEG-TS, MPEG-PS, AVI, FLV.
  bool accept_video_only = true;
  // fdatasync part files before an offset is recorded (durable across power loss, not only
  // across a process kill).
  bool fsync = true;
  // During one long tus PATCH (without Upload-Checksum), the offset reached is made durable
  // every this many bytes, so that a crash mid-request loses at most this much. 0: only at the
  // end of each request.
  uint64_t checkpoint_bytes = uint64_t{64} << 20;  // 64 MiB
  // Object keys of finished uploads: "<key_prefix><upload id>/source<.ext>".
  std::string key_prefix = "uploads/";
};

enum class UploadKind { kTus, kChunked, kWhole };
enum class UploadState { kReceiving, kCompleted, kExpired };
std::string_view UploadKindName(UploadKind kind);     // "tus", "chunked", "whole"
std::string_view UploadStateName(UploadState state);  // "receiving", "completed", "expired"

// Who is calling. An upload is bound to its creator: to `owner` when the creator was
// authenticated, otherwise to the upload secret issued (or chosen) at creation, which every
// later call must present.
struct UploadCaller {
  std::string owner;       // authenticated identity (e.g. the session subject); "" if anonymous
  std::string secret;      // the upload secret presented; at creation, a client-chosen secret
  std::string client_key;  // what anonymous limits count against (e.g. "ip:127.0.0.1")
};

// Binds uploads to sessions in the upload plugin. Whoever verifies sessions (e.g. the auth plugin,
// from "Authorization: Bearer <session JWT>") Provides one in the ServiceRegistry; the upload
// plugin Finds it in Start(). `resolve` returns the owner (e.g. the session's wallet address),
// "" when the request carries no credentials (the upload secret then applies), or an error
// (Unauthenticated) when it carries invalid ones, which the plugin answers with 401.
// Called on I/O threads: it must not block.
struct UploadOwnerResolver {
  std::function<Result<std::string>(const HttpRequest& request)> resolve;
};

enum class ChecksumAlgorithm { kNone, kSha1, kSha256 };

struct CreateUploadRequest {
  UploadKind kind = UploadKind::kTus;
  std::optional<uint64_t> length;  // nullopt: not known yet (tus Upload-Defer-Length, whole)
  std::string filename;
  std::string content_type;
  // tus Upload-Metadata, decoded, in order (returned as given on HEAD).
  std::vector<std::pair<std::string, std::string>> metadata;
  uint64_t chunk_size = 0;      // kChunked: 0 means default_chunk_bytes
  std::string expected_sha256;  // lowercase hex of the whole file; "" when not declared
};

// One request body's worth of bytes for an existing upload (tus PATCH, one chunk).
struct AppendRequest {
  std::string upload_id;
  uint64_t offset = 0;                      // tus: must equal the upload's offset
  std::optional<uint32_t> chunk_index;      // chunked uploads: which chunk
  std::optional<uint64_t> declared_length;  // tus: Upload-Length on a deferred upload
  std::optional<uint64_t> content_length;   // the body's size when the request says
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  std::string checksum;  // raw digest bytes (tus Upload-Checksum; chunk SHA-256)
};

struct CompleteUploadRequest {
  std::string upload_id;
  std::optional<uint64_t> size;  // must equal the upload's length when given
  std::string sha256;            // lowercase hex; checked when given (or declared at creation)
};

struct UploadInfo {
  std::string id;  // also the content id of the finished item
  UploadKind kind = UploadKind::kTus;
  UploadState state = UploadState::kReceiving;
  std::string owner;
  std::string secret;   // only in the answer that created the upload with a generated secret
  uint64_t offset = 0;  // tus/whole: contiguous bytes stored; chunked: bytes in stored chunks
  std::optional<uint64_t> length;
  std::string filename;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> metadata;
  int64_t created_unix_ms = 0;
  int64_t expires_unix_ms = 0;           // 0 once completed
  uint64_t chunk_size = 0;               // chunked only
  uint32_t chunk_count = 0;              // chunked with a known length
  std::vector<uint32_t> chunks_present;  // chunked: indexes stored, ascending
  std::vector<uint32_t> chunks_missing;  // chunked: indexes not yet stored, ascending
  std::string object_key;                // completed only
  std::string sha256;                    // completed only: lowercase hex of the whole file
};

// The body of one request, written as it arrives. Write() is cheap (a file write and hashing;
// fine on an I/O thread); Finish() blocks (fsync, SQLite, publishing) and belongs on a worker
// thread. Exactly one of Finish() / Abort() takes effect; destroying an unfinished writer
// aborts it. Not thread-safe: one thread at a time. May outlive the Uploader.
class UploadWriter {
 public:
  virtual ~UploadWriter() = default;
  // OutOfRange past the declared length; the bytes before that are kept.
  virtual Status Write(std::string_view bytes) = 0;
  // Verifies and records what was written, and publishes the upload when it is complete.
  virtual Result<UploadInfo> Finish() = 0;
  // The body was cut short. tus PATCH without a checksum keeps the bytes received (the
  // protocol's "store as much as possible"); anything else discards them. Never blocks: the
  // bookkeeping runs on the Runtime's worker pool.
  virtual void Abort() = 0;
  virtual const std::string& upload_id() const = 0;
};

// Thread-safe. Ownership: shares the ObjectStore; borrows the Runtime and the EventBus (may be
// null), which must outlive it. Methods marked "memory only" never block and may run on an I/O
// thread; the others touch SQLite or the disk.
class Uploader {
 public:
  // Opens (or creates) uploads.db, reloads the uploads in progress, starts the expiry timer.
  static Result<std::unique_ptr<Uploader>> Create(const UploaderOptions& options,
                                                  std::shared_ptr<ObjectStore> store,
                                                  Runtime& runtime, EventBus* events);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Creates an empty upload (tus POST without body, chunked init). A generated secret is
  // returned in UploadInfo::secret when the caller is anonymous and chose none.
  Result<UploadInfo> CreateUpload(const CreateUploadRequest& request, const UploadCaller& caller);
  // Memory only. Creates an upload together with its first bytes (tus creation-with-upload,
  // whole file, first chunk). It becomes durable, and visible to others, in Finish().
  Result<std::unique_ptr<UploadWriter>> BeginUpload(const CreateUploadRequest& request,
                                                    const UploadCaller& caller,
                                                    const AppendRequest& first);
  // Memory only. Appends to an existing upload (tus PATCH) or stores one chunk.
  Result<std::unique_ptr<UploadWriter>> OpenAppend(const AppendRequest& request,
                                                   const UploadCaller& caller);
  // Memory only.
  Result<UploadInfo> GetUpload(std::string_view upload_id, const UploadCaller& caller) const;
  // Chunked uploads: assembles, verifies size and SHA-256, publishes. Aborted with the missing
  // chunks named when any is missing. Idempotent on a completed upload.
  Result<UploadInfo> Complete(const CompleteUploadRequest& request, const UploadCaller& caller);
  // Removes an upload in progress and its bytes (tus termination). A completed upload's
  // record is removed too; the published object stays.
  Status Terminate(std::string_view upload_id, const UploadCaller& caller);
  // Expires abandoned uploads and removes their bytes; returns how many expired.
  Result<std::size_t> SweepExpired();

  const UploaderOptions& options() const;
  const std::shared_ptr<ObjectStore>& store() const;

  // Implementation detail, defined in src/ only.
  struct Impl;

 private:
  explicit Uploader(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Which video container `head` (the first bytes of a file: 16 suffice for most, MPEG-TS needs
// 189 to 385 for its repeated sync byte) starts with: "mp4", "quicktime", "matroska", "mpegts",
// "mpegps", "avi", "flv", or "" when none.
std::string_view SniffVideoContainer(std::string_view head);

}  // namespace streamgate
