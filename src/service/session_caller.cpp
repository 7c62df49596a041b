// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "service/session_caller.h"

#include <utility>

#include "streamgate/cache.h"

namespace streamgate::internal {

Result<std::shared_ptr<Authenticator>> FindOrCreateSessionVerifier(ServiceRegistry& services,
                                                                   const Config& config) {
  if (std::shared_ptr<Authenticator> shared = services.Find<Authenticator>()) return shared;
  AuthenticatorOptions options = config.auth;
  if (options.jwt_keys.empty() && options.jwt_key_file.empty()) {
    options.jwt_key_file = config.data_dir + "/auth/session_keys";  // as the auth plugin does
  }
  // Only VerifySessionToken is used: the nonce store stays empty and small.
  LruCacheOptions nonces;
  nonces.max_bytes = std::size_t{1} << 20;
  STREAMGATE_ASSIGN_OR_RETURN(
      std::unique_ptr<Authenticator> own,
      Authenticator::Create(std::move(options), std::shared_ptr<Cache>(NewLruCache(nonces))));
  return std::shared_ptr<Authenticator>(std::move(own));
}

Result<std::string> SessionWallet(const HttpRequest& request, const Authenticator& verifier) {
  const std::string_view authorization = request.Header("Authorization");
  if (authorization.empty()) return std::string();
  STREAMGATE_ASSIGN_OR_RETURN(SessionClaims claims, verifier.VerifyBearer(authorization));
  return std::move(claims.sub);
}

}  // namespace streamgate::internal
