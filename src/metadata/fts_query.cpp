// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "metadata/fts_query.h"

#include <cstdint>
#include <vector>

namespace streamgate::internal {
namespace {

// A token character in the sense of FTS5's unicode61 tokenizer, as far as ASCII goes; every
// non-ASCII byte is kept and left to the tokenizer, which is safe inside a quoted string.
bool IsTokenByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool StartsWithTagPrefix(std::string_view word) {
  if (word.size() < 4) return false;
  const std::string_view head = word.substr(0, 4);
  return (head[0] | 0x20) == 't' && (head[1] | 0x20) == 'a' && (head[2] | 0x20) == 'g' &&
         head[3] == ':';
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    uint32_t code = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMin[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

Result<std::string> BuildFtsQuery(std::string_view text, std::size_t max_bytes,
                                  std::size_t max_terms) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument("search query longer than " + std::to_string(max_bytes) +
                                   " bytes");
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument("search query is not valid UTF-8");
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != ' ' && c != '\t') || u == 0x7F) {
      return Status::InvalidArgument("search query contains control characters");
    }
  }
  std::string out;
  std::size_t terms = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    std::size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    std::string_view word = text.substr(pos, end - pos);
    pos = end;
    if (word.empty()) continue;
    const bool tags_only = StartsWithTagPrefix(word);
    if (tags_only) word.remove_prefix(4);
    const bool prefix = !word.empty() && word.back() == '*';
    // Tokens of the word, as the tokenizer would split them; quoting keeps them literal.
    std::vector<std::string_view> tokens;
    for (std::size_t i = 0; i < word.size();) {
      while (i < word.size() && !IsTokenByte(static_cast<unsigned char>(word[i]))) ++i;
      std::size_t j = i;
      while (j < word.size() && IsTokenByte(static_cast<unsigned char>(word[j]))) ++j;
      if (j > i) tokens.push_back(word.substr(i, j - i));
      i = j;
    }
    if (tokens.empty()) continue;
    if (++terms > max_terms) {
      return Status::InvalidArgument("search query has more than " + std::to_string(max_terms) +
                                     " words");
    }
    if (!out.empty()) out += " AND ";
    if (tags_only) {
      out += kFtsTagsColumn;
      out += " : ";
    }
    out += '"';
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (t > 0) out += ' ';
      out += tokens[t];  // holds no '"': only token bytes
    }
    out += '"';
    if (prefix) out += '*';
  }
  if (terms == 0) return Status::InvalidArgument("search query has no words to search for");
  return out;
}

}  // namespace streamgate::internal
