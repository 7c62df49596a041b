// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// StaticFileHandler: maps a route's catch-all parameter onto a file below a root directory. The
// parameter arrives percent-decoded, so "%2e%2e" is already ".." here. Two independent defences:
// a lexical check that rejects anything that could climb out (.., absolute paths, NUL,
// backslashes), then a check of where the path really resolves, which refuses symlinks that
// point out of the root:
// - fast path: one openat2(2) with RESOLVE_BENEATH below a descriptor of the root, so the kernel
//   refuses any escape during its single path walk;
// - slow path, when openat2 is unavailable (kernel < 5.6, seccomp) or refuses (EXDEV: an escape,
//   or an absolute symlink, which may still land inside the root): realpath(3), whose result
//   must stay below realpath(root). realpath costs one readlink per path component.
// Range, HEAD, ETag and sendfile are the server's business once it gets a file response. The
// server opens the returned path again, so whoever can create symlinks inside the root between
// the check and that open could still redirect it: the root must not be writable by untrusted
// parties (a path-based HttpResponse cannot close that window; handing over the descriptor could).
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "streamgate/http.h"

namespace streamgate {
namespace {

std::optional<std::string> RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return std::string(resolved);
}

// True when `relative` names something below the root without ever leaving it lexically.
bool IsSafeRelativePath(std::string_view relative) {
  if (relative.empty() || relative.front() == '/') return false;
  // NUL would truncate the path at the system call; a backslash is a separator to Windows-minded
  // proxies and caches in front of us, so "..\\x" must not mean one thing to them and another here.
  if (relative.find('\0') != std::string_view::npos ||
      relative.find('\\') != std::string_view::npos) {
    return false;
  }
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    std::size_t end = relative.find('/', pos);
    if (end == std::string_view::npos) end = relative.size();
    if (relative.substr(pos, end - pos) == "..") return false;
    pos = end + 1;
  }
  return true;
}

// `path` and `root` are both canonical (realpath), so a prefix test on whole components is exact.
bool IsWithin(std::string_view path, std::string_view root) {
  if (root == "/") return !path.empty() && path.front() == '/';
  return path.substr(0, root.size()) == root &&
         (path.size() == root.size() || path[root.size()] == '/');
}

// The root, resolved and opened once when it exists. Shared by every copy of the handler and
// closed with the last one; immutable after construction, hence safe from any thread.
struct ServedRoot {
  std::string configured;  // as given, re-resolved per request while `canonical` is empty
  std::string canonical;   // realpath of the root at construction, or empty
  int fd = -1;             // O_PATH directory descriptor of `canonical`, or -1

  explicit ServedRoot(std::string root) : configured(std::move(root)) {
    if (std::optional<std::string> resolved = RealPath(configured)) {
      canonical = std::move(*resolved);
      fd = ::open(canonical.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  }
  ~ServedRoot() {
    if (fd >= 0) ::close(fd);
  }
  ServedRoot(const ServedRoot&) = delete;
  ServedRoot& operator=(const ServedRoot&) = delete;
};

enum class Lookup { kRegularFile, kNotFound, kOutside, kUndecided };

Lookup FileTypeOf(int fd) {
  struct stat info {};
  // Directories (the root included: no listings), FIFOs and devices are never served.
  return ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) ? Lookup::kRegularFile
                                                          : Lookup::kNotFound;
}

Lookup LookupBeneath(int root_fd, const std::string& relative) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
  if (fd < 0) {
    // ENOSYS/EPERM: no openat2 here; EXDEV: an escape or an absolute symlink; EAGAIN: a racing
    // rename. realpath decides those. Everything else (ENOENT, ENOTDIR, ELOOP, EACCES) is
    // "not here" to the client.
    const int error = errno;
    return error == ENOSYS || error == EPERM || error == EXDEV || error == EAGAIN
               ? Lookup::kUndecided
               : Lookup::kNotFound;
  }
  const Lookup type = FileTypeOf(static_cast<int>(fd));
  ::close(static_cast<int>(fd));
  return type;
}

Lookup LookupWithRealPath(const std::string& base, const std::string& joined) {
  std::optional<std::string> resolved = RealPath(joined);
  if (!resolved) return Lookup::kNotFound;
  if (!IsWithin(*resolved, base)) return Lookup::kOutside;
  struct stat info {};
  return ::stat(resolved->c_str(), &info) == 0 && S_ISREG(info.st_mode) ? Lookup::kRegularFile
                                                                        : Lookup::kNotFound;
}

}  // namespace

HttpHandler StaticFileHandler(std::string root, std::string param_name) {
  auto served = std::make_shared<const ServedRoot>(std::move(root));
  return [served, param_name = std::move(param_name)](HttpRequest& request) -> HttpResponse {
    const std::string_view relative = request.Param(param_name);
    if (relative.empty()) return HttpResponse::Error(Status::NotFound("no such file"));
    if (!IsSafeRelativePath(relative)) {
      return HttpResponse::Error(Status::PermissionDenied("path leaves the served directory"));
    }

    // A root that did not exist at construction (created later by the service) is resolved per
    // request, without caching, so that no shared state needs a lock.
    std::string base = served->canonical;
    if (base.empty()) {
      std::optional<std::string> now = RealPath(served->configured);
      if (!now) return HttpResponse::Error(Status::NotFound("no such file"));
      base = std::move(*now);
    }
    std::string joined = base;
    if (joined.back() != '/') joined.push_back('/');
    joined.append(relative);

    Lookup lookup = Lookup::kUndecided;
    if (served->fd >= 0) lookup = LookupBeneath(served->fd, std::string(relative));
    if (lookup == Lookup::kUndecided) lookup = LookupWithRealPath(base, joined);

    switch (lookup) {
      case Lookup::kRegularFile:
        // The type follows the name the client asked for, not a symlink target's.
        return HttpResponse::File(std::move(joined), MimeTypeForPath(relative));
      case Lookup::kOutside:
        return HttpResponse::Error(Status::PermissionDenied("path leaves the served directory"));
      case Lookup::kNotFound:
      case Lookup::kUndecided:
        break;
    }
    return HttpResponse::Error(Status::NotFound("no such file"));
  };
}

}  // namespace streamgate
