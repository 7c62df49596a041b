// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Session-token keys: parsed from "kid:base64secret,kid2:…" (config or key file), or generated
// into a key file on first start so that the monolith works without configuration. Secrets are
// never logged; errors name the key id, never the secret.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "streamgate/authenticator.h"
#include "streamgate/result.h"

namespace streamgate::internal {

struct SessionKey {
  std::string kid;     // [A-Za-z0-9._-]{1,64}
  std::string secret;  // raw bytes
};

// InvalidArgument for an empty list, a malformed entry, a duplicate kid, a secret that is not
// base64 or too short (HS256: >= 32 bytes; EdDSA: exactly 32 bytes, the seed).
Result<std::vector<SessionKey>> ParseSessionKeys(std::string_view text,
                                                 SessionTokenAlgorithm algorithm);
// A fresh "kid:base64secret" entry with 32 random bytes.
std::string GenerateSessionKeyEntry();
// Reads the key file, creating it (mode 0600, one generated key) when it does not exist.
Result<std::vector<SessionKey>> LoadOrCreateSessionKeyFile(const std::string& path,
                                                           SessionTokenAlgorithm algorithm);

}  // namespace streamgate::internal
