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
//   POST   /api/v1/stream/revocations  {"content_id","wallet","reason"}   owner or operator
//   DELETE /api/v1/stream/revocations?content_id=&wallet=                 owner or operator
//   GET    /api/v1/stream/revocations?content_id=                         owner or operator
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

  // Playback revocation (POST/DELETE/GET /api/v1/stream/revocations): an item's owner denies a
  // wallet that item; an operator (a wallet listed here, comma-separated) denies a wallet every
  // item ("*") or any one item. Checked when a token is minted and on every request under
  // /stream/ (from memory), so tokens minted before a revocation stop working at once.
  std::string revocation_admins;
  // The deny-list's SQLite file, shared by every process that shares the data directory.
  // Empty: <data_dir>/streaming/revocations.db.
  std::string revocations_db;
  // A process re-reads revocations written by other processes at least this often while it
  // serves requests; a playlist is never answered from a snapshot older than this.
  int64_t revocation_refresh_ms = 1000;

  // How files of a remote (S3) object store reach the viewer, after the token check:
  // kProxy streams them through this server (Range supported); kRedirect answers 302 to a
  // presigned GET URL valid for `presign_ttl_s` (the object store's endpoint must then be
  // reachable by viewers). Local stores always send files directly (sendfile).
  enum class S3Delivery { kProxy, kRedirect };
  S3Delivery s3_delivery = S3Delivery::kProxy;
  int64_t presign_ttl_s = 60;
};

}  // namespace streamgate
