// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The Uploader: live state of every upload in memory (so that request bodies can be routed to
// their file from an I/O thread without touching SQLite), written through to uploads.db before
// anything is acknowledged. Bytes go to <state_dir>/upload-parts/<id>.part; a finished upload is
// verified and handed to the ObjectStore with PutFile (a hard link + rename for the local store:
// no copy, no partial object ever visible).
#include "streamgate/uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "common/log.h"
#include "common/runtime_impl.h"
#include "streamgate/event_bus.h"
#include "streamgate/http.h"
#include "streamgate/runtime.h"
#include "upload/digest.h"
#include "upload/tus_protocol.h"
#include "upload/upload_state_db.h"

namespace streamgate {

using internal::Digest;
using internal::HexEncode;
using internal::UploadRecord;

std::string_view UploadKindName(UploadKind kind) {
  switch (kind) {
    case UploadKind::kTus:
      return "tus";
    case UploadKind::kChunked:
      return "chunked";
    case UploadKind::kWhole:
      return "whole";
  }
  return "tus";
}

std::string_view UploadStateName(UploadState state) {
  switch (state) {
    case UploadState::kReceiving:
      return "receiving";
    case UploadState::kCompleted:
      return "completed";
    case UploadState::kExpired:
      return "expired";
  }
  return "receiving";
}

namespace {

namespace fs = std::filesystem;

// Bytes kept from the start of a file for media sniffing (MPEG-TS needs three sync bytes).
constexpr std::size_t kSniffBytes = 512;
// A body refused after it started (not a video) is read and dropped up to this much, so the
// client gets the precise answer; beyond it the connection is closed.
constexpr uint64_t kDiscardBudget = uint64_t{4} << 20;
constexpr uint32_t kMaxChunks = 1'000'000;
constexpr std::size_t kMaxFilenameBytes = 1024;
constexpr std::size_t kMaxContentTypeBytes = 255;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sha256Hex(std::string_view bytes) {
  Digest digest(ChecksumAlgorithm::kSha256);
  digest.Update(bytes);
  return HexEncode(digest.Final());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Status ErrnoStatus(std::string_view what, int error) {
  std::string message = std::string(what) + ": " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) return Status::ResourceExhausted(message);
  return Status::Internal(message);
}

Status PwriteAll(int fd, std::string_view bytes, uint64_t offset) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write upload part", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// ".mp4" from "My Clip.MP4"; "" when the name has no short alphanumeric extension.
std::string ExtensionOf(std::string_view filename) {
  const std::size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= filename.size()) return "";
  std::string ext(filename.substr(dot + 1));
  if (ext.size() > 8) return "";
  for (char& c : ext) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
  }
  return "." + ext;
}

std::string_view MimeForContainer(std::string_view container) {
  if (container == "mp4") return "video/mp4";
  if (container == "quicktime") return "video/quicktime";
  if (container == "matroska") return "video/x-matroska";
  if (container == "mpegts") return "video/mp2t";
  if (container == "mpegps") return "video/mpeg";
  if (container == "avi") return "video/x-msvideo";
  if (container == "flv") return "video/x-flv";
  return "application/octet-stream";
}

constexpr std::string_view kNotVideo =
    "the upload is not a video container (accepted: MP4/ISO-BMFF, QuickTime, WebM/Matroska, "
    "MPEG-TS, MPEG-PS, AVI, FLV)";

}  // namespace

// The live state of one upload, shared by the Uploader's map and the writers working on it.
// Fields below `mutable:` are guarded by Uploader::Impl::mu; the others never change after the
// entry is registered.
struct UploadEntry {
  std::string id;
  UploadKind kind = UploadKind::kTus;
  std::string owner;
  std::string client_key;
  std::string secret_hash;
  std::string filename;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string expected_sha256;
  uint64_t chunk_size = 0;
  int64_t created_ms = 0;
  std::string part_path;
  // mutable:
  UploadState state = UploadState::kReceiving;
  std::optional<uint64_t> length;
  uint64_t offset = 0;
  int64_t expires_ms = 0;
  bool durable = false;  // a row exists in uploads.db; until then only its creator knows it
  bool busy = false;     // a tus/whole writer or the publishing step holds it
  std::vector<std::string> chunk_sha;  // chunked: sha256 hex per stored chunk, "" when absent
  std::set<uint32_t> chunks_in_flight;
  std::optional<Digest> running;  // SHA-256 of [0, offset) when every byte passed through us
  std::string object_key;
  std::string sha256;

  uint32_t chunk_count() const {
    if (kind != UploadKind::kChunked || !length || chunk_size == 0) return 0;
    return static_cast<uint32_t>((*length + chunk_size - 1) / chunk_size);
  }
  uint64_t chunk_bytes(uint32_t index) const {
    const uint64_t start = uint64_t{index} * chunk_size;
    return std::min<uint64_t>(chunk_size, *length - start);
  }
};

// Shared by the Uploader, its writers and the tasks they post, so that a writer or a task that
// outlives the Uploader still finds its state. Thread-safe through `mu` (the map and the
// entries' mutable fields) and the database's own lock.
struct Uploader::Impl : std::enable_shared_from_this<Uploader::Impl> {
  Impl(const UploaderOptions& opts, std::shared_ptr<ObjectStore> object_store, Runtime& rt,
       EventBus* bus)
      : options(opts),
        store(std::move(object_store)),
        runtime(rt),
        events(bus),
        timer(internal::IoContext(rt)) {}

  UploaderOptions options;
  std::shared_ptr<ObjectStore> store;
  Runtime& runtime;
  EventBus* events;
  std::unique_ptr<internal::UploadStateDb> db;
  std::string parts_dir;
  asio::steady_timer timer;

  mutable std::mutex mu;
  bool stopped = false;  // the Uploader is gone: no more sweeps
  std::map<std::string, std::shared_ptr<UploadEntry>, std::less<>> uploads;

  // --- helpers (called with mu held where noted) ---

  int64_t ExpiryFromNow() const { return NowMs() + options.expiry_seconds * 1000; }

  static Status CheckAccess(const UploadEntry& u, const UploadCaller& caller) {
    const bool by_owner =
        !u.owner.empty() && !caller.owner.empty() && ConstantTimeEquals(u.owner, caller.owner);
    const bool by_secret = !u.secret_hash.empty() && !caller.secret.empty() &&
                           ConstantTimeEquals(u.secret_hash, Sha256Hex(caller.secret));
    if (by_owner || by_secret) return Status::Ok();
    // The same answer as for an unknown id: an upload's existence is not disclosed.
    return Status::NotFound("no upload " + u.id);
  }

  // Finds a durable upload the caller owns. mu held.
  Result<std::shared_ptr<UploadEntry>> FindLocked(std::string_view id,
                                                  const UploadCaller& caller) const {
    auto it = uploads.find(id);
    if (it == uploads.end() || !it->second->durable) {
      return Status::NotFound("no upload " + std::string(id.substr(0, 64)));
    }
    STREAMGATE_RETURN_IF_ERROR(CheckAccess(*it->second, caller));
    if (it->second->state == UploadState::kExpired) {
      return Status::FailedPrecondition("upload " + it->second->id + " expired");
    }
    return it->second;
  }

  UploadInfo InfoLocked(const UploadEntry& u) const {
    UploadInfo info;
    info.id = u.id;
    info.kind = u.kind;
    info.state = u.state;
    info.owner = u.owner;
    info.offset = u.offset;
    info.length = u.length;
    info.filename = u.filename;
    info.content_type = u.content_type;
    info.metadata = u.metadata;
    info.created_unix_ms = u.created_ms;
    info.expires_unix_ms = u.state == UploadState::kReceiving ? u.expires_ms : 0;
    info.chunk_size = u.chunk_size;
    info.chunk_count = u.chunk_count();
    for (uint32_t i = 0; i < u.chunk_sha.size(); ++i) {
      (u.chunk_sha[i].empty() ? info.chunks_missing : info.chunks_present).push_back(i);
    }
    info.object_key = u.object_key;
    info.sha256 = u.sha256;
    return info;
  }

  UploadRecord RecordOf(const UploadEntry& u) const {
    UploadRecord r;
    r.id = u.id;
    r.kind = static_cast<int>(u.kind);
    r.state = static_cast<int>(u.state);
    r.owner = u.owner;
    r.client_key = u.client_key;
    r.secret_hash = u.secret_hash;
    r.length = u.length;
    r.offset = u.offset;
    r.chunk_size = u.chunk_size;
    r.filename = u.filename;
    r.content_type = u.content_type;
    r.metadata = internal::FormatUploadMetadata(u.metadata);
    r.expected_sha256 = u.expected_sha256;
    r.created_ms = u.created_ms;
    r.expires_ms = u.expires_ms;
    return r;
  }

  // Validates a creation request and builds the (not yet registered) entry.
  Result<std::shared_ptr<UploadEntry>> NewEntry(const CreateUploadRequest& request,
                                                const UploadCaller& caller,
                                                std::string* generated_secret) {
    auto u = std::make_shared<UploadEntry>();
    u->kind = request.kind;
    if (request.length && *request.length > options.max_upload_bytes) {
      return Status::OutOfRange("upload of " + std::to_string(*request.length) +
                                " bytes exceeds the limit of " +
                                std::to_string(options.max_upload_bytes) + " bytes");
    }
    u->length = request.length;
    if (request.filename.size() > kMaxFilenameBytes) {
      return Status::InvalidArgument("file name exceeds 1024 bytes");
    }
    if (request.content_type.size() > kMaxContentTypeBytes) {
      return Status::InvalidArgument("content type exceeds 255 bytes");
    }
    for (const char c : request.content_type) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Status::InvalidArgument("content type has a control character");
      }
    }
    u->filename = request.filename;
    u->content_type = request.content_type;
    u->metadata = request.metadata;
    if (!request.expected_sha256.empty()) {
      std::optional<std::string> raw = internal::HexDecode(request.expected_sha256);
      if (!raw || raw->size() != 32) {
        return Status::InvalidArgument("sha256 must be 64 hex digits");
      }
      u->expected_sha256 = HexEncode(*raw);
    }
    if (request.kind == UploadKind::kChunked) {
      if (!request.length || *request.length == 0) {
        return Status::InvalidArgument("a chunked upload needs its total size (size > 0)");
      }
      const uint64_t chunk =
          request.chunk_size == 0 ? options.default_chunk_bytes : request.chunk_size;
      if (chunk < options.min_chunk_bytes || chunk > options.max_chunk_bytes) {
        return Status::InvalidArgument("chunk_size must be in [" +
                                       std::to_string(options.min_chunk_bytes) + ", " +
                                       std::to_string(options.max_chunk_bytes) + "]");
      }
      u->chunk_size = chunk;
      if ((*request.length + chunk - 1) / chunk > kMaxChunks) {
        return Status::InvalidArgument("more than 1000000 chunks: choose a larger chunk_size");
      }
      u->chunk_sha.assign(u->chunk_count(), std::string());
    }
    u->owner = caller.owner;
    u->client_key = caller.owner.empty() ? caller.client_key : caller.owner;
    if (caller.owner.empty() || !caller.secret.empty()) {
      std::string secret = caller.secret;
      if (secret.empty()) {
        secret = internal::RandomHex(32);
        *generated_secret = secret;
      } else if (secret.size() < 32 || secret.size() > 256 ||
                 !std::all_of(secret.begin(), secret.end(),
                              [](char c) { return c > 0x20 && c < 0x7f; })) {
        return Status::InvalidArgument(
            "an upload secret must have 32 to 256 printable ASCII characters");
      }
      u->secret_hash = Sha256Hex(secret);
    }
    u->id = internal::RandomHex(16);
    u->created_ms = NowMs();
    u->expires_ms = ExpiryFromNow();
    u->part_path = parts_dir + "/" + u->id + ".part";
    return u;
  }

  // Registers a new entry unless the owner is at the concurrency limit.
  Status RegisterLocked(const std::shared_ptr<UploadEntry>& u) {
    uint32_t active = 0;
    for (const auto& [id, other] : uploads) {
      if (other->state == UploadState::kReceiving && other->client_key == u->client_key) {
        ++active;
      }
    }
    if (active >= options.max_concurrent_per_owner) {
      return Status::ResourceExhausted("too many uploads in progress (limit " +
                                       std::to_string(options.max_concurrent_per_owner) +
                                       "): finish or delete one first");
    }
    uploads.emplace(u->id, u);
    return Status::Ok();
  }

  void Forget(const std::shared_ptr<UploadEntry>& u, bool remove_record) {
    {
      std::lock_guard lock(mu);
      uploads.erase(u->id);
    }
    if (remove_record) {
      if (Status s = db->Delete(u->id); !s.ok()) {
        internal::Logger("upload")->error("forget {}: {}", u->id, s.ToString());
      }
    }
    ::unlink(u->part_path.c_str());
  }

  Result<std::string> HashFile(const std::string& path, uint64_t size) const {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open upload part", errno);
    Digest digest(ChecksumAlgorithm::kSha256);
    std::vector<char> buffer(std::size_t{1} << 20);
    uint64_t done = 0;
    while (done < size) {
      const ssize_t n =
          ::pread(fd, buffer.data(),
                  static_cast<std::size_t>(std::min<uint64_t>(buffer.size(), size - done)),
                  static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        return Status::DataLoss("upload part is shorter than its recorded size");
      }
      digest.Update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      done += static_cast<uint64_t>(n);
    }
    ::close(fd);
    return HexEncode(digest.Final());
  }

  static std::string ReadHead(const std::string& path, std::size_t max) {
    std::string head(max, '\0');
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";
    const ssize_t n = ::pread(fd, head.data(), max, 0);
    ::close(fd);
    head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return head;
  }

  // Verifies and publishes a fully received upload. The caller holds u->busy (or the chunk
  // map is complete and busy is set). On failure busy is cleared, or the upload is dropped when
  // it can never succeed.
  Result<UploadInfo> Publish(const std::shared_ptr<UploadEntry>& u, std::string expected_sha) {
    const uint64_t size = u->length.value_or(u->offset);
    const bool droppable = u->kind != UploadKind::kChunked;
    auto fail = [&](Status status, bool drop) -> Status {
      if (drop) {
        Forget(u, u->durable);
      } else {
        std::lock_guard lock(mu);
        u->busy = false;
      }
      return status;
    };
    // Make sure a zero-length upload has its (empty) part file.
    if (const int fd = ::open(u->part_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        fd >= 0) {
      ::close(fd);
    }
    std::string container;
    const std::string head = ReadHead(u->part_path, kSniffBytes);
    container = std::string(SniffVideoContainer(head));
    if (options.accept_video_only && container.empty()) {
      return fail(Status::Unimplemented(kNotVideo), true);
    }
    std::string sha256;
    {
      std::optional<Digest> running;
      {
        std::lock_guard lock(mu);
        if (u->running && u->offset == size) running = std::move(u->running);
        u->running.reset();
      }
      if (running) {
        sha256 = HexEncode(running->Final());
      } else {
        Result<std::string> hashed = HashFile(u->part_path, size);
        if (!hashed.ok()) return fail(hashed.status(), false);
        sha256 = *hashed;
      }
    }
    if (expected_sha.empty()) expected_sha = u->expected_sha256;
    if (!expected_sha.empty() && expected_sha != sha256) {
      return fail(Status::DataLoss("SHA-256 of the assembled file is " + sha256 + ", expected " +
                                   expected_sha),
                  droppable && u->kind == UploadKind::kWhole);
    }
    if (::truncate(u->part_path.c_str(), static_cast<off_t>(size)) != 0) {
      return fail(ErrnoStatus("truncate upload part", errno), false);
    }
    const std::string key = options.key_prefix + u->id + "/source" + ExtensionOf(u->filename);
    if (Status s = store->PutFile(key, u->part_path); !s.ok()) return fail(s, false);
    std::string content_type = u->content_type;
    if (content_type.empty()) {
      content_type = container.empty() ? std::string(MimeTypeForPath(u->filename))
                                       : std::string(MimeForContainer(container));
    }
    if (!u->durable) {
      UploadRecord record;
      {
        std::lock_guard lock(mu);
        u->offset = size;
        u->length = size;
        record = RecordOf(*u);
      }
      if (Status s = db->Insert(record); !s.ok()) return fail(s, true);
      std::lock_guard lock(mu);
      u->durable = true;
    }
    if (Status s = db->MarkCompleted(u->id, size, key, sha256); !s.ok()) return fail(s, false);
    ::unlink(u->part_path.c_str());
    UploadInfo info;
    {
      std::lock_guard lock(mu);
      u->state = UploadState::kCompleted;
      u->offset = size;
      u->length = size;
      u->object_key = key;
      u->sha256 = sha256;
      u->content_type = content_type;
      u->busy = false;
      u->chunk_sha.clear();
      info = InfoLocked(*u);
    }
    internal::Logger("upload")->info("upload {} completed: {} bytes -> {}", u->id, size, key);
    if (events != nullptr) {
      nlohmann::json data = {{"content_id", u->id},
                             {"object_key", key},
                             {"size", size},
                             {"sha256", sha256},
                             {"owner", u->owner},
                             {"filename", u->filename},
                             {"content_type", content_type}};
      Event event;
      event.type = "upload.completed";
      event.data = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (Status s = events->Publish(std::move(event)); !s.ok()) {
        internal::Logger("upload")->error("publish upload.completed: {}", s.ToString());
      }
    }
    return info;
  }

  void ScheduleSweep() {
    std::lock_guard lock(mu);
    if (stopped || options.sweep_interval_seconds <= 0) return;
    timer.expires_after(std::chrono::seconds(options.sweep_interval_seconds));
    std::weak_ptr<Impl> weak = weak_from_this();
    timer.async_wait([weak](const std::error_code& ec) {
      if (ec) return;
      std::shared_ptr<Impl> self = weak.lock();
      if (!self) return;
      // The timer fires on an I/O thread; the sweep touches SQLite and the disk.
      self->runtime.Post([weak] {
        if (std::shared_ptr<Impl> me = weak.lock()) {
          Result<std::size_t> swept = me->Sweep();
          if (!swept.ok()) {
            internal::Logger("upload")->warn("expiry sweep: {}", swept.status().ToString());
          }
          me->ScheduleSweep();
        }
      });
    });
  }

  Result<std::size_t> Sweep() {
    const int64_t now = NowMs();
    std::vector<std::shared_ptr<UploadEntry>> expire;
    std::vector<std::shared_ptr<UploadEntry>> prune;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, u] : uploads) {
        if (!u->durable || u->busy || !u->chunks_in_flight.empty()) continue;
        if (u->state == UploadState::kReceiving && u->expires_ms <= now) {
          // Held busy (writers get 409) until its bytes are gone; only then does it answer
          // as expired, so "expired" always means "nothing left on disk".
          u->busy = true;
          expire.push_back(u);
        } else if (u->state == UploadState::kExpired &&
                   u->expires_ms + options.expiry_seconds * 1000 <= now) {
          prune.push_back(u);  // remembered for a while to answer 410, then forgotten
        }
      }
    }
    Status status;
    for (const auto& u : expire) {
      ::unlink(u->part_path.c_str());
      Status marked = db->MarkExpired(u->id, now);
      std::lock_guard lock(mu);
      u->busy = false;
      if (!marked.ok()) {
        status = marked;  // retried by the next sweep: the row still says receiving
        continue;
      }
      u->state = UploadState::kExpired;
      u->expires_ms = now;
      u->running.reset();
      u->chunk_sha.clear();
      internal::Logger("upload")->info("upload {} expired; its bytes were removed", u->id);
    }
    STREAMGATE_RETURN_IF_ERROR(status);
    for (const auto& u : prune) Forget(u, true);
    return expire.size();
  }

  Status Load() {
    STREAMGATE_ASSIGN_OR_RETURN(std::vector<UploadRecord> records, db->LoadAll());
    std::set<std::string> keep_parts;
    for (UploadRecord& r : records) {
      auto u = std::make_shared<UploadEntry>();
      u->id = r.id;
      u->kind = static_cast<UploadKind>(std::clamp(r.kind, 0, 2));
      u->state = static_cast<UploadState>(std::clamp(r.state, 0, 2));
      u->owner = r.owner;
      u->client_key = r.client_key;
      u->secret_hash = r.secret_hash;
      u->length = r.length;
      u->offset = r.offset;
      u->chunk_size = r.chunk_size;
      u->filename = r.filename;
      u->content_type = r.content_type;
      if (Result<std::vector<std::pair<std::string, std::string>>> meta =
              internal::ParseUploadMetadata(r.metadata);
          meta.ok()) {
        u->metadata = std::move(*meta);
      }
      u->expected_sha256 = r.expected_sha256;
      u->created_ms = r.created_ms;
      u->expires_ms = r.expires_ms;
      u->object_key = r.object_key;
      u->sha256 = r.sha256;
      u->durable = true;
      u->part_path = parts_dir + "/" + u->id + ".part";
      if (u->kind == UploadKind::kChunked && u->state == UploadState::kReceiving) {
        u->chunk_sha.assign(u->chunk_count(), std::string());
        for (auto& [index, sha] : r.chunks) {
          if (index < u->chunk_sha.size()) u->chunk_sha[index] = sha;
        }
      }
      if (u->state == UploadState::kReceiving) {
        keep_parts.insert(u->id + ".part");
        struct stat st {};
        const bool exists = ::stat(u->part_path.c_str(), &st) == 0;
        const uint64_t on_disk = exists ? static_cast<uint64_t>(st.st_size) : 0;
        if (u->kind == UploadKind::kTus) {
          if (on_disk < u->offset) {
            // Bytes acknowledged but lost (the part file was removed or cut): resume from
            // what is really there rather than serve a file with a hole.
            internal::Logger("upload")->warn("upload {}: part has {} of {} bytes; resuming there",
                                             u->id, on_disk, u->offset);
            u->offset = on_disk;
            STREAMGATE_RETURN_IF_ERROR(
                db->UpdateProgress(u->id, u->offset, u->length, u->expires_ms));
          } else if (on_disk > u->offset) {
            // Bytes written after the last durable offset (a kill mid-PATCH): not acknowledged.
            if (::truncate(u->part_path.c_str(), static_cast<off_t>(u->offset)) != 0) {
              return ErrnoStatus("truncate " + u->part_path, errno);
            }
          }
        }
      }
      uploads.emplace(u->id, std::move(u));
    }
    // Part files of uploads that never became durable (killed during creation) are orphans.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parts_dir, ec)) {
      if (keep_parts.count(entry.path().filename().string()) == 0) {
        fs::remove(entry.path(), ec);
      }
    }
    return Status::Ok();
  }
};

namespace {

using ImplPtr = std::shared_ptr<Uploader::Impl>;

// tus PATCH, creation-with-upload, and whole-file bodies: bytes appended at the offset.
class AppendWriter final : public UploadWriter {
 public:
  AppendWriter(ImplPtr impl, std::shared_ptr<UploadEntry> u, int fd, uint64_t offset, bool creating,
               std::optional<Digest> patch_digest, std::string expected_digest,
               std::optional<Digest> running, std::string head, bool noop)
      : impl_(std::move(impl)),
        u_(std::move(u)),
        fd_(fd),
        start_(offset),
        pos_(offset),
        creating_(creating),
        patch_digest_(std::move(patch_digest)),
        expected_digest_(std::move(expected_digest)),
        running_(std::move(running)),
        head_(std::move(head)),
        noop_(noop) {}

  ~AppendWriter() override {
    Abort();
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& upload_id() const override { return u_->id; }

  Status Write(std::string_view bytes) override {
    if (done_) return Status::FailedPrecondition("upload writer already finished");
    if (bytes.empty()) return Status::Ok();
    if (rejected_) {
      discarded_ += bytes.size();
      if (discarded_ > kDiscardBudget) return Status::Unimplemented(kNotVideo);
      return Status::Ok();
    }
    if (noop_) return Status::OutOfRange("upload " + u_->id + " is already complete");
    const std::optional<uint64_t> limit = length_;
    const uint64_t max = limit.value_or(impl_->options.max_upload_bytes);
    Status over;
    if (pos_ + bytes.size() > max) {
      over = Status::OutOfRange(
          limit ? "body goes past Upload-Length (" + std::to_string(*limit) + " bytes)"
                : "upload exceeds the limit of " + std::to_string(max) + " bytes");
      bytes = bytes.substr(0, static_cast<std::size_t>(max - pos_));
    }
    if (pos_ < kSniffBytes) {
      head_.append(bytes.substr(0, static_cast<std::size_t>(kSniffBytes - pos_)));
      if (impl_->options.accept_video_only && head_.size() >= kSniffBytes &&
          SniffVideoContainer(head_).empty()) {
        rejected_ = true;
        return Status::Ok();
      }
    }
    if (Status written = PwriteAll(fd_, bytes, pos_); !written.ok()) {
      failed_ = true;
      return written;
    }
    if (patch_digest_) patch_digest_->Update(bytes);
    if (running_) running_->Update(bytes);
    pos_ += bytes.size();
    // A request that overruns its length is refused whole: nothing of it is kept.
    if (!over.ok()) failed_ = true;
    const uint64_t every = impl_->options.checkpoint_bytes;
    if (over.ok() && every > 0 && pos_ - checkpointed_ >= every) Checkpoint();
    return over;
  }

  Result<UploadInfo> Finish() override {
    if (done_) return Status::FailedPrecondition("upload writer already finished");
    done_ = true;
    checkpoints_->Finalize();
    if (noop_) {
      std::lock_guard lock(impl_->mu);
      return impl_->InfoLocked(*u_);
    }
    if (rejected_) {
      impl_->Forget(u_, u_->durable);
      return Status::Unimplemented(kNotVideo);
    }
    if (patch_digest_ && patch_digest_->Final() != expected_digest_) {
      Release();
      return Status::DataLoss("Upload-Checksum does not match the body; offset stays at " +
                              std::to_string(start_));
    }
    if (u_->kind == UploadKind::kWhole) length_ = pos_;
    if (impl_->options.fsync && ::fdatasync(fd_) != 0) {
      const int error = errno;
      Release();
      return ErrnoStatus("fdatasync upload part", error);
    }
    ::close(fd_);
    fd_ = -1;
    const int64_t expires = impl_->ExpiryFromNow();
    const bool complete = length_ && pos_ == *length_;
    if (u_->kind == UploadKind::kWhole) {
      // Durable only once published: a whole-file upload cut short is simply gone.
      {
        std::lock_guard lock(impl_->mu);
        u_->offset = pos_;
        u_->length = length_;
        u_->running = std::move(running_);
      }
      return impl_->Publish(u_, "");
    }
    if (creating_) {
      UploadRecord record;
      {
        std::lock_guard lock(impl_->mu);
        u_->offset = pos_;
        u_->length = length_;
        u_->expires_ms = expires;
        record = impl_->RecordOf(*u_);
      }
      if (Status s = impl_->db->Insert(record); !s.ok()) {
        impl_->Forget(u_, false);
        return s;
      }
    } else if (Status s = impl_->db->UpdateProgress(u_->id, pos_, length_, expires); !s.ok()) {
      Release();
      return s;
    }
    {
      std::lock_guard lock(impl_->mu);
      u_->durable = true;
      u_->offset = pos_;
      u_->length = length_;
      u_->expires_ms = expires;
      u_->running = std::move(running_);
      if (!complete) {
        u_->busy = false;
        return impl_->InfoLocked(*u_);
      }
    }
    return impl_->Publish(u_, "");
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    if (noop_) return;
    // tus: "the Server SHOULD accept as many bytes as possible". Bytes we can vouch for are
    // kept: not under a checksum (unverifiable now), not refused content, not a creation the
    // client never heard back from.
    const bool keep = u_->kind == UploadKind::kTus && !creating_ && !patch_digest_ && !rejected_ &&
                      !failed_ && pos_ > start_;
    const int fd = fd_;
    fd_ = -1;
    ImplPtr impl = impl_;
    std::shared_ptr<UploadEntry> u = u_;
    const uint64_t pos = pos_;
    const std::optional<uint64_t> length = length_;
    auto running = std::make_shared<std::optional<Digest>>(std::move(running_));
    const bool creating = creating_;
    // Abort runs on an I/O thread: the fsync and SQLite work go to the worker pool.
    std::shared_ptr<Checkpoints> checkpoints = checkpoints_;
    impl->runtime.Post([impl, u, fd, keep, pos, length, running, creating, checkpoints] {
      checkpoints->Finalize();
      if (creating) {
        if (fd >= 0) ::close(fd);
        impl->Forget(u, false);
        return;
      }
      bool kept = false;
      if (keep && (!impl->options.fsync || ::fdatasync(fd) == 0)) {
        const int64_t expires = impl->ExpiryFromNow();
        kept = impl->db->UpdateProgress(u->id, pos, length, expires).ok();
        if (kept) {
          std::lock_guard lock(impl->mu);
          u->offset = pos;
          u->expires_ms = expires;
          u->running = std::move(*running);
        }
      }
      if (fd >= 0) ::close(fd);
      if (kept && length && pos == *length) {
        // Every byte arrived although the exchange did not end cleanly: publish as usual.
        (void)impl->Publish(u, "");
        return;
      }
      std::lock_guard lock(impl->mu);
      if (!kept) u->running.reset();  // the running hash may include unacknowledged bytes
      u->busy = false;
    });
  }

  void set_length(std::optional<uint64_t> length) { length_ = length; }

 private:
  // Orders the checkpoints of one request against its end: once finalized, no checkpoint
  // records anything, so the durable offset never moves backwards.
  struct Checkpoints {
    std::mutex mu;
    bool in_flight = false;
    bool finalized = false;
    void Finalize() {
      std::lock_guard lock(mu);
      finalized = true;
    }
  };

  // Makes [0, pos_) durable from a worker thread while the body keeps arriving. Only for
  // existing tus uploads without a per-request checksum (whose bytes may not be kept early).
  void Checkpoint() {
    if (u_->kind != UploadKind::kTus || creating_ || patch_digest_ || rejected_) return;
    {
      std::lock_guard lock(checkpoints_->mu);
      if (checkpoints_->in_flight) return;  // one at a time; the next Write tries again
      checkpoints_->in_flight = true;
    }
    checkpointed_ = pos_;
    const int fd = ::dup(fd_);  // the writer may close its own before the task runs
    ImplPtr impl = impl_;
    std::shared_ptr<UploadEntry> u = u_;
    std::shared_ptr<Checkpoints> checkpoints = checkpoints_;
    const uint64_t pos = pos_;
    const std::optional<uint64_t> length = length_;
    impl->runtime.Post([impl, u, checkpoints, fd, pos, length] {
      const bool synced = fd >= 0 && (!impl->options.fsync || ::fdatasync(fd) == 0);
      if (fd >= 0) ::close(fd);
      std::lock_guard lock(checkpoints->mu);
      checkpoints->in_flight = false;
      if (!synced || checkpoints->finalized) return;
      const int64_t expires = impl->ExpiryFromNow();
      if (!impl->db->UpdateProgress(u->id, pos, length, expires).ok()) return;
      std::lock_guard state(impl->mu);
      u->offset = pos;
      u->expires_ms = expires;
      u->running.reset();  // the writer's own running hash is handed over when it finishes
    });
  }

  // Gives the upload back unchanged (the bytes past its offset are cut at the next write).
  void Release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (creating_) {
      impl_->Forget(u_, false);
      return;
    }
    std::lock_guard lock(impl_->mu);
    u_->busy = false;
  }

  ImplPtr impl_;
  std::shared_ptr<UploadEntry> u_;
  int fd_;
  const uint64_t start_;
  uint64_t pos_;
  const bool creating_;
  std::optional<Digest> patch_digest_;
  std::string expected_digest_;
  std::optional<Digest> running_;
  std::string head_;
  const bool noop_;
  std::optional<uint64_t> length_;
  bool done_ = false;
  bool rejected_ = false;  // not a video: the rest of the body is dropped
  bool failed_ = false;    // a Write failed: Abort keeps nothing since the last checkpoint
  uint64_t discarded_ = 0;
  uint64_t checkpointed_ = start_;
  std::shared_ptr<Checkpoints> checkpoints_ = std::make_shared<Checkpoints>();
};

// One chunk of a chunked upload, written at index * chunk_size and verified by its SHA-256.
class ChunkWriter final : public UploadWriter {
 public:
  ChunkWriter(ImplPtr impl, std::shared_ptr<UploadEntry> u, int fd, uint32_t index,
              std::string expected_sha, bool creating)
      : impl_(std::move(impl)),
        u_(std::move(u)),
        fd_(fd),
        index_(index),
        base_(uint64_t{index} * u_->chunk_size),
        size_(u_->chunk_bytes(index)),
        expected_(std::move(expected_sha)),
        creating_(creating) {}

  ~ChunkWriter() override {
    Abort();
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& upload_id() const override { return u_->id; }

  Status Write(std::string_view bytes) override {
    if (done_) return Status::FailedPrecondition("upload writer already finished");
    if (pos_ + bytes.size() > size_) {
      return Status::OutOfRange("chunk " + std::to_string(index_) + " must have " +
                                std::to_string(size_) + " bytes");
    }
    STREAMGATE_RETURN_IF_ERROR(PwriteAll(fd_, bytes, base_ + pos_));
    digest_.Update(bytes);
    pos_ += bytes.size();
    return Status::Ok();
  }

  Result<UploadInfo> Finish() override {
    if (done_) return Status::FailedPrecondition("upload writer already finished");
    done_ = true;
    if (pos_ != size_) {
      Release();
      return Status::InvalidArgument("chunk " + std::to_string(index_) + " must have " +
                                     std::to_string(size_) + " bytes, got " + std::to_string(pos_));
    }
    const std::string sha = HexEncode(digest_.Final());
    if (sha != expected_) {
      Release();
      return Status::DataLoss("SHA-256 of chunk " + std::to_string(index_) + " is " + sha +
                              ", expected " + expected_);
    }
    if (impl_->options.fsync && ::fdatasync(fd_) != 0) {
      const int error = errno;
      Release();
      return ErrnoStatus("fdatasync upload part", error);
    }
    const int64_t expires = impl_->ExpiryFromNow();
    uint64_t offset = 0;
    UploadRecord record;
    {
      std::lock_guard lock(impl_->mu);
      offset = u_->offset + size_;
      if (creating_) {
        u_->expires_ms = expires;
        record = impl_->RecordOf(*u_);
      }
    }
    if (creating_) {
      if (Status s = impl_->db->Insert(record); !s.ok()) {
        Release();
        return s;
      }
    }
    if (Status s = impl_->db->AddChunk(u_->id, index_, size_, sha, offset, expires); !s.ok()) {
      Release();
      return s;
    }
    std::lock_guard lock(impl_->mu);
    u_->durable = true;
    u_->chunks_in_flight.erase(index_);
    u_->chunk_sha[index_] = sha;
    u_->offset = offset;
    u_->expires_ms = expires;
    return impl_->InfoLocked(*u_);
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    // Never blocks: forgetting a creation unlinks a file and may touch nothing else.
    const int fd = fd_;
    fd_ = -1;
    ImplPtr impl = impl_;
    std::shared_ptr<UploadEntry> u = u_;
    const uint32_t index = index_;
    const bool creating = creating_;
    impl->runtime.Post([impl, u, fd, index, creating] {
      if (fd >= 0) ::close(fd);
      if (creating) {
        impl->Forget(u, false);
        return;
      }
      std::lock_guard lock(impl->mu);
      u->chunks_in_flight.erase(index);
    });
  }

 private:
  void Release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (creating_) {
      impl_->Forget(u_, false);
      return;
    }
    std::lock_guard lock(impl_->mu);
    u_->chunks_in_flight.erase(index_);
  }

  ImplPtr impl_;
  std::shared_ptr<UploadEntry> u_;
  int fd_;
  const uint32_t index_;
  const uint64_t base_;
  const uint64_t size_;
  const std::string expected_;
  const bool creating_;
  Digest digest_{ChecksumAlgorithm::kSha256};
  uint64_t pos_ = 0;
  bool done_ = false;
};

int OpenPart(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
}

Result<std::string> ChunkSha(const AppendRequest& request) {
  if (request.checksum_algorithm != ChecksumAlgorithm::kSha256 || request.checksum.size() != 32) {
    return Status::InvalidArgument("each chunk needs its SHA-256 (64 hex digits)");
  }
  return HexEncode(request.checksum);
}

}  // namespace

Uploader::Uploader(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Uploader::~Uploader() {
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  impl_->timer.cancel();
}

Result<std::unique_ptr<Uploader>> Uploader::Create(const UploaderOptions& options,
                                                   std::shared_ptr<ObjectStore> store,
                                                   Runtime& runtime, EventBus* events) {
  if (options.state_dir.empty()) return Status::InvalidArgument("uploader: empty state_dir");
  if (!store) return Status::InvalidArgument("uploader: no object store");
  if (options.min_chunk_bytes == 0 || options.min_chunk_bytes > options.max_chunk_bytes ||
      options.default_chunk_bytes < options.min_chunk_bytes ||
      options.default_chunk_bytes > options.max_chunk_bytes) {
    return Status::InvalidArgument(
        "uploader: need 0 < min_chunk_bytes <= default_chunk_bytes <= max_chunk_bytes");
  }
  if (options.max_upload_bytes == 0 || options.max_upload_bytes > (uint64_t{1} << 62)) {
    return Status::InvalidArgument("uploader: max_upload_bytes must be in [1, 2^62]");
  }
  if (options.expiry_seconds <= 0) {
    return Status::InvalidArgument("uploader: expiry_seconds must be positive");
  }
  auto impl = std::make_shared<Impl>(options, std::move(store), runtime, events);
  impl->parts_dir = options.state_dir + "/upload-parts";
  std::error_code ec;
  fs::create_directories(impl->parts_dir, ec);
  if (ec) return Status::Internal("create " + impl->parts_dir + ": " + ec.message());
  STREAMGATE_ASSIGN_OR_RETURN(impl->db,
                              internal::UploadStateDb::Open(options.state_dir + "/uploads.db"));
  STREAMGATE_RETURN_IF_ERROR(impl->Load());
  impl->ScheduleSweep();
  return std::unique_ptr<Uploader>(new Uploader(std::move(impl)));
}

Result<UploadInfo> Uploader::CreateUpload(const CreateUploadRequest& request,
                                          const UploadCaller& caller) {
  std::string secret;
  STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<UploadEntry> u,
                              impl_->NewEntry(request, caller, &secret));
  if (request.kind == UploadKind::kWhole) {
    return Status::InvalidArgument("a whole-file upload is created with its body");
  }
  {
    std::lock_guard lock(impl_->mu);
    STREAMGATE_RETURN_IF_ERROR(impl_->RegisterLocked(u));
    u->busy = true;
  }
  if (Status s = impl_->db->Insert(impl_->RecordOf(*u)); !s.ok()) {
    impl_->Forget(u, false);
    return s;
  }
  UploadInfo info;
  {
    std::lock_guard lock(impl_->mu);
    u->durable = true;
    if (u->kind == UploadKind::kTus) u->running.emplace(ChecksumAlgorithm::kSha256);
    const bool empty_and_done = u->length && *u->length == 0;
    if (!empty_and_done) u->busy = false;
    info = impl_->InfoLocked(*u);
  }
  if (u->length && *u->length == 0 && u->kind == UploadKind::kTus) {
    STREAMGATE_ASSIGN_OR_RETURN(info, impl_->Publish(u, ""));
  }
  info.secret = secret;
  return info;
}

Result<std::unique_ptr<UploadWriter>> Uploader::BeginUpload(const CreateUploadRequest& request,
                                                            const UploadCaller& caller,
                                                            const AppendRequest& first) {
  std::string secret;
  STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<UploadEntry> u,
                              impl_->NewEntry(request, caller, &secret));
  if (!secret.empty()) {
    // A writer cannot hand back a generated secret before it finishes; callers of BeginUpload
    // either authenticate or choose the secret themselves.
    return Status::InvalidArgument(
        "an anonymous upload created with its body needs an upload "
        "secret from the client");
  }
  if (first.content_length && u->length && *first.content_length > *u->length) {
    return Status::OutOfRange("body of " + std::to_string(*first.content_length) +
                              " bytes is longer than the upload (" + std::to_string(*u->length) +
                              ")");
  }
  if (first.content_length && *first.content_length > impl_->options.max_upload_bytes) {
    return Status::OutOfRange("upload exceeds the limit of " +
                              std::to_string(impl_->options.max_upload_bytes) + " bytes");
  }
  std::string chunk_sha;
  if (request.kind == UploadKind::kChunked) {
    if (!first.chunk_index) return Status::InvalidArgument("missing chunk index");
    if (*first.chunk_index >= u->chunk_count()) {
      return Status::InvalidArgument("chunk index " + std::to_string(*first.chunk_index) +
                                     " is out of range [0, " + std::to_string(u->chunk_count()) +
                                     ")");
    }
    STREAMGATE_ASSIGN_OR_RETURN(chunk_sha, ChunkSha(first));
    if (first.content_length && *first.content_length != u->chunk_bytes(*first.chunk_index)) {
      return Status::InvalidArgument("chunk " + std::to_string(*first.chunk_index) + " must have " +
                                     std::to_string(u->chunk_bytes(*first.chunk_index)) + " bytes");
    }
  }
  std::optional<Digest> patch_digest;
  if (first.checksum_algorithm != ChecksumAlgorithm::kNone &&
      request.kind != UploadKind::kChunked) {
    patch_digest.emplace(first.checksum_algorithm);
  }
  const int fd = OpenPart(u->part_path);
  if (fd < 0) return ErrnoStatus("create upload part", errno);
  {
    std::lock_guard lock(impl_->mu);
    if (Status s = impl_->RegisterLocked(u); !s.ok()) {
      ::close(fd);
      ::unlink(u->part_path.c_str());
      return s;
    }
    if (request.kind == UploadKind::kChunked) {
      u->chunks_in_flight.insert(*first.chunk_index);
    } else {
      u->busy = true;
    }
  }
  if (request.kind == UploadKind::kChunked) {
    return std::unique_ptr<UploadWriter>(
        std::make_unique<ChunkWriter>(impl_, u, fd, *first.chunk_index, chunk_sha, true));
  }
  auto writer =
      std::make_unique<AppendWriter>(impl_, u, fd, 0, true, std::move(patch_digest), first.checksum,
                                     Digest(ChecksumAlgorithm::kSha256), std::string(), false);
  writer->set_length(u->length);
  return std::unique_ptr<UploadWriter>(std::move(writer));
}

Result<std::unique_ptr<UploadWriter>> Uploader::OpenAppend(const AppendRequest& request,
                                                           const UploadCaller& caller) {
  std::unique_lock lock(impl_->mu);
  STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<UploadEntry> u,
                              impl_->FindLocked(request.upload_id, caller));
  if (request.chunk_index) {
    if (u->kind != UploadKind::kChunked) {
      return Status::InvalidArgument("upload " + u->id + " is not a chunked upload");
    }
    if (u->state == UploadState::kCompleted) {
      return Status::Aborted("upload " + u->id + " is already complete");
    }
    const uint32_t index = *request.chunk_index;
    if (index >= u->chunk_count()) {
      return Status::InvalidArgument("chunk index " + std::to_string(index) +
                                     " is out of range [0, " + std::to_string(u->chunk_count()) +
                                     ")");
    }
    STREAMGATE_ASSIGN_OR_RETURN(std::string sha, ChunkSha(request));
    if (!u->chunk_sha[index].empty() || u->chunks_in_flight.count(index) != 0 || u->busy) {
      return Status::Aborted(
          "chunk " + std::to_string(index) +
          (u->busy ? " arrived while the upload is being completed" : " was already received"));
    }
    if (request.content_length && *request.content_length != u->chunk_bytes(index)) {
      return Status::InvalidArgument("chunk " + std::to_string(index) + " must have " +
                                     std::to_string(u->chunk_bytes(index)) + " bytes");
    }
    const int fd = OpenPart(u->part_path);
    if (fd < 0) return ErrnoStatus("open upload part", errno);
    u->chunks_in_flight.insert(index);
    return std::unique_ptr<UploadWriter>(
        std::make_unique<ChunkWriter>(impl_, u, fd, index, std::move(sha), false));
  }

  if (u->kind != UploadKind::kTus) {
    return Status::InvalidArgument("upload " + u->id + " is not a tus upload");
  }
  if (u->busy) return Status::Aborted("another request is writing to upload " + u->id);
  if (request.offset != u->offset) {
    return Status::Aborted("Upload-Offset " + std::to_string(request.offset) +
                           " does not match the upload's offset " + std::to_string(u->offset));
  }
  std::optional<uint64_t> length = u->length;
  if (request.declared_length) {
    if (length && *length != *request.declared_length) {
      return Status::InvalidArgument("Upload-Length cannot change once set");
    }
    if (*request.declared_length < u->offset) {
      return Status::InvalidArgument("Upload-Length is below the bytes already received");
    }
    if (*request.declared_length > impl_->options.max_upload_bytes) {
      return Status::OutOfRange("Upload-Length exceeds Tus-Max-Size");
    }
    length = request.declared_length;
  }
  const uint64_t limit = length.value_or(impl_->options.max_upload_bytes);
  if (request.content_length && *request.content_length > limit - u->offset) {
    return Status::OutOfRange("body of " + std::to_string(*request.content_length) +
                              " bytes goes past " +
                              (length ? "Upload-Length" : std::string("Tus-Max-Size")));
  }
  std::optional<Digest> patch_digest;
  if (request.checksum_algorithm != ChecksumAlgorithm::kNone) {
    patch_digest.emplace(request.checksum_algorithm);
  }
  if (u->state == UploadState::kCompleted) {
    return std::unique_ptr<UploadWriter>(
        std::make_unique<AppendWriter>(impl_, u, -1, u->offset, false, std::nullopt, std::string(),
                                       std::nullopt, std::string(), true));
  }
  const int fd = OpenPart(u->part_path);
  if (fd < 0) return ErrnoStatus("open upload part", errno);
  // Bytes past the acknowledged offset (a PATCH cut short and not kept) are dropped here.
  if (::ftruncate(fd, static_cast<off_t>(u->offset)) != 0) {
    const int error = errno;
    ::close(fd);
    return ErrnoStatus("truncate upload part", error);
  }
  std::string head;
  if (u->offset < kSniffBytes && u->offset > 0) {
    lock.unlock();
    head = Impl::ReadHead(u->part_path, static_cast<std::size_t>(u->offset));
    lock.lock();
  }
  if (u->busy) {  // re-check: the lock was released for the read
    ::close(fd);
    return Status::Aborted("another request is writing to upload " + u->id);
  }
  u->length = length;
  u->busy = true;
  std::optional<Digest> running;
  if (u->running) running = *u->running;
  auto writer =
      std::make_unique<AppendWriter>(impl_, u, fd, u->offset, false, std::move(patch_digest),
                                     request.checksum, std::move(running), std::move(head), false);
  writer->set_length(length);
  return std::unique_ptr<UploadWriter>(std::move(writer));
}

Result<UploadInfo> Uploader::GetUpload(std::string_view upload_id,
                                       const UploadCaller& caller) const {
  std::lock_guard lock(impl_->mu);
  STREAMGATE_ASSIGN_OR_RETURN(std::shared_ptr<UploadEntry> u, impl_->FindLocked(upload_id, caller));
  return impl_->InfoLocked(*u);
}

Result<UploadInfo> Uploader::Complete(const CompleteUploadRequest& request,
                                      const UploadCaller& caller) {
  std::shared_ptr<UploadEntry> u;
  std::string expected;
  if (!request.sha256.empty()) {
    std::optional<std::string> raw = internal::HexDecode(request.sha256);
    if (!raw || raw->size() != 32) return Status::InvalidArgument("sha256 must be 64 hex digits");
    expected = HexEncode(*raw);
  }
  {
    std::lock_guard lock(impl_->mu);
    STREAMGATE_ASSIGN_OR_RETURN(u, impl_->FindLocked(request.upload_id, caller));
    if (request.size && u->length && *request.size != *u->length) {
      return Status::InvalidArgument("declared size " + std::to_string(*request.size) +
                                     " differs from the upload's " + std::to_string(*u->length));
    }
    if (u->state == UploadState::kCompleted) {
      if (!expected.empty() && expected != u->sha256) {
        return Status::DataLoss("SHA-256 of the file is " + u->sha256 + ", expected " + expected);
      }
      return impl_->InfoLocked(*u);
    }
    if (u->kind != UploadKind::kChunked) {
      return Status::Aborted("upload " + u->id + " completes when its last byte arrives");
    }
    if (u->busy || !u->chunks_in_flight.empty()) {
      return Status::Aborted("upload " + u->id + " has chunks still arriving");
    }
    std::string missing;
    std::size_t count = 0;
    for (uint32_t i = 0; i < u->chunk_sha.size(); ++i) {
      if (!u->chunk_sha[i].empty()) continue;
      if (++count <= 20) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
    }
    if (count > 0) {
      return Status::Aborted("missing chunks: " + missing + (count > 20 ? ", ..." : "") + " (" +
                             std::to_string(count) + " of " + std::to_string(u->chunk_sha.size()) +
                             ")");
    }
    u->busy = true;
  }
  return impl_->Publish(u, expected);
}

Status Uploader::Terminate(std::string_view upload_id, const UploadCaller& caller) {
  std::shared_ptr<UploadEntry> u;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->uploads.find(upload_id);
    if (it == impl_->uploads.end() || !it->second->durable) {
      return Status::NotFound("no upload " + std::string(upload_id.substr(0, 64)));
    }
    u = it->second;
    STREAMGATE_RETURN_IF_ERROR(Impl::CheckAccess(*u, caller));
    if (u->busy || !u->chunks_in_flight.empty()) {
      return Status::Aborted("upload " + u->id + " is being written to");
    }
    impl_->uploads.erase(it);
  }
  STREAMGATE_RETURN_IF_ERROR(impl_->db->Delete(u->id));
  ::unlink(u->part_path.c_str());
  return Status::Ok();
}

Result<std::size_t> Uploader::SweepExpired() { return impl_->Sweep(); }

const UploaderOptions& Uploader::options() const { return impl_->options; }
const std::shared_ptr<ObjectStore>& Uploader::store() const { return impl_->store; }

}  // namespace streamgate
