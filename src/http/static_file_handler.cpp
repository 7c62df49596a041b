// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// StaticFileHandler: maps a route's catch-all parameter onto a file below a root directory. The
// parameter arrives percent-decoded, so "%2e%2e" is already ".." here. Two independent defences:
// a lexical check that rejects anything that could climb out (.., absolute paths, NUL,
// backslashes), then realpath(3) on the result, which must stay below realpath(root) — the only
// way to also refuse symlinks that point out of the root. Range, HEAD, ETag and sendfile are the
// server's business once it gets a file response.
#include <sys/stat.h>

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

}  // namespace

HttpHandler StaticFileHandler(std::string root, std::string param_name) {
  // Resolved once when possible: realpath of the root would otherwise cost a few syscalls per
  // request. A root that does not exist yet (created later by the service) is resolved per
  // request until then, without caching, so that no shared state needs a lock.
  auto resolved_root = std::make_shared<const std::string>(RealPath(root).value_or(""));
  return [root = std::move(root), param_name = std::move(param_name),
          resolved_root](HttpRequest& request) -> HttpResponse {
    const std::string_view relative = request.Param(param_name);
    if (relative.empty()) return HttpResponse::Error(Status::NotFound("no such file"));
    if (!IsSafeRelativePath(relative)) {
      return HttpResponse::Error(Status::PermissionDenied("path leaves the served directory"));
    }

    std::string base = *resolved_root;
    if (base.empty()) {
      std::optional<std::string> now = RealPath(root);
      if (!now) return HttpResponse::Error(Status::NotFound("no such file"));
      base = std::move(*now);
    }

    std::string joined = base;
    if (joined.back() != '/') joined.push_back('/');
    joined.append(relative);
    // ENOENT, ENOTDIR, ELOOP, EACCES: to the client all of these are "not here".
    std::optional<std::string> resolved = RealPath(joined);
    if (!resolved) return HttpResponse::Error(Status::NotFound("no such file"));
    if (!IsWithin(*resolved, base)) {
      return HttpResponse::Error(Status::PermissionDenied("path leaves the served directory"));
    }

    struct stat info {};
    if (stat(resolved->c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      // Directories (the root included: no listings), FIFOs and devices are never served.
      return HttpResponse::Error(Status::NotFound("no such file"));
    }
    // The type follows the name the client asked for, not the symlink target's.
    return HttpResponse::File(std::move(*resolved), MimeTypeForPath(relative));
  };
}

}  // namespace streamgate
