// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The value types of http.h: methods, reason phrases, headers, request accessors, response
// builders and the extension → media type table. HttpResponse::Error and HttpStatusFor live in
// src/service/status_http.cpp, beside the one Status → HTTP table.
#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "streamgate/http.h"

namespace streamgate {
namespace {

// ASCII only on purpose: field names and file extensions are tokens, and locale-aware folding
// (std::tolower) would make the result depend on the process locale.
constexpr char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

template <typename Pairs>
std::string_view FirstValue(const Pairs& pairs, std::string_view name) {
  for (const auto& [key, value] : pairs) {
    if (key == name) return value;
  }
  return {};
}

// Indexed by HttpMethod; kOther, the last enumerator, has no fixed name.
constexpr std::array<std::string_view, 7> kMethodNames = {"GET",   "HEAD",   "POST",   "PUT",
                                                          "PATCH", "DELETE", "OPTIONS"};
static_assert(static_cast<std::size_t>(HttpMethod::kOther) == kMethodNames.size());

}  // namespace

std::string_view HttpMethodName(HttpMethod method) {
  const auto index = static_cast<std::size_t>(method);
  return index < kMethodNames.size() ? kMethodNames[index] : "OTHER";
}

// Method names are case-sensitive (RFC 9110 §9.1): "get" is not GET.
HttpMethod ParseHttpMethod(std::string_view name) {
  for (std::size_t i = 0; i < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) return static_cast<HttpMethod>(i);
  }
  return HttpMethod::kOther;
}

std::string_view HttpReasonPhrase(int status) {
  // Sorted by code for a binary search.
  static constexpr std::pair<int, std::string_view> kPhrases[] = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {102, "Processing"},
      {103, "Early Hints"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {203, "Non-Authoritative Information"},
      {204, "No Content"},
      {205, "Reset Content"},
      {206, "Partial Content"},
      {207, "Multi-Status"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Content Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {416, "Range Not Satisfiable"},
      {417, "Expectation Failed"},
      {421, "Misdirected Request"},
      {422, "Unprocessable Content"},
      {423, "Locked"},
      {424, "Failed Dependency"},
      {425, "Too Early"},
      {426, "Upgrade Required"},
      {428, "Precondition Required"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"},
      // Not IANA-registered: tus 1.0's checksum extension defines it for a body whose checksum
      // does not match Upload-Checksum, so tus clients expect this exact code.
      {460, "Checksum Mismatch"},
      // nginx's convention for "client closed the connection before the response": only ever
      // logged, never sent, but metrics and access logs use it.
      {499, "Client Closed Request"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
      {507, "Insufficient Storage"},
      {508, "Loop Detected"},
      {511, "Network Authentication Required"},
  };
  static_assert(std::is_sorted(std::begin(kPhrases), std::end(kPhrases)));
  const auto* it = std::lower_bound(std::begin(kPhrases), std::end(kPhrases), status,
                                    [](const auto& entry, int code) { return entry.first < code; });
  if (it == std::end(kPhrases) || it->first != status) return "Unknown";
  return it->second;
}

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  // Keep the position of the first occurrence: the order of fields is observable on the wire.
  auto first = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); });
  if (first == entries_.end()) {
    entries_.emplace_back(std::move(name), std::move(value));
    return;
  }
  first->first = std::move(name);
  first->second = std::move(value);
  entries_.erase(
      std::remove_if(std::next(first), entries_.end(),
                     [&](const Entry& e) { return EqualsIgnoreCase(e.first, first->first); }),
      entries_.end());
}

void HttpHeaders::Remove(std::string_view name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); }),
                 entries_.end());
}

const std::string* HttpHeaders::Find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (EqualsIgnoreCase(e.first, name)) return &e.second;
  }
  return nullptr;
}

std::string_view HttpHeaders::Get(std::string_view name, std::string_view fallback) const {
  const std::string* value = Find(name);
  return value != nullptr ? std::string_view(*value) : fallback;
}

// Query and path parameter names are case-sensitive, unlike header names.
std::string_view HttpRequest::Query(std::string_view name) const { return FirstValue(query, name); }

std::string_view HttpRequest::Param(std::string_view name) const {
  return FirstValue(path_params, name);
}

bool HttpRequest::HasQuery(std::string_view name) const {
  return std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; });
}

HttpResponse HttpResponse::Json(int status, std::string json) {
  HttpResponse response;
  response.status = status;
  response.headers.Add("Content-Type", "application/json");
  response.body = std::move(json);
  return response;
}

HttpResponse HttpResponse::Text(int status, std::string text, std::string_view content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.Add("Content-Type", std::string(content_type));
  response.body = std::move(text);
  return response;
}

HttpResponse HttpResponse::File(std::string path, std::string_view content_type) {
  HttpResponse response;
  response.headers.Add("Content-Type",
                       std::string(content_type.empty() ? MimeTypeForPath(path) : content_type));
  response.file_path = std::move(path);
  return response;
}

std::string_view MimeTypeForPath(std::string_view path) {
  // Sorted by extension (lower case) for a binary search; the table is small but this runs for
  // every file response.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 42> kTypes = {{
      {"aac", "audio/aac"},
      {"avif", "image/avif"},
      {"bin", "application/octet-stream"},
      {"css", "text/css; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"flac", "audio/flac"},
      {"gif", "image/gif"},
      {"gz", "application/gzip"},
      {"htm", "text/html; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"ico", "image/x-icon"},
      {"jpeg", "image/jpeg"},
      {"jpg", "image/jpeg"},
      {"js", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"key", "application/octet-stream"},  // AES-128 HLS keys: 16 raw bytes
      {"m3u8", "application/vnd.apple.mpegurl"},
      {"m4a", "audio/mp4"},
      {"m4s", "video/iso.segment"},
      {"m4v", "video/mp4"},
      {"map", "application/json"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"mkv", "video/x-matroska"},
      {"mov", "video/quicktime"},
      {"mp3", "audio/mpeg"},
      {"mp4", "video/mp4"},
      {"mpd", "application/dash+xml"},
      {"oga", "audio/ogg"},
      {"ogg", "audio/ogg"},
      {"ogv", "video/ogg"},
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"svg", "image/svg+xml"},
      {"ts", "video/mp2t"},
      {"txt", "text/plain; charset=utf-8"},
      {"vtt", "text/vtt; charset=utf-8"},
      {"wasm", "application/wasm"},
      {"wav", "audio/wav"},
      {"webm", "video/webm"},
      {"webp", "image/webp"},
      {"xml", "application/xml"},
      {"zip", "application/zip"},
  }};
  static_assert(std::is_sorted(kTypes.begin(), kTypes.end()), "kTypes must stay sorted");
  constexpr std::string_view kDefault = "application/octet-stream";

  // The extension belongs to the last path segment: "a.d/file" has none.
  const std::size_t slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return kDefault;
  const std::string_view ext = name.substr(dot + 1);

  constexpr std::size_t kMaxExtension = 8;
  if (ext.size() > kMaxExtension) return kDefault;
  char lower_buf[kMaxExtension];
  for (std::size_t i = 0; i < ext.size(); ++i) lower_buf[i] = LowerAscii(ext[i]);
  const std::string_view lower(lower_buf, ext.size());

  auto it =
      std::lower_bound(kTypes.begin(), kTypes.end(), lower,
                       [](const auto& entry, std::string_view key) { return entry.first < key; });
  if (it == kTypes.end() || it->first != lower) return kDefault;
  return it->second;
}

}  // namespace streamgate
