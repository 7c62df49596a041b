// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "upload/tus_protocol.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "upload/digest.h"

namespace streamgate::internal {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<uint64_t> ParseTusNumber(std::string_view name, std::string_view text) {
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument(std::string(name) + " must be a non-negative integer");
  }
  uint64_t value = 0;
  for (const char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
  return value;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseUploadMetadata(
    std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  if (header.size() > kMaxUploadMetadataBytes) {
    return Status::InvalidArgument("Upload-Metadata exceeds " +
                                   std::to_string(kMaxUploadMetadataBytes) + " bytes");
  }
  if (Trim(header).empty()) return out;
  std::set<std::string, std::less<>> seen;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view pair = Trim(header.substr(start, comma - start));
    start = comma + 1;
    if (pair.empty()) return Status::InvalidArgument("Upload-Metadata has an empty pair");
    const std::size_t space = pair.find(' ');
    const std::string_view key = pair.substr(0, space);
    const std::string_view value =
        space == std::string_view::npos ? std::string_view() : Trim(pair.substr(space + 1));
    for (const char c : key) {
      const auto b = static_cast<unsigned char>(c);
      if (b <= 0x20 || b >= 0x7f || c == ',') {
        return Status::InvalidArgument("Upload-Metadata key has a character outside ASCII");
      }
    }
    if (value.find(' ') != std::string_view::npos) {
      return Status::InvalidArgument("Upload-Metadata value of '" + std::string(key) +
                                     "' has a space");
    }
    std::optional<std::string> decoded = Base64Decode(value);
    if (!decoded) {
      return Status::InvalidArgument("Upload-Metadata value of '" + std::string(key) +
                                     "' is not base64");
    }
    if (!seen.insert(std::string(key)).second) {
      return Status::InvalidArgument("Upload-Metadata repeats the key '" + std::string(key) + "'");
    }
    out.emplace_back(std::string(key), std::move(*decoded));
    if (comma == header.size()) break;
  }
  return out;
}

std::string FormatUploadMetadata(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += ',';
    out += key;
    if (!value.empty()) out += ' ' + Base64Encode(value);
  }
  return out;
}

Result<TusChecksum> ParseUploadChecksum(std::string_view header) {
  header = Trim(header);
  const std::size_t space = header.find(' ');
  if (space == std::string_view::npos) {
    return Status::InvalidArgument("Upload-Checksum must be '<algorithm> <base64 digest>'");
  }
  const std::string_view name = header.substr(0, space);
  TusChecksum checksum;
  std::size_t size = 0;
  if (name == "sha1") {
    checksum.algorithm = ChecksumAlgorithm::kSha1;
    size = 20;
  } else if (name == "sha256") {
    checksum.algorithm = ChecksumAlgorithm::kSha256;
    size = 32;
  } else {
    return Status::InvalidArgument("unsupported checksum algorithm '" +
                                   std::string(name.substr(0, 32)) +
                                   "' (supported: " + std::string(kTusChecksumAlgorithms) + ")");
  }
  std::optional<std::string> digest = Base64Decode(Trim(header.substr(space + 1)));
  if (!digest || digest->size() != size) {
    return Status::InvalidArgument("Upload-Checksum digest is not a base64 " + std::string(name) +
                                   " digest");
  }
  checksum.digest = std::move(*digest);
  return checksum;
}

bool TusVersionSupported(std::string_view tus_resumable) {
  return Trim(tus_resumable) == kTusVersion;
}

bool IsOffsetOctetStream(std::string_view content_type) {
  std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kWanted = "application/offset+octet-stream";
  return type.size() == kWanted.size() &&
         std::equal(type.begin(), type.end(), kWanted.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

Result<CreateUploadRequest> ParseTusCreation(const HttpHeaders& headers) {
  CreateUploadRequest request;
  request.kind = UploadKind::kTus;
  const std::string* length = headers.Find("Upload-Length");
  const std::string* defer = headers.Find("Upload-Defer-Length");
  if (length != nullptr && defer != nullptr) {
    return Status::InvalidArgument("send Upload-Length or Upload-Defer-Length, not both");
  }
  if (defer != nullptr) {
    if (Trim(*defer) != "1") return Status::InvalidArgument("Upload-Defer-Length must be 1");
  } else if (length != nullptr) {
    STREAMGATE_ASSIGN_OR_RETURN(request.length, ParseTusNumber("Upload-Length", Trim(*length)));
  } else {
    return Status::InvalidArgument("creation needs Upload-Length or Upload-Defer-Length: 1");
  }
  if (const std::string* metadata = headers.Find("Upload-Metadata")) {
    STREAMGATE_ASSIGN_OR_RETURN(request.metadata, ParseUploadMetadata(*metadata));
  }
  for (const auto& [key, value] : request.metadata) {
    if ((key == "filename" || key == "name") && request.filename.empty()) request.filename = value;
    if ((key == "filetype" || key == "type") && request.content_type.empty()) {
      request.content_type = value;
    }
  }
  return request;
}

Result<AppendRequest> ParseTusAppend(const HttpHeaders& headers, bool patch) {
  AppendRequest request;
  if (patch) {
    const std::string* offset = headers.Find("Upload-Offset");
    if (offset == nullptr) return Status::InvalidArgument("PATCH needs Upload-Offset");
    STREAMGATE_ASSIGN_OR_RETURN(request.offset, ParseTusNumber("Upload-Offset", Trim(*offset)));
    if (const std::string* length = headers.Find("Upload-Length")) {
      STREAMGATE_ASSIGN_OR_RETURN(request.declared_length,
                                  ParseTusNumber("Upload-Length", Trim(*length)));
    }
  }
  if (const std::string* content_length = headers.Find("Content-Length")) {
    STREAMGATE_ASSIGN_OR_RETURN(request.content_length,
                                ParseTusNumber("Content-Length", Trim(*content_length)));
  }
  if (const std::string* checksum = headers.Find("Upload-Checksum")) {
    STREAMGATE_ASSIGN_OR_RETURN(TusChecksum parsed, ParseUploadChecksum(*checksum));
    request.checksum_algorithm = parsed.algorithm;
    request.checksum = std::move(parsed.digest);
  }
  return request;
}

}  // namespace streamgate::internal
