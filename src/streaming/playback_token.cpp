// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/playback_token.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include "auth/crypto/hmac_sha256.h"

namespace streamgate {
namespace {

constexpr std::string_view kPrefix = "pt1.";
// Domain separation: the same secret can never produce a MAC valid for another purpose.
constexpr std::string_view kMacContext = "streamgate playback v1\n";
constexpr std::size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
constexpr std::size_t kMaxTokenBytes = 2048;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxPrefixBytes = 512;

bool IsKeyIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!IsKeyIdChar(c)) return false;
  }
  return true;
}

// Printable ASCII without '~' (the field separator): ids, wallets and paths are all ASCII.
bool ValidField(std::string_view field, std::size_t max_bytes) {
  if (field.empty() || field.size() > max_bytes) return false;
  for (const char c : field) {
    if (c <= ' ' || c > '~' || c == '~') return false;
  }
  return true;
}

std::string Base64Url(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Strict base64url without padding: every character from the alphabet, no trailing bits set,
// so that each byte string has exactly one spelling (a token cannot be re-spelled). A plain
// table decoder: a token is public, so its decoding needs no constant-time care (the MAC
// comparison has it), and this runs on every delivery request.
bool FromBase64Url(std::string_view text, unsigned char* out, std::size_t capacity,
                   std::size_t* size) {
  static constexpr auto kTable = [] {
    std::array<int8_t, 256> table{};
    for (auto& entry : table) entry = -1;
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
      table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    }
    return table;
  }();
  if (text.size() % 4 == 1) return false;
  if (text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1) > capacity) {
    return false;
  }
  uint32_t accumulator = 0;
  int bits = 0;
  std::size_t written = 0;
  for (const char c : text) {
    const int value = kTable[static_cast<unsigned char>(c)];
    if (value < 0) return false;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = static_cast<unsigned char>(accumulator >> bits);
      accumulator &= (1u << bits) - 1;
    }
  }
  if (accumulator != 0) return false;  // non-zero padding bits
  *size = written;
  return true;
}

// Splits "a~b~c~d~e" into exactly five fields.
bool SplitFields(std::string_view text, std::array<std::string_view, 5>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t tilde = text.find('~');
    if (i + 1 == fields.size()) {
      if (tilde != std::string_view::npos) return false;
      fields[i] = text;
    } else {
      if (tilde == std::string_view::npos) return false;
      fields[i] = text.substr(0, tilde);
      text.remove_prefix(tilde + 1);
    }
  }
  return true;
}

// A path whose dot segments could climb out of the granted prefix once resolved.
bool HasDotSegment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "." || segment == "..") return true;
    start = slash + 1;
  }
  return false;
}

}  // namespace

struct PlaybackTokenSigner::Impl {
  struct Key {
    std::string id;
    // OpenSSL's SHA-256 (SHA extensions where the CPU has them) with the key absorbed once:
    // several times faster than a portable SHA-256, and Verify runs on every delivery request.
    internal::crypto::HmacSha256Key hmac;
  };
  std::vector<Key> keys;  // keys[0] signs
  int64_t max_ttl_seconds = 0;

  // HMAC-SHA256(key, kMacContext + signed_part), assembled on the stack (signed_part is bounded
  // by kMaxTokenBytes).
  static void Mac(const Key& key, std::string_view signed_part, unsigned char* mac) {
    std::array<char, kMacContext.size() + kMaxTokenBytes> input;
    const std::size_t size = std::min(signed_part.size(), kMaxTokenBytes);
    std::memcpy(input.data(), kMacContext.data(), kMacContext.size());
    std::memcpy(input.data() + kMacContext.size(), signed_part.data(), size);
    const internal::crypto::Hash32 out =
        key.hmac.Compute(std::string_view(input.data(), kMacContext.size() + size));
    std::memcpy(mac, out.data(), kMacBytes);
  }
};

PlaybackTokenSigner::PlaybackTokenSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlaybackTokenSigner::~PlaybackTokenSigner() = default;

Result<std::unique_ptr<PlaybackTokenSigner>> PlaybackTokenSigner::Create(
    const PlaybackTokenOptions& options) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  if (options.keys.empty()) return Status::InvalidArgument("playback tokens need at least one key");
  if (options.max_ttl_seconds <= 0) {
    return Status::InvalidArgument("playback token max_ttl_seconds must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->max_ttl_seconds = options.max_ttl_seconds;
  for (const PlaybackKey& key : options.keys) {
    if (!ValidKeyId(key.id)) {
      return Status::InvalidArgument("playback key id \"" + key.id.substr(0, 32) +
                                     "\" must be 1-64 characters of [A-Za-z0-9._-]");
    }
    if (key.secret.size() < 32) {
      return Status::InvalidArgument("playback key \"" + key.id + "\" is shorter than 32 bytes");
    }
    for (const Impl::Key& existing : impl->keys) {
      if (existing.id == key.id) {
        return Status::InvalidArgument("playback key id \"" + key.id + "\" appears twice");
      }
    }
    STREAMGATE_ASSIGN_OR_RETURN(internal::crypto::HmacSha256Key hmac,
                                internal::crypto::HmacSha256Key::Create(key.secret));
    impl->keys.push_back(Impl::Key{key.id, std::move(hmac)});
  }
  return std::unique_ptr<PlaybackTokenSigner>(new PlaybackTokenSigner(std::move(impl)));
}

Result<std::string> PlaybackTokenSigner::Mint(const PlaybackGrant& grant, int64_t now_unix) const {
  if (!ValidField(grant.content_id, kMaxIdBytes) || !ValidField(grant.wallet, kMaxIdBytes) ||
      !ValidField(grant.path_prefix, kMaxPrefixBytes) || grant.path_prefix.front() != '/' ||
      HasDotSegment(grant.path_prefix)) {
    return Status::InvalidArgument(
        "a playback grant needs a content id and wallet (printable, no '~', at most 128 bytes) "
        "and an absolute path prefix without dot segments");
  }
  if (grant.expires_unix <= now_unix || grant.expires_unix - now_unix > impl_->max_ttl_seconds) {
    return Status::InvalidArgument("a playback grant must expire within " +
                                   std::to_string(impl_->max_ttl_seconds) + " s from now");
  }
  const Impl::Key& key = impl_->keys.front();
  const std::string payload = key.id + "~" + std::to_string(grant.expires_unix) + "~" +
                              grant.content_id + "~" + grant.wallet + "~" + grant.path_prefix;
  std::string token(kPrefix);
  token += Base64Url(reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  std::array<unsigned char, kMacBytes> mac{};
  impl_->Mac(key, token, mac.data());
  token += '.';
  token += Base64Url(mac.data(), mac.size());
  return token;
}

Result<PlaybackGrant> PlaybackTokenSigner::Verify(std::string_view token,
                                                  std::string_view content_id,
                                                  std::string_view request_path,
                                                  int64_t now_unix) const {
  const auto malformed = [] { return Status::Unauthenticated("malformed playback token"); };
  if (token.empty()) return Status::Unauthenticated("missing playback token");
  if (token.size() > kMaxTokenBytes || token.substr(0, kPrefix.size()) != kPrefix) {
    return malformed();
  }
  const std::size_t dot = token.find('.', kPrefix.size());
  if (dot == std::string_view::npos) return malformed();
  const std::string_view signed_part = token.substr(0, dot);
  std::array<char, kMaxTokenBytes> payload_bytes;
  std::size_t payload_size = 0;
  std::array<unsigned char, kMacBytes + 1> given_mac{};
  std::size_t mac_size = 0;
  if (!FromBase64Url(signed_part.substr(kPrefix.size()),
                     reinterpret_cast<unsigned char*>(payload_bytes.data()), payload_bytes.size(),
                     &payload_size) ||
      !FromBase64Url(token.substr(dot + 1), given_mac.data(), given_mac.size(), &mac_size) ||
      mac_size != kMacBytes) {
    return malformed();
  }
  std::array<std::string_view, 5> fields;
  if (!SplitFields(std::string_view(payload_bytes.data(), payload_size), fields)) {
    return malformed();
  }
  const Impl::Key* key = nullptr;
  for (const Impl::Key& candidate : impl_->keys) {
    if (candidate.id == fields[0]) key = &candidate;
  }
  if (key == nullptr) return Status::Unauthenticated("playback token signed with an unknown key");
  std::array<unsigned char, kMacBytes> expected{};
  impl_->Mac(*key, signed_part, expected.data());
  if (sodium_memcmp(expected.data(), given_mac.data(), kMacBytes) != 0) {
    return Status::Unauthenticated("playback token signature does not match");
  }
  // Authentic from here on: the fields were written by Mint.
  int64_t expires = 0;
  const auto [end, ec] =
      std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), expires);
  if (ec != std::errc() || end != fields[1].data() + fields[1].size()) return malformed();
  if (expires <= now_unix) return Status::Unauthenticated("playback token expired");
  if (fields[2] != content_id) {
    return Status::PermissionDenied("playback token is for another content item");
  }
  const std::string_view prefix = fields[4];
  if (request_path.substr(0, prefix.size()) != prefix || HasDotSegment(request_path)) {
    return Status::PermissionDenied("playback token does not cover this path");
  }
  return PlaybackGrant{std::string(fields[2]), std::string(fields[3]), std::string(prefix),
                       expires};
}

}  // namespace streamgate
