// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The local-filesystem ObjectStore: objects are files below a root directory. Every write goes
// to a temporary file in the target's own directory (same filesystem), is fsynced, and is
// renamed over the key, so a reader sees either the old object or the whole new one. Temporary
// files start with ".sg-tmp-" and are never listed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "streamgate/object_store.h"

namespace streamgate {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".sg-tmp-";
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kCopyBuffer = std::size_t{1} << 20;

Status ErrnoStatus(std::string_view what, int error) {
  std::string message = std::string(what) + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(message);
  if (error == ENOSPC || error == EDQUOT) return Status::ResourceExhausted(message);
  return Status::Internal(message);
}

Status ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument("object key must have 1 to 1024 bytes");
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("object key has an empty, '.' or '..' segment");
    }
    if (segment.substr(0, kTempPrefix.size()) == kTempPrefix) {
      return Status::InvalidArgument("object key segment uses the reserved prefix .sg-tmp-");
    }
    start = slash + 1;
  }
  for (const char c : key) {
    if (c == '\\' || c == '\0') return Status::InvalidArgument("object key has '\\' or NUL");
  }
  return Status::Ok();
}

std::string RandomSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng()) + "-" + std::to_string(counter.fetch_add(1));
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Copies everything readable from `in` (which it closes) into `writer`.
Status CopyInto(int in, ObjectWriter& writer, std::string_view what) {
  std::vector<char> buffer(kCopyBuffer);
  Status status;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus("read " + std::string(what), errno);
      break;
    }
    if (n == 0) break;
    status = writer.Append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    if (!status.ok()) break;
  }
  ::close(in);
  return status;
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("fsync directory", error);
}

class LocalObjectStore;

// A temp file beside the final path; Commit renames it into place.
class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(int fd, std::string temp_path, std::string final_path, bool fsync)
      : fd_(fd),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)),
        fsync_(fsync) {}
  ~LocalObjectWriter() override { Abort(); }

  Status Append(std::string_view bytes) override {
    if (fd_ < 0) return Status::FailedPrecondition("writer is closed");
    Status status = WriteAll(fd_, bytes);
    if (status.ok()) written_ += bytes.size();
    return status;
  }

  Status Commit() override {
    if (fd_ < 0) return Status::FailedPrecondition("writer is closed");
    if (fsync_ && ::fsync(fd_) != 0) {
      const int error = errno;
      Abort();
      return ErrnoStatus("fsync", error);
    }
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      const int error = errno;
      ::unlink(temp_path_.c_str());
      return ErrnoStatus("rename", error);
    }
    if (fsync_) return SyncDirectory(fs::path(final_path_).parent_path().string());
    return Status::Ok();
  }

  void Abort() override {
    if (fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
    ::unlink(temp_path_.c_str());
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  int fd_;
  std::string temp_path_;
  std::string final_path_;
  bool fsync_;
  uint64_t written_ = 0;
};

class LocalObjectStore final : public ObjectStore {
 public:
  LocalObjectStore(std::string root, bool fsync) : root_(std::move(root)), fsync_(fsync) {}

  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    const std::string final_path = PathFor(key);
    const std::string dir = fs::path(final_path).parent_path().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("create " + dir + ": " + ec.message());
    if (fs::is_directory(final_path, ec)) {
      return Status::InvalidArgument("object key names a prefix of other objects");
    }
    std::string temp_path = dir + "/" + std::string(kTempPrefix) + RandomSuffix();
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("create temp file", errno);
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<LocalObjectWriter>(fd, std::move(temp_path), final_path, fsync_));
  }

  Status PutFile(std::string_view key, const std::string& local_path) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    struct stat st {};
    if (::stat(local_path.c_str(), &st) != 0) return ErrnoStatus("stat " + local_path, errno);
    if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(local_path + " is not a file");
    // Same filesystem: a hard link into a temp name then a rename publishes without copying
    // (the source stays, as with a copy). Otherwise fall back to copying.
    const std::string final_path = PathFor(key);
    const std::string dir = fs::path(final_path).parent_path().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("create " + dir + ": " + ec.message());
    const std::string temp_path = dir + "/" + std::string(kTempPrefix) + RandomSuffix();
    if (::link(local_path.c_str(), temp_path.c_str()) == 0) {
      if (fsync_) {
        // The data itself must be durable before the name is.
        const int fd = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          ::fsync(fd);
          ::close(fd);
        }
      }
      if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp_path.c_str());
        return ErrnoStatus("rename", error);
      }
      return fsync_ ? SyncDirectory(dir) : Status::Ok();
    }
    const int in = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return ErrnoStatus("open " + local_path, errno);
    Result<std::unique_ptr<ObjectWriter>> writer = OpenWriter(key);
    if (!writer.ok()) {
      ::close(in);
      return writer.status();
    }
    STREAMGATE_RETURN_IF_ERROR(CopyInto(in, **writer, local_path));
    return (*writer)->Commit();
  }

  Status Put(std::string_view key, std::string_view bytes) override {
    STREAMGATE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer, OpenWriter(key));
    STREAMGATE_RETURN_IF_ERROR(writer->Append(bytes));
    return writer->Commit();
  }

  Result<std::string> Get(std::string_view key) override {
    STREAMGATE_ASSIGN_OR_RETURN(const ObjectInfo info, Stat(key));
    std::string out;
    out.reserve(static_cast<std::size_t>(info.size));
    STREAMGATE_RETURN_IF_ERROR(Read(key, 0, info.size, [&out](std::string_view piece) {
      out.append(piece);
      return Status::Ok();
    }));
    return out;
  }

  Status GetToFile(std::string_view key, const std::string& local_path) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    const std::string source = PathFor(key);
    const int in = OpenRegular(source);
    if (in < 0) return ErrnoStatus("open object", errno);
    const fs::path target(local_path);
    const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
    const std::string temp_path = dir + "/" + std::string(kTempPrefix) + RandomSuffix();
    const int out = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
      const int error = errno;
      ::close(in);
      return ErrnoStatus("create " + temp_path, error);
    }
    LocalObjectWriter writer(out, temp_path, local_path, fsync_);
    STREAMGATE_RETURN_IF_ERROR(CopyInto(in, writer, "object"));
    return writer.Commit();
  }

  Status Read(std::string_view key, uint64_t offset, uint64_t length,
              const std::function<Status(std::string_view)>& sink) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    const int fd = OpenRegular(PathFor(key));
    if (fd < 0) return ErrnoStatus("open object", errno);
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<uint64_t>(st.st_size);
    if (offset > size || length > size - offset) {
      ::close(fd);
      return Status::OutOfRange("range [" + std::to_string(offset) + ", +" +
                                std::to_string(length) + ") is past the object's " +
                                std::to_string(size) + " bytes");
    }
    std::vector<char> buffer(static_cast<std::size_t>(std::min<uint64_t>(kCopyBuffer, length)));
    uint64_t done = 0;
    Status status;
    while (done < length && status.ok()) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<uint64_t>(buffer.size(), length - done));
      const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        status = ErrnoStatus("read object", errno);
        break;
      }
      if (n == 0) {
        status = Status::DataLoss("object shrank while being read");
        break;
      }
      done += static_cast<uint64_t>(n);
      status = sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    ::close(fd);
    return status;
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    struct stat st {};
    if (::stat(PathFor(key).c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return Status::NotFound("no object " + std::string(key));
      }
      return ErrnoStatus("stat object", errno);
    }
    if (!S_ISREG(st.st_mode)) return Status::NotFound("no object " + std::string(key));
    return InfoFor(std::string(key), st);
  }

  Status Delete(std::string_view key) override {
    STREAMGATE_RETURN_IF_ERROR(ValidateKey(key));
    const std::string path = PathFor(key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return Status::Ok();
    if (S_ISDIR(st.st_mode)) return Status::Ok();  // a prefix, not an object
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("delete", errno);
    // Empty parent directories are removed so that prefixes do not accumulate.
    fs::path dir = fs::path(path).parent_path();
    const fs::path root(root_);
    std::error_code ec;
    while (dir != root && dir.string().size() > root_.size() && fs::is_empty(dir, ec) && !ec) {
      if (!fs::remove(dir, ec) || ec) break;
      dir = dir.parent_path();
    }
    return Status::Ok();
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> out;
    std::error_code ec;
    // Walk only below the deepest directory the prefix names.
    const std::size_t slash = prefix.rfind('/');
    const std::string base_dir = slash == std::string_view::npos
                                     ? root_
                                     : root_ + "/" + std::string(prefix.substr(0, slash));
    if (!fs::is_directory(base_dir, ec)) return out;
    fs::recursive_directory_iterator it(base_dir, fs::directory_options::skip_permission_denied,
                                        ec);
    if (ec) return Status::Internal("list " + base_dir + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Status::Internal("list " + base_dir + ": " + ec.message());
      const fs::path& path = it->path();
      const std::string name = path.filename().string();
      if (name.substr(0, kTempPrefix.size()) == kTempPrefix) continue;
      if (!it->is_regular_file(ec)) continue;
      std::string key = fs::relative(path, root_, ec).generic_string();
      if (ec || key.substr(0, prefix.size()) != prefix) continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;  // deleted meanwhile
      out.push_back(InfoFor(std::move(key), st));
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  std::optional<std::string> LocalPath(std::string_view key) const override {
    if (!ValidateKey(key).ok()) return std::nullopt;
    return PathFor(key);
  }

  std::string_view backend() const override { return "local"; }

 private:
  std::string PathFor(std::string_view key) const { return root_ + "/" + std::string(key); }

  static int OpenRegular(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      errno = ENOENT;
      return -1;
    }
    return fd;
  }

  static ObjectInfo InfoFor(std::string key, const struct stat& st) {
    ObjectInfo info;
    info.key = std::move(key);
    info.size = static_cast<uint64_t>(st.st_size);
    info.modified_unix_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
                            static_cast<int64_t>(st.st_mtim.tv_nsec / 1000000);
    // Size and modification time in nanoseconds: changes whenever the object is replaced.
    info.etag =
        "\"" + std::to_string(info.size) + "-" +
        std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec) +
        "\"";
    return info;
  }

  const std::string root_;
  const bool fsync_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewLocalObjectStore(const LocalObjectStoreOptions& options) {
  if (options.root.empty()) return Status::InvalidArgument("local object store: empty root");
  std::error_code ec;
  fs::create_directories(options.root, ec);
  if (ec) return Status::Internal("create " + options.root + ": " + ec.message());
  const fs::path root = fs::canonical(options.root, ec);
  if (ec) return Status::Internal("resolve " + options.root + ": " + ec.message());
  return std::unique_ptr<ObjectStore>(
      std::make_unique<LocalObjectStore>(root.string(), options.fsync));
}

}  // namespace streamgate
