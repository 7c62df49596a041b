// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/session_claims_json.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace streamgate::internal {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

  bool String(std::string& out) {
    if (!Consume('"')) return false;
    out.clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return false;
          unsigned code = 0;
          const auto [ptr, ec] =
              std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, code, 16);
          if (ec != std::errc() || ptr != text_.data() + pos_ + 4) return false;
          pos_ += 4;
          if (code >= 0xd800 && code <= 0xdfff) return false;  // we never write surrogates
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
          }
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool Integer(int64_t& out) {
    SkipSpace();
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    const auto [ptr, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || ptr == begin) return false;
    // JSON has no leading zeros and no fractions/exponents in the integers we write.
    if ((*begin == '0' && ptr - begin > 1) ||
        (ptr < end && (*ptr == '.' || *ptr == 'e' || *ptr == 'E'))) {
      return false;
    }
    pos_ += static_cast<std::size_t>(ptr - begin);
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string EncodeSessionClaims(const SessionClaims& claims) {
  return nlohmann::json{{"iss", claims.iss},     {"aud", claims.aud},       {"sub", claims.sub},
                        {"chain", claims.chain}, {"scheme", claims.scheme}, {"jti", claims.jti},
                        {"iat", claims.iat},     {"exp", claims.exp}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<SessionClaims> DecodeSessionClaims(std::string_view json) {
  const Status bad = Status::InvalidArgument("malformed session claims");
  if (json.size() > 8192) return bad;
  SessionClaims claims;
  struct StringMember {
    const char* name;
    std::string* field;
    bool seen;
  } strings[] = {{"iss", &claims.iss, false},       {"aud", &claims.aud, false},
                 {"sub", &claims.sub, false},       {"chain", &claims.chain, false},
                 {"scheme", &claims.scheme, false}, {"jti", &claims.jti, false}};
  bool seen_iat = false, seen_exp = false;
  Reader reader(json);
  if (!reader.Consume('{')) return bad;
  std::string name;
  bool first = true;
  while (!reader.Peek('}')) {
    if (!first && !reader.Consume(',')) return bad;
    first = false;
    if (!reader.String(name) || !reader.Consume(':')) return bad;
    if (name == "iat" || name == "exp") {
      bool& seen = name == "iat" ? seen_iat : seen_exp;
      if (seen || !reader.Integer(name == "iat" ? claims.iat : claims.exp)) return bad;
      seen = true;
      continue;
    }
    StringMember* member = nullptr;
    for (StringMember& candidate : strings) {
      if (name == candidate.name) member = &candidate;
    }
    if (member == nullptr || member->seen || !reader.String(*member->field)) return bad;
    member->seen = true;
  }
  if (!reader.Consume('}') || !reader.AtEnd() || !seen_iat || !seen_exp) return bad;
  for (const StringMember& member : strings) {
    if (!member.seen) return bad;
  }
  return claims;
}

}  // namespace streamgate::internal
