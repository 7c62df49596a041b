// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Reads the few S3 XML documents the object store needs (ListObjectsV2, InitiateMultipartUpload,
// CompleteMultipartUpload, Error) and writes the CompleteMultipartUpload request. S3's responses
// are flat, namespace-free element trees without CDATA, so a bounded tag scanner suffices; it
// never recurses and never reads past the input, whatever the server sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/object_store.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// The raw inner text of every <tag>…</tag> (or empty for <tag/>) in `xml`, in document order.
// Nested elements of the same name are not expected in S3 documents and are not supported.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag);
// The entity-decoded text of the first <tag> element; nullopt when there is none or its
// entities are malformed.
std::optional<std::string> XmlElementText(std::string_view xml, std::string_view tag);
// Decodes &amp; &lt; &gt; &quot; &apos; &#N; &#xH;; nullopt for anything else after '&'.
std::optional<std::string> XmlUnescape(std::string_view text);

// "2026-11-23T14:31:57.000Z" → Unix milliseconds; nullopt when malformed.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);

struct S3ListPage {
  std::vector<ObjectInfo> objects;  // keys as S3 returned them (the store strips its prefix)
  bool truncated = false;
  std::string next_continuation_token;
};
// Internal for a malformed document (the server's fault, not the caller's). Keys are URL-decoded
// when the response says <EncodingType>url</EncodingType>.
Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseInitiateMultipartUpload(std::string_view xml);

struct S3Error {
  std::string code;  // "NoSuchKey"
  std::string message;
};
// The <Error> document S3 sends with failures (and, for CompleteMultipartUpload, sometimes with
// a 200); nullopt when `xml` holds no Error element.
std::optional<S3Error> ParseS3Error(std::string_view xml);

// <CompleteMultipartUpload> with one <Part> per ETag; part numbers are 1-based indexes.
std::string BuildCompleteMultipartUpload(const std::vector<std::string>& etags);

}  // namespace streamgate::internal
