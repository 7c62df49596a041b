// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_xml.h"

#include <charconv>
#include <ctime>

#include "common/xml_escape.h"
#include "common/xml_escape.h"
#include "http/url.h"

namespace streamgate::internal {
namespace {

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

template <typename T>
bool ParseNumber(std::string_view text, T& out, int base = 10) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string Unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    const std::size_t after_name = pos + open.size();
    if (after_name >= xml.size()) break;
    const char next = xml[after_name];
    // "<Key>" or "<Key attr=…>" or "<Key/>", but not "<KeyCount>".
    if (next != '>' && next != ' ' && next != '/') {
      pos = after_name;
      continue;
    }
    const std::size_t head_end = xml.find('>', after_name);
    if (head_end == std::string_view::npos) break;
    if (xml[head_end - 1] == '/') {
      out.emplace_back();
      pos = head_end + 1;
      continue;
    }
    const std::size_t end = xml.find(close, head_end + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(head_end + 1, end - head_end - 1));
    pos = end + close.size();
  }
  return out;
}

std::optional<std::string> XmlElementText(std::string_view xml, std::string_view tag) {
  const std::vector<std::string_view> elements = XmlElements(xml, tag);
  if (elements.empty()) return std::nullopt;
  return XmlUnescape(elements.front());
}

std::optional<std::string> XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return std::nullopt;
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      uint32_t code_point = 0;
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      if (!ParseNumber(entity.substr(hex ? 2 : 1), code_point, hex ? 16 : 10) || code_point == 0 ||
          code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return std::nullopt;
      }
      AppendUtf8(code_point, out);
    } else {
      return std::nullopt;
    }
    i = semi;
  }
  return out;
}

std::optional<int64_t> ParseIso8601Millis(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff…]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ParseNumber(text.substr(0, 4), year) || !ParseNumber(text.substr(5, 2), month) ||
      !ParseNumber(text.substr(8, 2), day) || !ParseNumber(text.substr(11, 2), hour) ||
      !ParseNumber(text.substr(14, 2), minute) || !ParseNumber(text.substr(17, 2), second) ||
      month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t millis = 0;
  const std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2) return std::nullopt;
    std::string_view digits = rest.substr(1);
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    digits = digits.substr(0, 3);
    int fraction = 0;
    if (!ParseNumber(digits, fraction)) return std::nullopt;
    for (std::size_t i = digits.size(); i < 3; ++i) fraction *= 10;
    millis = fraction;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm);
  return static_cast<int64_t>(seconds) * 1000 + millis;
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  if (XmlElements(xml, "ListBucketResult").empty()) {
    return Status::Internal("ListObjectsV2: response is not a ListBucketResult");
  }
  S3ListPage page;
  const bool url_encoded = XmlElementText(xml, "EncodingType").value_or("") == "url";
  for (const std::string_view contents : XmlElements(xml, "Contents")) {
    std::optional<std::string> key = XmlElementText(contents, "Key");
    std::optional<std::string> size = XmlElementText(contents, "Size");
    ObjectInfo info;
    if (!key || !size || !ParseNumber(*size, info.size)) {
      return Status::Internal("ListObjectsV2: malformed <Contents> entry");
    }
    if (url_encoded) {
      key = PercentDecode(*key, true);
      if (!key) return Status::Internal("ListObjectsV2: malformed url-encoded key");
    }
    info.key = std::move(*key);
    if (const auto modified = XmlElementText(contents, "LastModified")) {
      info.modified_unix_ms = ParseIso8601Millis(*modified).value_or(0);
    }
    info.etag = Unquote(XmlElementText(contents, "ETag").value_or(""));
    page.objects.push_back(std::move(info));
  }
  page.truncated = XmlElementText(xml, "IsTruncated").value_or("false") == "true";
  page.next_continuation_token = XmlElementText(xml, "NextContinuationToken").value_or("");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Status::Internal("ListObjectsV2: truncated listing without a continuation token");
  }
  return page;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view xml) {
  std::optional<std::string> upload_id = XmlElementText(xml, "UploadId");
  if (!upload_id || upload_id->empty()) {
    return Status::Internal("InitiateMultipartUpload: response has no UploadId");
  }
  return std::move(*upload_id);
}

std::optional<S3Error> ParseS3Error(std::string_view xml) {
  const std::vector<std::string_view> errors = XmlElements(xml, "Error");
  if (errors.empty()) return std::nullopt;
  S3Error error;
  error.code = XmlElementText(errors.front(), "Code").value_or("");
  error.message = XmlElementText(errors.front(), "Message").value_or("");
  return error;
}

std::string BuildCompleteMultipartUpload(const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
           XmlEscape(etags[i]) + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

}  // namespace streamgate::internal
