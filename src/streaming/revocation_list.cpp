// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streaming/revocation_list.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>

namespace streamgate::internal {
namespace {

constexpr char kSchema[] = R"SQL(
CREATE TABLE IF NOT EXISTS revocations (
  content_id   TEXT NOT NULL,
  wallet       TEXT NOT NULL,
  revoked_by   TEXT NOT NULL,
  reason       TEXT NOT NULL DEFAULT '',
  created_unix INTEGER NOT NULL,
  PRIMARY KEY (content_id, wallet)
) WITHOUT ROWID;
)SQL";

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status FromSqlite(const std::exception& error) {
  if (const auto* sql = dynamic_cast<const SQLite::Exception*>(&error)) {
    const int code = sql->getErrorCode();
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      return Status::Unavailable("revocation database is busy");
    }
  }
  return Status::Internal(std::string("revocation database: ") + error.what());
}

bool IsBase58(char c) {
  // Bitcoin's alphabet: digits and letters without 0, O, I and l.
  return (c >= '1' && c <= '9') || (c >= 'A' && c <= 'H') || (c >= 'J' && c <= 'N') ||
         (c >= 'P' && c <= 'Z') || (c >= 'a' && c <= 'k') || (c >= 'm' && c <= 'z');
}

std::string SnapshotKey(std::string_view content_id, std::string_view wallet) {
  std::string key;
  key.reserve(content_id.size() + 1 + wallet.size());
  key.append(content_id).push_back('\n');
  key.append(wallet);
  return key;
}

}  // namespace

std::optional<std::string> CanonicalWallet(std::string_view wallet) {
  if (wallet.size() == 42 && (wallet.substr(0, 2) == "0x" || wallet.substr(0, 2) == "0X")) {
    std::string out = "0x";
    for (const char c : wallet.substr(2)) {
      if (c >= '0' && c <= '9') {
        out.push_back(c);
      } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
        out.push_back(static_cast<char>(c | 0x20));
      } else {
        return std::nullopt;
      }
    }
    return out;
  }
  if (wallet.size() < 32 || wallet.size() > 44) return std::nullopt;
  for (const char c : wallet) {
    if (!IsBase58(c)) return std::nullopt;
  }
  return std::string(wallet);
}

Result<std::unique_ptr<RevocationList>> RevocationList::Open(const std::string& path,
                                                             std::size_t max_entries) {
  if (path.empty()) return Status::InvalidArgument("revocation database path is empty");
  try {
    const std::filesystem::path file(path);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto db =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // Every process sharing the data directory opens this file: wait for their locks.
    db->setBusyTimeout(5000);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = NORMAL");
    db->exec(kSchema);
    std::unique_ptr<RevocationList> list(new RevocationList(std::move(db), max_entries));
    STREAMGATE_RETURN_IF_ERROR(list->Refresh());
    return list;
  } catch (const std::exception& e) {
    return FromSqlite(e).WithContext(path);
  }
}

RevocationList::RevocationList(std::unique_ptr<SQLite::Database> db, std::size_t max_entries)
    : max_entries_(max_entries), db_(std::move(db)) {}

RevocationList::~RevocationList() = default;

Status RevocationList::Refresh() {
  std::lock_guard<std::mutex> lock(db_mutex_);
  const int64_t started = SteadyMs();
  try {
    // Changes whenever another connection commits to the file; our own writes reload directly.
    SQLite::Statement version(*db_, "PRAGMA data_version");
    if (!version.executeStep()) return Status::Internal("PRAGMA data_version returned nothing");
    const int64_t current = version.getColumn(0).getInt64();
    if (current != data_version_) {
      STREAMGATE_RETURN_IF_ERROR(ReloadLocked());
      data_version_ = current;
    }
  } catch (const std::exception& e) {
    return FromSqlite(e);
  }
  checked_at_ms_.store(started, std::memory_order_relaxed);
  return Status::Ok();
}

Status RevocationList::ReloadLocked() {
  std::unordered_set<std::string> fresh;
  SQLite::Statement rows(*db_, "SELECT content_id, wallet FROM revocations");
  while (rows.executeStep()) {
    fresh.insert(SnapshotKey(rows.getColumn(0).getString(), rows.getColumn(1).getString()));
  }
  const std::size_t count = fresh.size();
  {
    std::unique_lock<std::shared_mutex> lock(snapshot_mutex_);
    snapshot_.swap(fresh);
  }
  count_.store(count, std::memory_order_relaxed);
  return Status::Ok();
}

Result<bool> RevocationList::Revoke(const Revocation& given) {
  Revocation revocation = given;
  const std::optional<std::string> canonical = CanonicalWallet(given.wallet);
  if (!canonical) return Status::InvalidArgument("not a wallet address");
  revocation.wallet = *canonical;
  std::lock_guard<std::mutex> lock(db_mutex_);
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement exists(*db_,
                               "SELECT 1 FROM revocations WHERE content_id = ? AND wallet = ?");
      exists.bind(1, revocation.content_id);
      exists.bind(2, revocation.wallet);
      if (exists.executeStep()) return false;
    }
    {
      SQLite::Statement count(*db_, "SELECT COUNT(*) FROM revocations");
      count.executeStep();
      if (static_cast<std::size_t>(count.getColumn(0).getInt64()) >= max_entries_) {
        return Status::ResourceExhausted("the revocation list is full (" +
                                         std::to_string(max_entries_) + " entries)");
      }
    }
    SQLite::Statement insert(*db_,
                             "INSERT INTO revocations (content_id, wallet, revoked_by, reason, "
                             "created_unix) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, revocation.content_id);
    insert.bind(2, revocation.wallet);
    insert.bind(3, revocation.revoked_by);
    insert.bind(4, revocation.reason);
    insert.bind(5, static_cast<int64_t>(revocation.created_unix));
    insert.exec();
    transaction.commit();
    STREAMGATE_RETURN_IF_ERROR(ReloadLocked());
    return true;
  } catch (const std::exception& e) {
    return FromSqlite(e);
  }
}

Result<bool> RevocationList::Restore(std::string_view content_id, std::string_view wallet) {
  std::lock_guard<std::mutex> lock(db_mutex_);
  try {
    SQLite::Statement remove(*db_, "DELETE FROM revocations WHERE content_id = ? AND wallet = ?");
    remove.bind(1, std::string(content_id));
    remove.bind(2, CanonicalWallet(wallet).value_or(std::string(wallet)));
    const int removed = remove.exec();
    if (removed > 0) STREAMGATE_RETURN_IF_ERROR(ReloadLocked());
    return removed > 0;
  } catch (const std::exception& e) {
    return FromSqlite(e);
  }
}

Result<std::vector<Revocation>> RevocationList::List(std::string_view content_id) {
  std::lock_guard<std::mutex> lock(db_mutex_);
  try {
    SQLite::Statement rows(*db_,
                           "SELECT content_id, wallet, revoked_by, reason, created_unix FROM "
                           "revocations WHERE content_id = ? ORDER BY created_unix, wallet");
    rows.bind(1, std::string(content_id));
    std::vector<Revocation> out;
    while (rows.executeStep()) {
      Revocation revocation;
      revocation.content_id = rows.getColumn(0).getString();
      revocation.wallet = rows.getColumn(1).getString();
      revocation.revoked_by = rows.getColumn(2).getString();
      revocation.reason = rows.getColumn(3).getString();
      revocation.created_unix = rows.getColumn(4).getInt64();
      out.push_back(std::move(revocation));
    }
    return out;
  } catch (const std::exception& e) {
    return FromSqlite(e);
  }
}

bool RevocationList::IsRevoked(std::string_view content_id, std::string_view wallet) const {
  if (count_.load(std::memory_order_relaxed) == 0) return false;
  const std::optional<std::string> canonical = CanonicalWallet(wallet);
  if (!canonical) return false;  // "anonymous" and the like: nothing can name them
  const std::string item = SnapshotKey(content_id, *canonical);
  const std::string every = SnapshotKey(kEveryContent, *canonical);
  std::shared_lock<std::shared_mutex> lock(snapshot_mutex_);
  return snapshot_.count(item) > 0 || snapshot_.count(every) > 0;
}

}  // namespace streamgate::internal
