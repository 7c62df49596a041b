// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Who is calling, for every plugin that binds data to a person (uploads, catalogue items) or
// gates it (streaming): the wallet of the session JWT in "Authorization: Bearer …". Session
// tokens are checked with the auth plugin's Authenticator when it runs in this process; a
// service without it (microservices mode) checks them with the same keys from the same
// configuration (auth.jwt_keys, or the key file under the shared data directory).
#pragma once

#include <memory>
#include <string>

#include "streamgate/authenticator.h"
#include "streamgate/config.h"
#include "streamgate/http.h"
#include "streamgate/kernel.h"
#include "streamgate/result.h"

namespace streamgate::internal {

// The auth plugin's Authenticator, or one made from `config.auth` for verifying tokens only.
// Call from Start() (after every plugin's Init has provided what it provides).
Result<std::shared_ptr<Authenticator>> FindOrCreateSessionVerifier(ServiceRegistry& services,
                                                                   const Config& config);

// "" when the request carries no Authorization header (an anonymous caller), the session's
// wallet when it carries a valid bearer token, and Unauthenticated when it carries anything
// else. Never blocks (a MAC check), so it may run on I/O threads.
Result<std::string> SessionWallet(const HttpRequest& request, const Authenticator& verifier);

}  // namespace streamgate::internal
