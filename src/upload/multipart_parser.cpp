// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "upload/multipart_parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace streamgate::internal {
namespace {

constexpr std::size_t kMaxPartHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxFieldBytes = 64 * 1024;
constexpr std::size_t kMaxFields = 64;
constexpr std::size_t kMaxPreambleBytes = 64 * 1024;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of `name` among "; "-separated parameters (quoted or token), or nullopt.
std::optional<std::string> Parameter(std::string_view header, std::string_view name) {
  std::size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = Trim(header.substr(pos + 1));
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string key = Lower(Trim(rest.substr(0, eq)));
    rest = Trim(rest.substr(eq + 1));
    std::string value;
    std::size_t consumed = 0;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      consumed = std::min(i + 1, rest.size());
    } else {
      consumed = std::min(rest.find(';'), rest.size());
      value = std::string(Trim(rest.substr(0, consumed)));
    }
    if (key == name) return value;
    const std::size_t next = rest.find(';', consumed);
    if (next == std::string_view::npos) return std::nullopt;
    pos = static_cast<std::size_t>(rest.data() + next - header.data());
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string lower = Lower(content_type.substr(0, content_type.find(';')));
  if (Trim(lower) != "multipart/form-data") {
    return Status::InvalidArgument("not multipart/form-data");
  }
  std::optional<std::string> boundary = Parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return Status::InvalidArgument("multipart/form-data needs a boundary of 1 to 70 characters");
  }
  return *boundary;
}

MultipartFileParser::MultipartFileParser(std::string boundary,
                                         std::function<Status(const FilePart&)> on_file_start,
                                         std::function<Status(std::string_view)> on_file_bytes)
    : delimiter_("\r\n--" + boundary),
      on_file_start_(std::move(on_file_start)),
      on_file_bytes_(std::move(on_file_bytes)) {
  // The first delimiter may open the body without the leading CRLF.
  buffer_ = "\r\n";
}

Status MultipartFileParser::Emit(std::string_view bytes) {
  if (bytes.empty()) return Status::Ok();
  if (in_file_) return on_file_bytes_(bytes);
  if (field_value_.size() + bytes.size() > kMaxFieldBytes) {
    return Status::InvalidArgument("a form field exceeds 64 KiB");
  }
  field_value_.append(bytes);
  return Status::Ok();
}

Status MultipartFileParser::ParseHeaders(std::string_view block) {
  std::string disposition;
  std::string type;
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("malformed multipart part header");
    }
    const std::string name = Lower(Trim(line.substr(0, colon)));
    if (name == "content-disposition") disposition = std::string(Trim(line.substr(colon + 1)));
    if (name == "content-type") type = std::string(Trim(line.substr(colon + 1)));
  }
  if (Lower(disposition.substr(0, 9)) != "form-data") {
    return Status::InvalidArgument("multipart part without Content-Disposition: form-data");
  }
  field_name_ = Parameter(disposition, "name").value_or("");
  std::optional<std::string> filename = Parameter(disposition, "filename");
  in_file_ = false;
  field_value_.clear();
  if (filename) {
    if (saw_file_) return Status::InvalidArgument("only one file per upload");
    saw_file_ = true;
    in_file_ = true;
    // Browsers may send a path: keep the last component only.
    std::string base = *filename;
    const std::size_t slash = base.find_last_of("/\\");
    if (slash != std::string::npos) base = base.substr(slash + 1);
    return on_file_start_(FilePart{field_name_, base, type});
  }
  if (fields_.size() >= kMaxFields) return Status::InvalidArgument("too many form fields");
  return Status::Ok();
}

Status MultipartFileParser::Feed(std::string_view bytes) {
  buffer_.append(bytes);
  for (;;) {
    switch (state_) {
      case State::kPreamble: {
        const std::size_t at = buffer_.find(delimiter_);
        if (at == std::string::npos) {
          if (buffer_.size() > kMaxPreambleBytes) {
            return Status::InvalidArgument("multipart body without its boundary");
          }
          return Status::Ok();
        }
        buffer_.erase(0, at + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kAfterDelimiter: {
        if (buffer_.size() < 2) return Status::Ok();
        if (buffer_.compare(0, 2, "--") == 0) {
          state_ = State::kDone;
          buffer_.clear();
          return Status::Ok();
        }
        // Transport padding (spaces, tabs) may precede the CRLF.
        const std::size_t eol = buffer_.find("\r\n");
        if (eol == std::string::npos) {
          if (buffer_.size() > 256) return Status::InvalidArgument("malformed multipart delimiter");
          return Status::Ok();
        }
        if (!Trim(std::string_view(buffer_).substr(0, eol)).empty()) {
          return Status::InvalidArgument("malformed multipart delimiter");
        }
        buffer_.erase(0, eol + 2);
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        std::size_t end = buffer_.find("\r\n\r\n");
        std::size_t skip = 4;
        if (buffer_.compare(0, 2, "\r\n") == 0) {  // a part with no header fields
          end = 0;
          skip = 2;
        }
        if (end == std::string::npos) {
          if (buffer_.size() > kMaxPartHeaderBytes) {
            return Status::InvalidArgument("multipart part headers exceed 16 KiB");
          }
          return Status::Ok();
        }
        STREAMGATE_RETURN_IF_ERROR(ParseHeaders(std::string_view(buffer_).substr(0, end)));
        buffer_.erase(0, end + skip);
        state_ = State::kBody;
        break;
      }
      case State::kBody: {
        const std::size_t at = buffer_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep a tail that could be the start of a delimiter split across reads.
          const std::size_t keep = std::min(buffer_.size(), delimiter_.size() - 1);
          const std::size_t emit = buffer_.size() - keep;
          STREAMGATE_RETURN_IF_ERROR(Emit(std::string_view(buffer_).substr(0, emit)));
          buffer_.erase(0, emit);
          return Status::Ok();
        }
        STREAMGATE_RETURN_IF_ERROR(Emit(std::string_view(buffer_).substr(0, at)));
        if (!in_file_) fields_.emplace_back(field_name_, field_value_);
        in_file_ = false;
        buffer_.erase(0, at + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kDone:
        buffer_.clear();  // the epilogue is ignored
        return Status::Ok();
    }
  }
}

Status MultipartFileParser::Finish() const {
  if (state_ != State::kDone) {
    return Status::InvalidArgument("multipart body ended before its closing boundary");
  }
  if (!saw_file_) return Status::InvalidArgument("multipart body has no file part");
  return Status::Ok();
}

}  // namespace streamgate::internal
