// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Opaque, tamper-evident page cursors: base64url(payload) "." base64url(HMAC-SHA256(key,
// payload) truncated to 16 bytes). The payload binds the cursor to the query that produced it
// (a digest of its filters), so a cursor replayed against another query, altered, or forged
// without the database's secret key is rejected as InvalidArgument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamgate/result.h"

namespace streamgate::internal {

class CursorCodec {
 public:
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}
  // `scope` identifies the query ("list|owner=…|state=…"); `position` is where the next page
  // starts (a row sequence number or an offset).
  std::string Encode(std::string_view scope, int64_t position) const;
  Result<int64_t> Decode(std::string_view cursor, std::string_view scope) const;

 private:
  std::string Mac(std::string_view data) const;
  std::string key_;
};

std::string Base64UrlEncode(std::string_view bytes);
// Empty optional-like error on bad input: InvalidArgument.
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace streamgate::internal
