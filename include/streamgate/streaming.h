// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Gated delivery: the streaming plugin (NewStreamingPlugin in plugins.h) turns a signed-in
// viewer who passes an item's gate into a playback token (playback_token.h), then serves the
// packaged item (packager.h) under /stream/{content_id}/… with that token on every URI.
//
//   GET /api/v1/stream/info?content_id=     state, renditions, duration, gate summary (public)
//   GET /api/v1/stream/hls?content_id=      Authorization: Bearer <session JWT>; runs the gate,
//   GET /api/v1/stream/dash?content_id=     mints a token, answers 302 to the tokenised
//                                           master.m3u8 / manifest.mpd (JSON with the URL when
//                                           the client accepts application/json)
//   GET /api/v1/stream/segment?content_id=&path=&token=   the seed's segment endpoint
//   GET /stream/{content_id}/{path...}?token=             playlists, init/media segments, keys
//
// The gate: an item without a gating rule is public; its owner always passes; anyone else must
// hold what the rule names, checked on chain (ownership.h) — an RPC failure denies.
// This header holds only options (plain values); the plugin owns the signer, the package cache
// and its borrowed stores (see docs/architecture.md, "Gated delivery").
#pragma once

#include <cstdint>
#include <string>

namespace streamgate {

// The `streaming.*` configuration section.
struct StreamingOptions {
  // Lifetime of a playback token; never beyond the viewer's session.
  int64_t token_ttl_s = 3600;
  // Signing keys as "kid:base64secret,…" (the first signs, all verify). Empty: keys come from
  // `key_file`, created with one random key when missing (default <data_dir>/streaming/keys).
  std::string playback_keys;
  std::string key_file;
  // Access-Control-Allow-Origin on delivery responses; "" sends no CORS headers. Tokens travel
  // in URLs, never in cookies, so "*" exposes nothing extra.
  std::string cors_allow_origin = "*";
  // Cache-Control max-age of segments and init segments (they never change once published).
  int64_t segment_max_age_s = 3600;
  // Packaged items kept parsed in memory (package.json), so playlists render without I/O.
  int64_t package_cache_entries = 256;
};

}  // namespace streamgate
