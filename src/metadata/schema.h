// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The metadata database schema as an ordered list of migrations. `schema_version` holds the
// number of migrations applied; opening a database applies the missing ones, each in its own
// transaction, and refuses a database newer than this code.
#pragma once

#include <SQLiteCpp/Database.h>

#include "streamgate/status.h"

namespace streamgate::internal {

inline constexpr int kMetadataSchemaVersion = 1;

// Precondition: no other connection writes concurrently (the store's writer lock is held).
// Throws nothing: SQLite errors become Unavailable / FailedPrecondition.
Status MigrateMetadataSchema(SQLite::Database& db);

}  // namespace streamgate::internal
