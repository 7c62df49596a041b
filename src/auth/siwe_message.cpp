// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/siwe_message.h"

#include "auth/crypto/base58.h"
#include "auth/crypto/eth_address.h"
#include "auth/rfc3339.h"

namespace streamgate::internal {
namespace {

constexpr std::string_view kHeaderEthereum = " wants you to sign in with your Ethereum account:";
constexpr std::string_view kHeaderSolana = " wants you to sign in with your Solana account:";

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool IsSubDelim(char c) {
  return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
         c == '+' || c == ',' || c == ';' || c == '=';
}
bool IsGenDelim(char c) {
  return c == ':' || c == '/' || c == '?' || c == '#' || c == '[' || c == ']' || c == '@';
}
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Every character allowed by `allowed`, with "%XX" escapes when `percent` is set.
template <class Pred>
bool AllOf(std::string_view text, Pred allowed, bool percent) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (percent && text[i] == '%') {
      if (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2])) return false;
      i += 2;
      continue;
    }
    if (!allowed(text[i])) return false;
  }
  return true;
}

bool IsScheme(std::string_view text) {
  if (text.empty() || text.size() > 32 || !IsAlpha(text[0])) return false;
  return AllOf(
      text, [](char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.'; },
      false);
}

// RFC 3986 authority: [userinfo@]host[:port], from its character classes.
bool IsAuthority(std::string_view text) {
  return !text.empty() && text.size() <= kMaxSiweDomainBytes &&
         AllOf(
             text,
             [](char c) {
               return IsUnreserved(c) || IsSubDelim(c) || c == ':' || c == '@' || c == '[' ||
                      c == ']';
             },
             true);
}

// An absolute RFC 3986 URI: scheme ":" then URI characters only.
bool IsUri(std::string_view text) {
  if (text.empty() || text.size() > kMaxSiweUriBytes) return false;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || !IsScheme(text.substr(0, colon))) return false;
  return AllOf(
      text.substr(colon + 1),
      [](char c) { return IsUnreserved(c) || IsSubDelim(c) || IsGenDelim(c); }, true);
}

bool IsStatement(std::string_view text) {
  return !text.empty() && text.size() <= kMaxSiweStatementBytes &&
         AllOf(
             text,
             [](char c) { return IsUnreserved(c) || IsSubDelim(c) || IsGenDelim(c) || c == ' '; },
             false);
}

bool IsNonce(std::string_view text) {
  return text.size() >= kMinSiweNonceBytes && text.size() <= kMaxSiweNonceBytes &&
         AllOf(
             text, [](char c) { return IsAlpha(c) || IsDigit(c); }, false);
}

bool IsRequestId(std::string_view text) {
  return text.size() <= kMaxSiweRequestIdBytes &&
         AllOf(
             text, [](char c) { return IsUnreserved(c) || IsSubDelim(c) || c == ':' || c == '@'; },
             true);
}

bool IsChainId(std::string_view text, AccountKind kind) {
  if (text.empty() || text.size() > 32) return false;
  if (kind == AccountKind::kEthereum) {
    // EIP-155 chain ids are positive integers; no leading zeros so each id has one spelling.
    if (text.size() > 19 || text[0] == '0') return false;
    return AllOf(text, IsDigit, false);
  }
  return AllOf(
      text, [](char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == ':'; }, false);
}

class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool Next(std::string_view& line) {
    if (done_) return false;
    const std::size_t lf = text_.find('\n', pos_);
    if (lf == std::string_view::npos) {
      line = text_.substr(pos_);
      done_ = true;
    } else {
      line = text_.substr(pos_, lf - pos_);
      pos_ = lf + 1;
    }
    return true;
  }
  bool done() const { return done_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Status Bad(std::string_view what) {
  return Status::InvalidArgument("malformed sign-in message: " + std::string(what));
}

// Reads the next line, which must be `tag` + a value.
Status Tagged(Lines& lines, std::string_view tag, std::string& value) {
  std::string_view line;
  if (!lines.Next(line) || !StartsWith(line, tag))
    return Bad("expected \"" + std::string(tag) + "\"");
  value = std::string(line.substr(tag.size()));
  return Status::Ok();
}

}  // namespace

Result<SiweMessage> ParseSiweMessage(std::string_view text, AccountKind kind,
                                     std::size_t max_bytes) {
  if (text.size() > max_bytes) return Status::InvalidArgument("sign-in message is too long");
  for (const char c : text) {
    // Printable ASCII and LF only: no CR, tabs, NULs or non-ASCII look-alikes.
    if (c != '\n' && (c < 0x20 || c > 0x7e)) return Bad("character outside printable ASCII");
  }
  SiweMessage message;
  Lines lines(text);
  std::string_view line;

  // Header: [scheme "://"] domain " wants you to sign in with your <Chain> account:"
  const std::string_view header = kind == AccountKind::kEthereum ? kHeaderEthereum : kHeaderSolana;
  if (!lines.Next(line) || line.size() <= header.size() ||
      line.substr(line.size() - header.size()) != header) {
    return Bad("header line");
  }
  std::string_view authority = line.substr(0, line.size() - header.size());
  const std::size_t scheme_end = authority.find("://");
  if (scheme_end != std::string_view::npos) {
    if (!IsScheme(authority.substr(0, scheme_end))) return Bad("scheme");
    message.scheme = std::string(authority.substr(0, scheme_end));
    authority.remove_prefix(scheme_end + 3);
  }
  if (!IsAuthority(authority)) return Bad("domain");
  message.domain = std::string(authority);

  if (!lines.Next(line)) return Bad("address line");
  if (kind == AccountKind::kEthereum) {
    if (!crypto::ParseEthAddress(line, crypto::AddressCase::kChecksummed).ok()) {
      return Bad("address is not an EIP-55 checksummed Ethereum address");
    }
  } else {
    Result<crypto::Bytes> key = crypto::DecodeBase58(line, 64);
    if (!key.ok() || key->size() != 32) return Bad("address is not a base58 Solana public key");
  }
  message.address = std::string(line);

  if (!lines.Next(line) || !line.empty()) return Bad("expected an empty line after the address");
  if (!lines.Next(line)) return Bad("truncated after the address");
  if (!line.empty()) {
    if (!IsStatement(line)) return Bad("statement");
    message.statement = std::string(line);
    if (!lines.Next(line) || !line.empty())
      return Bad("expected an empty line after the statement");
  }

  STREAMGATE_RETURN_IF_ERROR(Tagged(lines, "URI: ", message.uri));
  if (!IsUri(message.uri)) return Bad("URI");
  STREAMGATE_RETURN_IF_ERROR(Tagged(lines, "Version: ", message.version));
  if (message.version != "1") return Bad("version must be 1");
  STREAMGATE_RETURN_IF_ERROR(Tagged(lines, "Chain ID: ", message.chain_id));
  if (!IsChainId(message.chain_id, kind)) return Bad("chain id");
  STREAMGATE_RETURN_IF_ERROR(Tagged(lines, "Nonce: ", message.nonce));
  if (!IsNonce(message.nonce)) return Bad("nonce must be 8 to 64 letters and digits");
  STREAMGATE_RETURN_IF_ERROR(Tagged(lines, "Issued At: ", message.issued_at));
  if (!ParseRfc3339(message.issued_at).ok()) return Bad("issued-at is not an RFC 3339 time");

  // Optional fields, each at most once and in the ABNF's order.
  enum Stage { kExpiration, kNotBefore, kRequestId, kResources, kEnd };
  int stage = kExpiration;
  while (lines.Next(line)) {
    if (stage <= kExpiration && StartsWith(line, "Expiration Time: ")) {
      message.expiration_time = std::string(line.substr(17));
      if (!ParseRfc3339(*message.expiration_time).ok()) return Bad("expiration time");
      stage = kNotBefore;
    } else if (stage <= kNotBefore && StartsWith(line, "Not Before: ")) {
      message.not_before = std::string(line.substr(12));
      if (!ParseRfc3339(*message.not_before).ok()) return Bad("not-before");
      stage = kRequestId;
    } else if (stage <= kRequestId && StartsWith(line, "Request ID: ")) {
      message.request_id = std::string(line.substr(12));
      if (!IsRequestId(*message.request_id)) return Bad("request id");
      stage = kResources;
    } else if (stage <= kResources && line == "Resources:") {
      message.resources.emplace();
      while (lines.Next(line)) {
        if (!StartsWith(line, "- ") || !IsUri(line.substr(2))) return Bad("resource");
        if (message.resources->size() >= kMaxSiweResources) return Bad("too many resources");
        message.resources->emplace_back(line.substr(2));
      }
      stage = kEnd;
    } else {
      return Bad("unexpected line");
    }
  }
  return message;
}

std::string FormatSiweMessage(const SiweMessage& message, AccountKind kind) {
  std::string out;
  if (!message.scheme.empty()) out += message.scheme + "://";
  out += message.domain;
  out += kind == AccountKind::kEthereum ? kHeaderEthereum : kHeaderSolana;
  out += "\n" + message.address + "\n\n";
  if (message.statement) out += *message.statement + "\n";
  out += "\nURI: " + message.uri;
  out += "\nVersion: " + message.version;
  out += "\nChain ID: " + message.chain_id;
  out += "\nNonce: " + message.nonce;
  out += "\nIssued At: " + message.issued_at;
  if (message.expiration_time) out += "\nExpiration Time: " + *message.expiration_time;
  if (message.not_before) out += "\nNot Before: " + *message.not_before;
  if (message.request_id) out += "\nRequest ID: " + *message.request_id;
  if (message.resources) {
    out += "\nResources:";
    for (const std::string& resource : *message.resources) out += "\n- " + resource;
  }
  return out;
}

}  // namespace streamgate::internal
