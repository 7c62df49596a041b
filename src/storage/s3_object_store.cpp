// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// ObjectStore over an S3-compatible server. Whole objects are single PUTs up to the multipart
// threshold and multipart uploads above it; a failed multipart upload is aborted so that no parts
// linger (and cost) on the server. Nothing is visible under a key before S3 acknowledges the PUT
// or the CompleteMultipartUpload, which is S3's own atomicity.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "storage/s3_client.h"
#include "storage/s3_key.h"
#include "storage/s3_options.h"
#include "streamgate/object_store.h"

namespace streamgate {
namespace {

using internal::CurlBody;
using internal::CurlResponse;
using internal::S3Client;

// Starts a multipart upload on first use and aborts it unless Complete() succeeded, so that
// every early return of PutFile and of the writer cleans up the parts already sent.
class MultipartUpload {
 public:
  MultipartUpload(S3Client& client, std::string key) : client_(client), key_(std::move(key)) {}
  ~MultipartUpload() { Abort(); }
  MultipartUpload(const MultipartUpload&) = delete;
  MultipartUpload& operator=(const MultipartUpload&) = delete;

  Status UploadPart(const CurlBody& body) {
    if (etags_.size() >= static_cast<std::size_t>(internal::kS3MaxParts)) {
      return Status::ResourceExhausted("object needs more than 10000 parts; raise part_size");
    }
    if (upload_id_.empty()) {
      STREAMGATE_ASSIGN_OR_RETURN(upload_id_, client_.CreateMultipartUpload(key_));
    }
    const int part_number = static_cast<int>(etags_.size()) + 1;
    STREAMGATE_ASSIGN_OR_RETURN(std::string etag,
                                client_.UploadPart(key_, upload_id_, part_number, body));
    etags_.push_back(std::move(etag));
    return Status::Ok();
  }

  Status Complete() {
    STREAMGATE_RETURN_IF_ERROR(client_.CompleteMultipartUpload(key_, upload_id_, etags_));
    upload_id_.clear();
    return Status::Ok();
  }

  // Best effort: a failed abort leaves parts that a bucket lifecycle rule must reap.
  void Abort() {
    if (upload_id_.empty()) return;
    (void)client_.AbortMultipartUpload(key_, upload_id_);
    upload_id_.clear();
    etags_.clear();
  }

  bool started() const { return !upload_id_.empty(); }

 private:
  S3Client& client_;
  std::string key_;
  std::string upload_id_;  // empty: not started (or finished)
  std::vector<std::string> etags_;
};

// Buffers up to one part in memory: an object that fits is one PUT at Commit; a larger one
// streams each full part as the next byte arrives, and the last part at Commit.
class S3ObjectWriter final : public ObjectWriter {
 public:
  S3ObjectWriter(std::shared_ptr<S3Client> client, std::string key, uint64_t part_size)
      : client_(std::move(client)),
        key_(std::move(key)),
        part_size_(part_size),
        upload_(*client_, key_) {}
  ~S3ObjectWriter() override { Abort(); }

  Status Append(std::string_view bytes) override {
    if (state_ != State::kOpen) return Status::FailedPrecondition("writer is not open");
    while (!bytes.empty()) {
      if (buffer_.size() == part_size_) {
        Status status = upload_.UploadPart(CurlBody{buffer_, {}, 0, 0});
        if (!status.ok()) {
          Abort();
          return status;
        }
        buffer_.clear();
      }
      const std::size_t take =
          static_cast<std::size_t>(std::min<uint64_t>(part_size_ - buffer_.size(), bytes.size()));
      if (buffer_.size() + take > buffer_.capacity()) {
        // Grow by doubling but never past one part, so a writer holds at most part_size bytes.
        buffer_.reserve(static_cast<std::size_t>(std::min<uint64_t>(
            part_size_, std::max<uint64_t>(buffer_.size() + take, 2 * buffer_.capacity()))));
      }
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      written_ += take;
    }
    return Status::Ok();
  }

  Status Commit() override {
    if (state_ != State::kOpen) return Status::FailedPrecondition("writer is not open");
    Status status;
    if (!upload_.started()) {
      status = client_->PutObject(key_, CurlBody{buffer_, {}, 0, 0});
    } else {
      status = upload_.UploadPart(CurlBody{buffer_, {}, 0, 0});
      if (status.ok()) status = upload_.Complete();
    }
    if (!status.ok()) {
      Abort();
      return status;
    }
    state_ = State::kCommitted;
    Release();
    return Status::Ok();
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    upload_.Abort();
    Release();
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  void Release() { std::string().swap(buffer_); }

  std::shared_ptr<S3Client> client_;
  std::string key_;
  uint64_t part_size_;
  MultipartUpload upload_;
  std::string buffer_;
  uint64_t written_ = 0;
  State state_ = State::kOpen;
};

// A file beside the destination, renamed over it once complete and flushed, so that readers of
// `path` never see a partial download. Removed unless Commit() succeeded.
class AtomicFile {
 public:
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

  Status Open(const std::string& path) {
    path_ = path;
    std::string pattern = path + ".s3tmp-XXXXXX";
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) return Status::Internal("cannot create " + pattern + ": " + std::strerror(errno));
    temp_ = std::move(pattern);
    // mkostemp creates 0600; a downloaded object is an ordinary readable file.
    (void)::fchmod(fd_, 0644);
    return Status::Ok();
  }

  Status Write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status::Internal("writing " + temp_ + ": " + std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::Ok();
  }

  Status Commit() {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return Status::Internal("flushing " + temp_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      return Status::Internal("renaming to " + path_ + ": " + std::strerror(errno));
    }
    temp_.clear();
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

// "bytes 0-9/100" → 100; nullopt when absent or "*".
std::optional<uint64_t> ContentRangeTotal(std::string_view content_range) {
  const std::size_t slash = content_range.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view total = content_range.substr(slash + 1);
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(total.data(), total.data() + total.size(), value);
  if (total.empty() || ec != std::errc() || ptr != total.data() + total.size()) {
    return std::nullopt;
  }
  return value;
}

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(const S3ObjectStoreOptions& options, std::unique_ptr<S3Client> client)
      : options_(options), client_(std::move(client)) {}

  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<S3ObjectWriter>(client_, std::move(full), options_.part_size));
  }

  Status PutFile(std::string_view key, const std::string& local_path) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    struct stat info {};
    if (::stat(local_path.c_str(), &info) != 0) {
      return Status::NotFound("cannot stat " + local_path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
      return Status::InvalidArgument(local_path + " is not a regular file");
    }
    const auto size = static_cast<uint64_t>(info.st_size);
    if (size <= options_.multipart_threshold) {
      return client_->PutObject(full, CurlBody{{}, local_path, 0, size});
    }
    // Parts of part_size, grown when the file would need more than S3's 10,000 parts.
    const uint64_t part_size = std::max<uint64_t>(
        options_.part_size, (size + internal::kS3MaxParts - 1) / internal::kS3MaxParts);
    MultipartUpload upload(*client_, full);
    for (uint64_t offset = 0; offset < size; offset += part_size) {
      const uint64_t length = std::min(part_size, size - offset);
      STREAMGATE_RETURN_IF_ERROR(upload.UploadPart(CurlBody{{}, local_path, offset, length}));
    }
    return upload.Complete();
  }

  Status Put(std::string_view key, std::string_view bytes) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    if (bytes.size() <= options_.multipart_threshold) {
      return client_->PutObject(full, CurlBody{bytes, {}, 0, 0});
    }
    MultipartUpload upload(*client_, full);
    for (std::size_t offset = 0; offset < bytes.size(); offset += options_.part_size) {
      STREAMGATE_RETURN_IF_ERROR(
          upload.UploadPart(CurlBody{bytes.substr(offset, options_.part_size), {}, 0, 0}));
    }
    return upload.Complete();
  }

  Result<std::string> Get(std::string_view key) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    return client_->GetObject(full);
  }

  Status GetToFile(std::string_view key, const std::string& local_path) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    AtomicFile file;
    STREAMGATE_RETURN_IF_ERROR(file.Open(local_path));
    STREAMGATE_RETURN_IF_ERROR(client_->GetObjectStream(
        full, {}, nullptr, [&file](std::string_view bytes) { return file.Write(bytes); }));
    return file.Commit();
  }

  Status Read(std::string_view key, uint64_t offset, uint64_t length,
              const std::function<Status(std::string_view)>& sink) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    if (length > std::numeric_limits<uint64_t>::max() - offset) {
      return Status::OutOfRange("range overflows");
    }
    if (length == 0) {
      STREAMGATE_ASSIGN_OR_RETURN(const ObjectInfo info, client_->HeadObject(full));
      if (offset > info.size) return Status::OutOfRange("offset past the end of " + full);
      return Status::Ok();
    }
    const uint64_t end = offset + length;
    uint64_t skip = 0;  // bytes to drop: a server that ignores Range sends the whole object
    uint64_t remaining = length;
    const auto check = [&](const CurlResponse& response) -> Status {
      std::optional<uint64_t> total;
      if (response.status == 206) {
        total = ContentRangeTotal(response.Header("content-range"));
      } else {
        skip = offset;
        uint64_t size = 0;
        const std::string_view text = response.Header("content-length");
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), size);
        if (ec == std::errc() && ptr == text.data() + text.size()) total = size;
      }
      if (total.has_value() && end > *total) {
        return Status::OutOfRange("range ends past the end of " + full + " (" +
                                  std::to_string(*total) + " bytes)");
      }
      return Status::Ok();
    };
    const auto slice = [&](std::string_view bytes) -> Status {
      const uint64_t dropped = std::min<uint64_t>(skip, bytes.size());
      skip -= dropped;
      bytes.remove_prefix(static_cast<std::size_t>(dropped));
      bytes =
          bytes.substr(0, static_cast<std::size_t>(std::min<uint64_t>(remaining, bytes.size())));
      if (bytes.empty()) return Status::Ok();
      remaining -= bytes.size();
      return sink(bytes);
    };
    const std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(end - 1);
    STREAMGATE_RETURN_IF_ERROR(client_->GetObjectStream(full, range, check, slice));
    if (remaining != 0) {
      return Status::Unavailable("GET " + full + ": response ended " + std::to_string(remaining) +
                                 " bytes short");
    }
    return Status::Ok();
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    STREAMGATE_ASSIGN_OR_RETURN(ObjectInfo info, client_->HeadObject(full));
    info.key = std::string(key);
    return info;
  }

  Status Delete(std::string_view key) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    const Status status = client_->DeleteObject(full);
    return status.code() == StatusCode::kNotFound ? Status::Ok() : status;
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    for (const char c : prefix) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Status::InvalidArgument("list prefix contains a backslash or control character");
      }
    }
    const std::string full_prefix = options_.key_prefix + std::string(prefix);
    std::vector<ObjectInfo> out;
    std::string token;
    do {
      STREAMGATE_ASSIGN_OR_RETURN(internal::S3ListPage page,
                                  client_->ListObjectsV2(full_prefix, token));
      for (ObjectInfo& info : page.objects) {
        // A server that ignores the prefix must not leak keys outside the store's namespace.
        if (info.key.compare(0, full_prefix.size(), full_prefix) != 0) continue;
        info.key.erase(0, options_.key_prefix.size());
        out.push_back(std::move(info));
      }
      if (page.truncated && page.next_continuation_token == token) {
        return Status::Internal("ListObjectsV2: continuation token did not advance");
      }
      token = page.truncated ? std::move(page.next_continuation_token) : std::string();
    } while (!token.empty());
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  std::optional<std::string> LocalPath(std::string_view /*key*/) const override {
    return std::nullopt;
  }

  std::string_view backend() const override { return "s3"; }

  Result<std::string> PresignGet(std::string_view key, int64_t expires_s) const override {
    if (expires_s < 1 || expires_s > 604800) {
      return Status::InvalidArgument("presigned URL lifetime must be 1 s to 7 days");
    }
    STREAMGATE_ASSIGN_OR_RETURN(std::string full, FullKey(key));
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    return client_->PresignGet(full, expires_s, now);
  }

 private:
  Result<std::string> FullKey(std::string_view key) const {
    STREAMGATE_RETURN_IF_ERROR(internal::ValidateObjectKey(key));
    std::string full = options_.key_prefix + std::string(key);
    if (full.size() > internal::kMaxS3KeyBytes) {
      return Status::InvalidArgument("object key with prefix longer than 1024 bytes");
    }
    return full;
  }

  const S3ObjectStoreOptions options_;
  const std::shared_ptr<S3Client> client_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3ObjectStoreOptions& options) {
  if (const auto problem = internal::CheckS3ObjectStoreOptions(options)) {
    return Status::InvalidArgument("S3 object store: " + problem->field + ": " + problem->reason);
  }
  STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, S3Client::Create(options));
  return std::unique_ptr<ObjectStore>(std::make_unique<S3ObjectStore>(options, std::move(client)));
}

}  // namespace streamgate
