// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MetadataStore: the catalogue of content items (title, owner, state, renditions, gating rule,
// manifest keys), with owner-checked updates, cursor pagination and ranked full-text search.
// Backed by SQLite (WAL) at <data_dir>/metadata.db; the schema is migrated on open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"
#include "streamgate/status.h"

namespace streamgate {

// The life cycle of an item: uploading → uploaded → processing → ready, or failed.
enum class ContentState { kUploading, kUploaded, kProcessing, kReady, kFailed };
// "uploading", "uploaded", "processing", "ready", "failed".
std::string_view ContentStateName(ContentState state);
// InvalidArgument for anything else (case-sensitive).
Result<ContentState> ParseContentState(std::string_view name);

struct ContentItem {
  std::string id;     // [A-Za-z0-9_-]{1,128}; generated (32 hex digits) when created empty
  std::string owner;  // who may update and delete it (an address, a user id, "anonymous")
  std::string title;
  std::string description;
  std::vector<std::string> tags;  // each 1..64 bytes, no control characters; at most 32
  double duration_s = 0;
  ContentState state = ContentState::kUploading;
  std::string renditions_json = "[]";  // a JSON array (transcode.completed's "renditions")
  // The chain helper's gating rule: a JSON object, or "" for an ungated item.
  std::string gating_rule_json;
  std::string poster_key;  // object-store keys; "" until transcoded
  std::string hls_key;
  std::string dash_key;
  int64_t created_unix_ms = 0;  // set by the store
  int64_t updated_unix_ms = 0;  // set by the store
};

// The fields an update changes; absent fields stay as they are. Owner and id never change.
struct ContentPatch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<double> duration_s;
  std::optional<ContentState> state;
  std::optional<std::string> renditions_json;
  std::optional<std::string> gating_rule_json;
  std::optional<std::string> poster_key;
  std::optional<std::string> hls_key;
  std::optional<std::string> dash_key;
  // When set, the update applies only while the item is in this state, and otherwise fails
  // with FailedPrecondition and changes nothing: event handlers use it so that a late or
  // redelivered event never moves an item backwards (ready -> processing).
  std::optional<ContentState> only_if_state;
};

struct ContentPage {
  std::vector<ContentItem> items;
  // Pass back to get the next page; "" when this is the last page.
  std::string next_cursor;
};

struct ContentListQuery {
  std::optional<std::string> owner;   // only this owner's items
  std::optional<ContentState> state;  // only items in this state
  std::size_t limit = 20;             // 1..max_page_size (InvalidArgument beyond)
  // From a previous page of the same query (InvalidArgument for a foreign or altered cursor).
  std::string cursor;
};

struct ContentSearchQuery {
  // Words, matched as whole tokens in title, description and tags; `word*` matches a prefix;
  // `tag:word` matches tags only. Every word must match. Anything else (quotes, operators,
  // punctuation) is treated as a separator, never as FTS syntax. At most max_query_bytes.
  std::string text;
  std::size_t limit = 20;
  std::string cursor;
};

struct MetadataStoreOptions {
  // The SQLite file, e.g. <data_dir>/metadata.db; its directory must exist. ":memory:" is not
  // supported (readers open their own connections).
  std::string path;
  std::size_t max_page_size = 100;
  std::size_t max_query_bytes = 256;
  std::size_t max_query_terms = 16;
  std::size_t max_title_bytes = 512;
  std::size_t max_description_bytes = 16 * 1024;
  std::size_t max_json_bytes = 64 * 1024;  // renditions and gating rule, each
  std::size_t reader_connections = 4;      // concurrent List/Get/Search
  // Called after every committed change (create, update, delete) with the item's id, on the
  // thread that made the change; the metadata plugin publishes `content.updated` from here.
  std::function<void(const std::string& content_id)> on_change;
};

// Thread-safe: every method may be called from any thread; writes are serialised, reads run
// concurrently on their own connections. Calls block on disk: use worker threads. Ownership:
// owns its SQLite connections; closing (destruction) waits for calls in progress.
class MetadataStore {
 public:
  // Opens (creating if needed) and migrates the database. Unavailable when the file cannot be
  // opened, FailedPrecondition when its schema is newer than this library knows.
  static Result<std::unique_ptr<MetadataStore>> Open(const MetadataStoreOptions& options);
  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // Stores a new item (id generated when empty; timestamps set). AlreadyExists for a taken id,
  // InvalidArgument for invalid fields. Returns the stored item.
  Result<ContentItem> Create(ContentItem item);
  // NotFound when absent.
  Result<ContentItem> Get(std::string_view id);
  // Applies `patch` when `caller` owns the item: PermissionDenied otherwise, NotFound when
  // absent. Returns the updated item.
  Result<ContentItem> Update(std::string_view id, const ContentPatch& patch,
                             std::string_view caller);
  // The same without the owner check, for trusted producers (transcoder events).
  Result<ContentItem> UpdateTrusted(std::string_view id, const ContentPatch& patch);
  // Removes the item when `caller` owns it (PermissionDenied otherwise, NotFound when absent).
  Status Delete(std::string_view id, std::string_view caller);
  // Newest first, in a stable order: items added while paging never cause repeats or gaps
  // among the items that existed when paging began.
  Result<ContentPage> List(const ContentListQuery& query);
  // Best match first (bm25; title weighs most, then tags, then description).
  Result<ContentPage> Search(const ContentSearchQuery& query);
  // Number of items (for health and tests).
  Result<uint64_t> Count();

 private:
  struct Impl;
  explicit MetadataStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The `metadata.*` configuration section.
struct MetadataConfig {
  // Take the caller's identity from the X-StreamGate-Owner header (trusted front ends and tests
  // only); otherwise every caller is "anonymous" until session authentication is wired in.
  bool trust_owner_header = false;
  uint64_t max_page_size = 100;
};

}  // namespace streamgate
