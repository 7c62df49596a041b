// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/session_keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/crypto/base64.h"
#include "auth/crypto/ed25519.h"
#include "auth/crypto/hex.h"

namespace streamgate::internal {
namespace {

bool IsKid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (const char c : kid) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r' ||
                           text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<std::vector<SessionKey>> ParseSessionKeys(std::string_view text,
                                                 SessionTokenAlgorithm algorithm) {
  std::vector<SessionKey> keys;
  text = Trim(text);
  while (!text.empty()) {
    const std::size_t comma = text.find_first_of(",\n");
    const std::string_view entry =
        Trim(comma == std::string_view::npos ? text : text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    const std::size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("session key entry is not kid:base64secret");
    }
    const std::string kid(entry.substr(0, colon));
    if (!IsKid(kid)) {
      return Status::InvalidArgument("session key id must be 1-64 of [A-Za-z0-9._-]");
    }
    Result<std::string> secret = crypto::DecodeBase64(entry.substr(colon + 1));
    if (!secret.ok()) {
      return Status::InvalidArgument("session key \"" + kid + "\": secret is not valid base64");
    }
    if (algorithm == SessionTokenAlgorithm::kHs256 && secret->size() < 32) {
      return Status::InvalidArgument("session key \"" + kid +
                                     "\": HS256 secrets must be at least 32 bytes");
    }
    if (algorithm == SessionTokenAlgorithm::kEdDsa && secret->size() != 32) {
      return Status::InvalidArgument("session key \"" + kid +
                                     "\": EdDSA secrets must be 32-byte seeds");
    }
    for (const SessionKey& key : keys) {
      if (key.kid == kid)
        return Status::InvalidArgument("duplicate session key id \"" + kid + "\"");
    }
    keys.push_back({kid, std::move(*secret)});
  }
  if (keys.empty()) return Status::InvalidArgument("no session key configured");
  return keys;
}

std::string GenerateSessionKeyEntry() {
  crypto::EnsureSodium();
  uint8_t secret[32];
  randombytes_buf(secret, sizeof(secret));
  uint8_t kid[4];
  randombytes_buf(kid, sizeof(kid));
  std::string entry = "k" + crypto::EncodeHex(kid, sizeof(kid), false) + ":" +
                      crypto::EncodeBase64(secret, sizeof(secret));
  sodium_memzero(secret, sizeof(secret));
  return entry;
}

Result<std::vector<SessionKey>> LoadOrCreateSessionKeyFile(const std::string& path,
                                                           SessionTokenAlgorithm algorithm) {
  std::error_code error;
  const std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  // O_EXCL: of two processes starting together, one creates the file and both read the same key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string content = GenerateSessionKeyEntry() + "\n";
    const bool written =
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced) {
      ::unlink(path.c_str());
      return Status::Internal("cannot write session key file " + path);
    }
  } else if (errno != EEXIST) {
    return Status::Internal("cannot create session key file " + path + ": " + std::strerror(errno));
  }
  std::ifstream in(path);
  if (!in) return Status::Internal("cannot read session key file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  Result<std::vector<SessionKey>> keys = ParseSessionKeys(content.str(), algorithm);
  if (!keys.ok()) {
    return Status::InvalidArgument("session key file " + path + ": " + keys.status().message());
  }
  return keys;
}

}  // namespace streamgate::internal
