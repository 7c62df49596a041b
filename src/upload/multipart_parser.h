// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A streaming multipart/form-data parser (RFC 7578) for whole-file uploads: the file part's
// bytes go to a callback as they arrive, so a large file is never buffered; small text fields
// before it are collected (bounded).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

// The boundary parameter of a multipart/form-data Content-Type; InvalidArgument otherwise.
Result<std::string> MultipartBoundary(std::string_view content_type);

// Not thread-safe.
class MultipartFileParser {
 public:
  struct FilePart {
    std::string field_name;
    std::string filename;
    std::string content_type;
  };
  // `on_file_start` runs once, when the first part with a filename begins (fields seen so far
  // are in fields()); `on_file_bytes` receives its content. A non-OK status from either stops
  // parsing and is returned by Feed().
  MultipartFileParser(std::string boundary, std::function<Status(const FilePart&)> on_file_start,
                      std::function<Status(std::string_view)> on_file_bytes);

  Status Feed(std::string_view bytes);
  // InvalidArgument unless the closing delimiter was seen and a file part was present.
  Status Finish() const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };
  Status ParseHeaders(std::string_view block);
  Status Emit(std::string_view bytes);

  std::string delimiter_;  // "\r\n--" + boundary
  std::function<Status(const FilePart&)> on_file_start_;
  std::function<Status(std::string_view)> on_file_bytes_;
  State state_ = State::kPreamble;
  std::string buffer_;
  bool in_file_ = false;
  bool saw_file_ = false;
  std::string field_name_;
  std::string field_value_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace streamgate::internal
