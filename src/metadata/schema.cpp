// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "metadata/schema.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>
#include <vector>

namespace streamgate::internal {
namespace {

// Migration i (1-based) brings the schema from version i-1 to i. Never edit a shipped entry:
// append a new one.
const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> migrations = {
      // 1: items, their full-text index (external content, kept in step by triggers; prefix
      // indexes for 2- and 3-letter prefixes; `rank` is bm25 with title 10, tags 5,
      // description 1, so that ORDER BY rank is sorted inside FTS5), and the key that signs
      // page cursors.
      R"sql(
CREATE TABLE items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  tags_text TEXT NOT NULL DEFAULT '',
  duration_s REAL NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  renditions TEXT NOT NULL DEFAULT '[]',
  gating_rule TEXT NOT NULL DEFAULT '',
  poster_key TEXT NOT NULL DEFAULT '',
  hls_key TEXT NOT NULL DEFAULT '',
  dash_key TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX items_owner ON items(owner, seq);
CREATE INDEX items_state ON items(state, seq);
CREATE VIRTUAL TABLE items_fts USING fts5(
  title, tags_text, description, content='items', content_rowid='seq',
  tokenize='unicode61 remove_diacritics 2', prefix='2 3');
INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0)');
CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
  INSERT INTO items_fts(rowid, title, tags_text, description)
    VALUES (new.seq, new.title, new.tags_text, new.description);
END;
CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, tags_text, description)
    VALUES ('delete', old.seq, old.title, old.tags_text, old.description);
END;
CREATE TRIGGER items_au AFTER UPDATE OF title, tags_text, description ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, tags_text, description)
    VALUES ('delete', old.seq, old.title, old.tags_text, old.description);
  INSERT INTO items_fts(rowid, title, tags_text, description)
    VALUES (new.seq, new.title, new.tags_text, new.description);
END;
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
INSERT INTO meta(name, value) VALUES ('cursor_key', randomblob(32));
)sql",
  };
  return migrations;
}

}  // namespace

Status MigrateMetadataSchema(SQLite::Database& db) {
  try {
    // One IMMEDIATE transaction: two processes opening a fresh file at once cannot both migrate.
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    int version = 0;
    {
      SQLite::Statement query(db, "SELECT version FROM schema_version");
      if (query.executeStep()) {
        version = query.getColumn(0).getInt();
      } else {
        db.exec("INSERT INTO schema_version(version) VALUES (0)");
      }
    }
    const auto& migrations = Migrations();
    if (version > static_cast<int>(migrations.size())) {
      return Status::FailedPrecondition(
          "metadata database schema version " + std::to_string(version) +
          " is newer than this build knows (" + std::to_string(migrations.size()) + ")");
    }
    for (int next = version + 1; next <= static_cast<int>(migrations.size()); ++next) {
      db.exec(migrations[static_cast<std::size_t>(next - 1)]);
      SQLite::Statement update(db, "UPDATE schema_version SET version = ?");
      update.bind(1, next);
      update.exec();
    }
    transaction.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("metadata schema migration failed: ") + e.what());
  }
}

}  // namespace streamgate::internal
