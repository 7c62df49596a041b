// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Translates a user's search text into an FTS5 MATCH expression that cannot carry FTS syntax:
// every word becomes a double-quoted string (a phrase when punctuation splits it), optionally a
// prefix (`word*`) or restricted to the tags column (`tag:word`), and the words are ANDed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

// The FTS5 column holding an item's tags (space-joined).
inline constexpr std::string_view kFtsTagsColumn = "tags_text";

// InvalidArgument for text longer than max_bytes, invalid UTF-8, control characters, no word
// at all, or more than max_terms words.
Result<std::string> BuildFtsQuery(std::string_view text, std::size_t max_bytes,
                                  std::size_t max_terms);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace streamgate::internal
