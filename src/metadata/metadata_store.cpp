// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MetadataStore over SQLite in WAL mode: one writer connection (writes are serialised by a
// mutex, so SQLITE_BUSY between our own writers cannot happen) and a small pool of reader
// connections, which WAL lets run beside the writer. SQLiteCpp throws; every public method
// catches at this boundary and answers a Status whose message never carries SQL.
#include "streamgate/metadata_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/log.h"
#include "metadata/cursor.h"
#include "metadata/fts_query.h"
#include "metadata/schema.h"

namespace streamgate {

namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxOwnerBytes = 256;
constexpr std::size_t kMaxTags = 32;
constexpr std::size_t kMaxTagBytes = 64;
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr int kBusyTimeoutMs = 5000;
// Search pages by offset (bm25 scores are not stable keys); deep pages are bounded.
constexpr int64_t kMaxSearchOffset = 10000;

constexpr const char* kItemColumns =
    "seq, id, owner, title, description, tags, duration_s, state, renditions, gating_rule, "
    "poster_key, hls_key, dash_key, created_ms, updated_ms";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckText(std::string_view field, std::string_view text, std::size_t max_bytes,
                 bool allow_newlines) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + " longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  if (!internal::IsValidUtf8(text)) {
    return Status::InvalidArgument(std::string(field) + " is not valid UTF-8");
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool allowed_space = allow_newlines && (c == '\n' || c == '\r' || c == '\t');
    if ((u < 0x20 && !allowed_space) || u == 0x7F) {
      return Status::InvalidArgument(std::string(field) + " contains control characters");
    }
  }
  return Status::Ok();
}

Status CheckId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Status::InvalidArgument("id must be 1 to 128 characters of [A-Za-z0-9_-]");
  }
  for (const char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '_';
    if (!ok) return Status::InvalidArgument("id must be 1 to 128 characters of [A-Za-z0-9_-]");
  }
  return Status::Ok();
}

Status CheckJson(std::string_view field, std::string_view text, std::size_t max_bytes,
                 bool want_object) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + " longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    return Status::InvalidArgument(std::string(field) + " is not valid JSON");
  }
  if (want_object ? !parsed.is_object() : !parsed.is_array()) {
    return Status::InvalidArgument(std::string(field) + " must be a JSON " +
                                   (want_object ? "object" : "array"));
  }
  return Status::Ok();
}

Status ValidateItem(const ContentItem& item, const MetadataStoreOptions& options) {
  STREAMGATE_RETURN_IF_ERROR(CheckId(item.id));
  if (item.owner.empty()) return Status::InvalidArgument("owner must not be empty");
  STREAMGATE_RETURN_IF_ERROR(CheckText("owner", item.owner, kMaxOwnerBytes, false));
  STREAMGATE_RETURN_IF_ERROR(CheckText("title", item.title, options.max_title_bytes, false));
  STREAMGATE_RETURN_IF_ERROR(
      CheckText("description", item.description, options.max_description_bytes, true));
  if (item.tags.size() > kMaxTags) return Status::InvalidArgument("more than 32 tags");
  for (const std::string& tag : item.tags) {
    if (tag.empty()) return Status::InvalidArgument("empty tag");
    STREAMGATE_RETURN_IF_ERROR(CheckText("tag", tag, kMaxTagBytes, false));
  }
  if (!std::isfinite(item.duration_s) || item.duration_s < 0) {
    return Status::InvalidArgument("duration_s must be a finite number >= 0");
  }
  STREAMGATE_RETURN_IF_ERROR(
      CheckJson("renditions", item.renditions_json, options.max_json_bytes, false));
  if (!item.gating_rule_json.empty()) {
    STREAMGATE_RETURN_IF_ERROR(
        CheckJson("gating_rule", item.gating_rule_json, options.max_json_bytes, true));
  }
  STREAMGATE_RETURN_IF_ERROR(CheckText("poster", item.poster_key, kMaxKeyBytes, false));
  STREAMGATE_RETURN_IF_ERROR(CheckText("hls", item.hls_key, kMaxKeyBytes, false));
  STREAMGATE_RETURN_IF_ERROR(CheckText("dash", item.dash_key, kMaxKeyBytes, false));
  return Status::Ok();
}

std::string TagsJson(const std::vector<std::string>& tags) { return nlohmann::json(tags).dump(); }

std::string TagsText(const std::vector<std::string>& tags) {
  std::string text;
  for (const std::string& tag : tags) text += (text.empty() ? "" : " ") + tag;
  return text;
}

std::string RandomId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Practically unreachable; fall back to time so that creation still works.
    const int64_t now = NowMs();
    for (std::size_t i = 0; i < sizeof bytes; ++i) {
      bytes[i] = static_cast<unsigned char>(now >> ((i % 8) * 8)) ^ static_cast<unsigned char>(i);
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xF];
  }
  return id;
}

// Reads one row selected with kItemColumns.
ContentItem ReadItem(SQLite::Statement& row) {
  ContentItem item;
  item.id = row.getColumn(1).getString();
  item.owner = row.getColumn(2).getString();
  item.title = row.getColumn(3).getString();
  item.description = row.getColumn(4).getString();
  const nlohmann::json tags = nlohmann::json::parse(row.getColumn(5).getString(), nullptr, false);
  if (tags.is_array()) {
    for (const auto& tag : tags) {
      if (tag.is_string()) item.tags.push_back(tag.get<std::string>());
    }
  }
  item.duration_s = row.getColumn(6).getDouble();
  item.state = ParseContentState(row.getColumn(7).getString()).value_or(ContentState::kFailed);
  item.renditions_json = row.getColumn(8).getString();
  item.gating_rule_json = row.getColumn(9).getString();
  item.poster_key = row.getColumn(10).getString();
  item.hls_key = row.getColumn(11).getString();
  item.dash_key = row.getColumn(12).getString();
  item.created_unix_ms = row.getColumn(13).getInt64();
  item.updated_unix_ms = row.getColumn(14).getInt64();
  return item;
}

void ApplyPatch(ContentItem& item, const ContentPatch& patch) {
  if (patch.title) item.title = *patch.title;
  if (patch.description) item.description = *patch.description;
  if (patch.tags) item.tags = *patch.tags;
  if (patch.duration_s) item.duration_s = *patch.duration_s;
  if (patch.state) item.state = *patch.state;
  if (patch.renditions_json) item.renditions_json = *patch.renditions_json;
  if (patch.gating_rule_json) item.gating_rule_json = *patch.gating_rule_json;
  if (patch.poster_key) item.poster_key = *patch.poster_key;
  if (patch.hls_key) item.hls_key = *patch.hls_key;
  if (patch.dash_key) item.dash_key = *patch.dash_key;
}

Status StorageError(std::string_view what, const std::exception& e) {
  internal::Logger("metadata")->error("{}: {}", what, e.what());
  return Status::Unavailable(std::string("metadata store: ") + std::string(what) + " failed");
}

}  // namespace

std::string_view ContentStateName(ContentState state) {
  switch (state) {
    case ContentState::kUploading:
      return "uploading";
    case ContentState::kUploaded:
      return "uploaded";
    case ContentState::kProcessing:
      return "processing";
    case ContentState::kReady:
      return "ready";
    case ContentState::kFailed:
      return "failed";
  }
  return "failed";
}

Result<ContentState> ParseContentState(std::string_view name) {
  for (ContentState state :
       {ContentState::kUploading, ContentState::kUploaded, ContentState::kProcessing,
        ContentState::kReady, ContentState::kFailed}) {
    if (ContentStateName(state) == name) return state;
  }
  return Status::InvalidArgument("state must be one of uploading|uploaded|processing|ready|failed");
}

struct MetadataStore::Impl {
  MetadataStoreOptions options;
  std::mutex write_mu;
  std::unique_ptr<SQLite::Database> writer;
  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<std::unique_ptr<SQLite::Database>> idle_readers;
  std::unique_ptr<internal::CursorCodec> cursors;

  // A reader connection for the scope of one call.
  class Reader {
   public:
    explicit Reader(Impl& impl) : impl_(impl) {
      std::unique_lock lock(impl_.readers_mu);
      impl_.readers_cv.wait(lock, [&] { return !impl_.idle_readers.empty(); });
      db_ = std::move(impl_.idle_readers.back());
      impl_.idle_readers.pop_back();
    }
    ~Reader() {
      {
        std::lock_guard lock(impl_.readers_mu);
        impl_.idle_readers.push_back(std::move(db_));
      }
      impl_.readers_cv.notify_one();
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    SQLite::Database& db() { return *db_; }

   private:
    Impl& impl_;
    std::unique_ptr<SQLite::Database> db_;
  };

  static Result<ContentItem> Load(SQLite::Database& db, std::string_view id) {
    SQLite::Statement query(db, std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?");
    query.bind(1, std::string(id));
    if (!query.executeStep()) return Status::NotFound("no content item with this id");
    return ReadItem(query);
  }

  void Changed(const std::string& id) {
    if (!options.on_change) return;
    try {
      options.on_change(id);
    } catch (const std::exception& e) {
      internal::Logger("metadata")->warn("on_change callback threw: {}", e.what());
    }
  }

  Result<ContentItem> UpdateImpl(std::string_view id, const ContentPatch& patch,
                                 const std::string_view* caller) {
    STREAMGATE_RETURN_IF_ERROR(CheckId(id));
    ContentItem item;
    try {
      std::lock_guard lock(write_mu);
      SQLite::Transaction transaction(*writer, SQLite::TransactionBehavior::IMMEDIATE);
      STREAMGATE_ASSIGN_OR_RETURN(item, Load(*writer, id));
      if (caller != nullptr && item.owner != *caller) {
        return Status::PermissionDenied("only the owner may change this content item");
      }
      if (patch.only_if_state && item.state != *patch.only_if_state) {
        return Status::FailedPrecondition("content item is " +
                                          std::string(ContentStateName(item.state)));
      }
      ApplyPatch(item, patch);
      STREAMGATE_RETURN_IF_ERROR(ValidateItem(item, options));
      item.updated_unix_ms = std::max(NowMs(), item.created_unix_ms);
      SQLite::Statement update(*writer,
                               "UPDATE items SET title = ?, description = ?, tags = ?, "
                               "tags_text = ?, duration_s = ?, state = ?, renditions = ?, "
                               "gating_rule = ?, poster_key = ?, hls_key = ?, dash_key = ?, "
                               "updated_ms = ? WHERE id = ?");
      update.bind(1, item.title);
      update.bind(2, item.description);
      update.bind(3, TagsJson(item.tags));
      update.bind(4, TagsText(item.tags));
      update.bind(5, item.duration_s);
      update.bind(6, std::string(ContentStateName(item.state)));
      update.bind(7, item.renditions_json);
      update.bind(8, item.gating_rule_json);
      update.bind(9, item.poster_key);
      update.bind(10, item.hls_key);
      update.bind(11, item.dash_key);
      update.bind(12, item.updated_unix_ms);
      update.bind(13, item.id);
      update.exec();
      transaction.commit();
    } catch (const std::exception& e) {
      return StorageError("update", e);
    }
    Changed(item.id);
    return item;
  }
};

MetadataStore::MetadataStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetadataStore::~MetadataStore() = default;

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(const MetadataStoreOptions& options) {
  if (options.path.empty() || options.path == ":memory:" || options.path.rfind("file:", 0) == 0) {
    return Status::InvalidArgument("metadata store: path must name a database file");
  }
  if (options.max_page_size == 0 || options.reader_connections == 0) {
    return Status::InvalidArgument("metadata store: page size and reader count must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  try {
    impl->writer = std::make_unique<SQLite::Database>(
        options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
        kBusyTimeoutMs);
    impl->writer->exec("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or
    // power loss may lose the last transactions, never corrupt the file.
    impl->writer->exec("PRAGMA synchronous = NORMAL");
    impl->writer->exec("PRAGMA foreign_keys = ON");
  } catch (const std::exception& e) {
    internal::Logger("metadata")->error("cannot open {}: {}", options.path, e.what());
    return Status::Unavailable("metadata store: cannot open the database file");
  }
  STREAMGATE_RETURN_IF_ERROR(internal::MigrateMetadataSchema(*impl->writer));
  try {
    SQLite::Statement key(*impl->writer, "SELECT value FROM meta WHERE name = 'cursor_key'");
    if (!key.executeStep()) return Status::DataLoss("metadata store: cursor key missing");
    const SQLite::Column column = key.getColumn(0);
    impl->cursors = std::make_unique<internal::CursorCodec>(std::string(
        static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes())));
    for (std::size_t i = 0; i < options.reader_connections; ++i) {
      auto reader = std::make_unique<SQLite::Database>(
          options.path, SQLite::OPEN_READONLY | SQLite::OPEN_FULLMUTEX, kBusyTimeoutMs);
      impl->idle_readers.push_back(std::move(reader));
    }
  } catch (const std::exception& e) {
    return StorageError("open", e);
  }
  return std::unique_ptr<MetadataStore>(new MetadataStore(std::move(impl)));
}

Result<ContentItem> MetadataStore::Create(ContentItem item) {
  if (item.id.empty()) item.id = RandomId();
  STREAMGATE_RETURN_IF_ERROR(ValidateItem(item, impl_->options));
  try {
    std::lock_guard lock(impl_->write_mu);
    item.created_unix_ms = item.updated_unix_ms = NowMs();
    SQLite::Statement insert(
        *impl_->writer,
        "INSERT INTO items(id, owner, title, description, tags, tags_text, duration_s, state, "
        "renditions, gating_rule, poster_key, hls_key, dash_key, created_ms, updated_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
    insert.bind(1, item.id);
    insert.bind(2, item.owner);
    insert.bind(3, item.title);
    insert.bind(4, item.description);
    insert.bind(5, TagsJson(item.tags));
    insert.bind(6, TagsText(item.tags));
    insert.bind(7, item.duration_s);
    insert.bind(8, std::string(ContentStateName(item.state)));
    insert.bind(9, item.renditions_json);
    insert.bind(10, item.gating_rule_json);
    insert.bind(11, item.poster_key);
    insert.bind(12, item.hls_key);
    insert.bind(13, item.dash_key);
    insert.bind(14, item.created_unix_ms);
    insert.bind(15, item.updated_unix_ms);
    if (insert.exec() == 0) return Status::AlreadyExists("a content item with this id exists");
  } catch (const std::exception& e) {
    return StorageError("create", e);
  }
  impl_->Changed(item.id);
  return item;
}

Result<ContentItem> MetadataStore::Get(std::string_view id) {
  STREAMGATE_RETURN_IF_ERROR(CheckId(id));
  try {
    Impl::Reader reader(*impl_);
    return Impl::Load(reader.db(), id);
  } catch (const std::exception& e) {
    return StorageError("get", e);
  }
}

Result<ContentItem> MetadataStore::Update(std::string_view id, const ContentPatch& patch,
                                          std::string_view caller) {
  return impl_->UpdateImpl(id, patch, &caller);
}

Result<ContentItem> MetadataStore::UpdateTrusted(std::string_view id, const ContentPatch& patch) {
  return impl_->UpdateImpl(id, patch, nullptr);
}

Status MetadataStore::Delete(std::string_view id, std::string_view caller) {
  STREAMGATE_RETURN_IF_ERROR(CheckId(id));
  try {
    std::lock_guard lock(impl_->write_mu);
    SQLite::Transaction transaction(*impl_->writer, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement owner(*impl_->writer, "SELECT owner FROM items WHERE id = ?");
    owner.bind(1, std::string(id));
    if (!owner.executeStep()) return Status::NotFound("no content item with this id");
    if (owner.getColumn(0).getString() != caller) {
      return Status::PermissionDenied("only the owner may delete this content item");
    }
    owner.reset();
    SQLite::Statement remove(*impl_->writer, "DELETE FROM items WHERE id = ?");
    remove.bind(1, std::string(id));
    remove.exec();
    transaction.commit();
  } catch (const std::exception& e) {
    return StorageError("delete", e);
  }
  impl_->Changed(std::string(id));
  return Status::Ok();
}

Result<ContentPage> MetadataStore::List(const ContentListQuery& query) {
  if (query.limit == 0 || query.limit > impl_->options.max_page_size) {
    return Status::InvalidArgument("limit must be between 1 and " +
                                   std::to_string(impl_->options.max_page_size));
  }
  if (query.owner)
    STREAMGATE_RETURN_IF_ERROR(CheckText("owner", *query.owner, kMaxOwnerBytes, false));
  // The scope binds a cursor to these filters; lengths keep "a|b" from colliding.
  std::string scope = "list|";
  if (query.owner) scope += std::to_string(query.owner->size()) + ":" + *query.owner;
  scope += "|";
  if (query.state) scope += ContentStateName(*query.state);
  int64_t before_seq = INT64_MAX;
  if (!query.cursor.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(before_seq, impl_->cursors->Decode(query.cursor, scope));
  }
  std::string sql = std::string("SELECT ") + kItemColumns + " FROM items WHERE seq < ?";
  if (query.owner) sql += " AND owner = ?";
  if (query.state) sql += " AND state = ?";
  sql += " ORDER BY seq DESC LIMIT ?";
  ContentPage page;
  try {
    Impl::Reader reader(*impl_);
    SQLite::Statement select(reader.db(), sql);
    int index = 1;
    select.bind(index++, before_seq);
    if (query.owner) select.bind(index++, *query.owner);
    if (query.state) select.bind(index++, std::string(ContentStateName(*query.state)));
    select.bind(index, static_cast<int64_t>(query.limit + 1));
    int64_t last_seq = 0;
    while (select.executeStep()) {
      if (page.items.size() == query.limit) {
        page.next_cursor = impl_->cursors->Encode(scope, last_seq);
        break;
      }
      last_seq = select.getColumn(0).getInt64();
      page.items.push_back(ReadItem(select));
    }
  } catch (const std::exception& e) {
    return StorageError("list", e);
  }
  return page;
}

Result<ContentPage> MetadataStore::Search(const ContentSearchQuery& query) {
  if (query.limit == 0 || query.limit > impl_->options.max_page_size) {
    return Status::InvalidArgument("limit must be between 1 and " +
                                   std::to_string(impl_->options.max_page_size));
  }
  STREAMGATE_ASSIGN_OR_RETURN(const std::string match,
                              internal::BuildFtsQuery(query.text, impl_->options.max_query_bytes,
                                                      impl_->options.max_query_terms));
  const std::string scope = "search|" + match;
  int64_t offset = 0;
  if (!query.cursor.empty()) {
    STREAMGATE_ASSIGN_OR_RETURN(offset, impl_->cursors->Decode(query.cursor, scope));
    if (offset > kMaxSearchOffset) return Status::InvalidArgument("invalid cursor");
  }
  ContentPage page;
  try {
    Impl::Reader reader(*impl_);
    // The ranking runs on the full-text index alone (rank = weighted bm25, see schema.cpp);
    // only the rows of the page are then joined with their items.
    SQLite::Statement select(
        reader.db(),
        "SELECT i.seq, i.id, i.owner, i.title, i.description, i.tags, i.duration_s, i.state, "
        "i.renditions, i.gating_rule, i.poster_key, i.hls_key, i.dash_key, i.created_ms, "
        "i.updated_ms FROM (SELECT rowid AS seq, rank FROM items_fts WHERE items_fts MATCH ? "
        "ORDER BY rank LIMIT ? OFFSET ?) AS hits JOIN items i ON i.seq = hits.seq "
        "ORDER BY hits.rank, hits.seq");
    select.bind(1, match);
    select.bind(2, static_cast<int64_t>(query.limit + 1));
    select.bind(3, offset);
    while (select.executeStep()) {
      if (page.items.size() == query.limit) {
        const int64_t next = offset + static_cast<int64_t>(query.limit);
        if (next <= kMaxSearchOffset) page.next_cursor = impl_->cursors->Encode(scope, next);
        break;
      }
      page.items.push_back(ReadItem(select));
    }
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() != SQLITE_ERROR) return StorageError("search", e);
    // The expression is built from quoted tokens only, so an FTS syntax error means input the
    // translator did not anticipate: report it as the caller's, without SQLite's text.
    internal::Logger("metadata")->warn("search failed for expression {}: {}", match, e.what());
    return Status::InvalidArgument("search query could not be interpreted");
  } catch (const std::exception& e) {
    return StorageError("search", e);
  }
  return page;
}

Result<uint64_t> MetadataStore::Count() {
  try {
    Impl::Reader reader(*impl_);
    SQLite::Statement count(reader.db(), "SELECT COUNT(*) FROM items");
    count.executeStep();
    return static_cast<uint64_t>(count.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return StorageError("count", e);
  }
}

}  // namespace streamgate
