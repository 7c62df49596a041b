// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "storage/s3_presign.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "http/url.h"
#include "storage/s3_payload_hash.h"

namespace streamgate::internal {
namespace {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 0x0F]);
  }
  return out;
}

}  // namespace

std::string S3CanonicalHost(std::string_view scheme, std::string_view authority) {
  std::string host(authority);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t colon = host.rfind(':');
  // "[::1]:443": the colon must follow the closing bracket of an IPv6 literal.
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    const std::string_view port = std::string_view(host).substr(colon + 1);
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) {
      host.resize(colon);
    }
  }
  return host;
}

std::string PresignS3Get(const S3PresignRequest& request) {
  const std::time_t now = static_cast<std::time_t>(request.now_unix);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char amz_date[17];
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &utc);
  const std::string date(amz_date, 8);
  const std::string scope = date + "/" + request.region + "/s3/aws4_request";
  const int64_t expires = std::clamp<int64_t>(request.expires_s, 1, 604800);

  // Already in canonical order (sorted by name); values percent-encoded as SigV4 wants.
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
      PercentEncode(request.access_key + "/" + scope) + "&X-Amz-Date=" + amz_date +
      "&X-Amz-Expires=" + std::to_string(expires) + "&X-Amz-SignedHeaders=host";
  const std::string host = S3CanonicalHost(request.scheme, request.authority);
  const std::string canonical_request = "GET\n" + request.canonical_path + "\n" + query +
                                        "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string string_to_sign = std::string("AWS4-HMAC-SHA256\n") + amz_date + "\n" + scope +
                                     "\n" + S3PayloadSha256Hex(canonical_request);
  std::string key = Hmac("AWS4" + request.secret_key, date);
  key = Hmac(key, request.region);
  key = Hmac(key, "s3");
  key = Hmac(key, "aws4_request");
  const std::string signature = Hex(Hmac(key, string_to_sign));
  return request.scheme + "://" + request.authority + request.canonical_path + "?" + query +
         "&X-Amz-Signature=" + signature;
}

}  // namespace streamgate::internal
