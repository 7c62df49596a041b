// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Playback tokens: what a viewer who passed an item's gate carries on every playlist, segment
// and key request. A token is bound to (content id, wallet, expiry, path prefix) and signed with
// a server key (HMAC-SHA256, key id inside for rotation), so every request is checked in about a
// microsecond without a database look-up. It is deliberately not a JWT: a session JWT presented
// as a playback token (or the reverse) fails to parse, and the MAC input is domain-separated
// from every other use of the keys.
//
// Format (URL-safe, no padding): "pt1." base64url(kid "~" exp "~" content_id "~" wallet "~"
// path_prefix) "." base64url(HMAC-SHA256(key, "streamgate playback v1\n" + the first two parts)).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate {

struct PlaybackKey {
  std::string id;      // 1–64 characters [A-Za-z0-9._-] (the session-key format)
  std::string secret;  // raw bytes, at least 32
};

struct PlaybackTokenOptions {
  // The first key signs; every key verifies, so a new key can be put first while tokens minted
  // with the previous one are still valid.
  std::vector<PlaybackKey> keys;
  int64_t max_ttl_seconds = 6 * 60 * 60;  // Mint refuses longer grants
};

// What a token grants. Fields may not contain '~' and are bounded (content id and wallet ≤ 128
// bytes, path prefix ≤ 512).
struct PlaybackGrant {
  std::string content_id;
  std::string wallet;
  std::string path_prefix;   // e.g. "/stream/abc123/": requests must start with it
  int64_t expires_unix = 0;  // seconds since the epoch
};

// Thread-safe and immutable after Create: Mint and Verify from any thread. Owns its keys.
// Errors: as stated per method; Verify never touches storage, so it never blocks.
class PlaybackTokenSigner {
 public:
  // InvalidArgument for no keys, a malformed key id, a short secret or duplicate ids.
  static Result<std::unique_ptr<PlaybackTokenSigner>> Create(const PlaybackTokenOptions& options);
  ~PlaybackTokenSigner();
  PlaybackTokenSigner(const PlaybackTokenSigner&) = delete;
  PlaybackTokenSigner& operator=(const PlaybackTokenSigner&) = delete;

  // InvalidArgument for a malformed grant or one that expires beyond max_ttl from `now_unix`.
  Result<std::string> Mint(const PlaybackGrant& grant, int64_t now_unix) const;

  // Checks format, key id, MAC (constant time), expiry, content id and that `request_path`
  // lies under the granted prefix. Unauthenticated for a missing, malformed, forged or expired
  // token; PermissionDenied for a valid token used for another content item or path.
  Result<PlaybackGrant> Verify(std::string_view token, std::string_view content_id,
                               std::string_view request_path, int64_t now_unix) const;

 private:
  struct Impl;
  explicit PlaybackTokenSigner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamgate
