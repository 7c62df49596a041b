// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Per-viewer playback revocation: a deny-list of (content id, wallet) pairs, where content id
// "*" denies a wallet on every item. Durable in a small SQLite file (by default
// <data_dir>/streaming/revocations.db) that every process sharing the data directory opens, the
// way metadata.db is shared. Readers never touch the file: IsRevoked() looks at an in-memory
// snapshot, replaced by Refresh() when the file changed (one `PRAGMA data_version`, answered
// from SQLite's shared memory), so the delivery hot path pays one atomic load while the list is
// empty and a hash look-up otherwise.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "streamgate/result.h"

namespace SQLite {
class Database;
}

namespace streamgate::internal {

inline constexpr std::string_view kEveryContent = "*";

struct Revocation {
  std::string content_id;  // an item's id, or "*" for every item
  std::string wallet;      // canonical (CanonicalWallet)
  std::string revoked_by;  // the wallet that revoked
  std::string reason;      // free text, at most kMaxRevocationReasonBytes
  int64_t created_unix = 0;
};

inline constexpr std::size_t kMaxRevocationReasonBytes = 256;

// The spelling revocations are keyed by: an EVM address ("0x" + 40 hex digits) lower-cased, or
// a Solana address (32-44 base58 characters) as is; nullopt for anything else.
std::optional<std::string> CanonicalWallet(std::string_view wallet);

// Thread-safe. Writes and Refresh block (SQLite; worker threads only); IsRevoked never does.
class RevocationList {
 public:
  // Creates the file and its directory when missing. `max_entries` bounds the list (and so the
  // memory every process spends on it).
  static Result<std::unique_ptr<RevocationList>> Open(const std::string& path,
                                                      std::size_t max_entries = 100'000);
  ~RevocationList();
  RevocationList(const RevocationList&) = delete;
  RevocationList& operator=(const RevocationList&) = delete;

  // True when added, false when the pair was already revoked (its record is kept as it was).
  // InvalidArgument for a wallet CanonicalWallet refuses; ResourceExhausted when the list is
  // full. Wallets may be given in any spelling CanonicalWallet accepts, here and in Restore.
  Result<bool> Revoke(const Revocation& revocation);
  // True when removed, false when the pair was not revoked.
  Result<bool> Restore(std::string_view content_id, std::string_view wallet);
  // Revocations of one item (or, for "*", the ones on every item), oldest first.
  Result<std::vector<Revocation>> List(std::string_view content_id);

  // Re-reads the list if another connection (another process) changed it since the last read.
  Status Refresh();
  // Steady-clock milliseconds when the snapshot was last known current.
  int64_t checked_at_ms() const { return checked_at_ms_.load(std::memory_order_relaxed); }

  // Is `wallet` (any spelling CanonicalWallet accepts) denied `content_id` by the snapshot?
  bool IsRevoked(std::string_view content_id, std::string_view wallet) const;
  std::size_t size() const { return count_.load(std::memory_order_relaxed); }

 private:
  RevocationList(std::unique_ptr<SQLite::Database> db, std::size_t max_entries);
  Status ReloadLocked();  // requires db_mutex_

  const std::size_t max_entries_;
  std::mutex db_mutex_;  // guards db_ and data_version_
  std::unique_ptr<SQLite::Database> db_;
  int64_t data_version_ = -1;

  mutable std::shared_mutex snapshot_mutex_;  // guards snapshot_
  std::unordered_set<std::string> snapshot_;  // content_id + '\n' + canonical wallet
  std::atomic<std::size_t> count_{0};
  std::atomic<int64_t> checked_at_ms_{0};
};

}  // namespace streamgate::internal
