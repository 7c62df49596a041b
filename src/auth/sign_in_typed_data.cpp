// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/sign_in_typed_data.h"

namespace streamgate::internal {

nlohmann::json BuildSignInTypedData(const SignInFields& fields) {
  using Json = nlohmann::json;
  auto field = [](const char* name, const char* type) {
    return Json{{"name", name}, {"type", type}};
  };
  Json types = {{"EIP712Domain", Json::array({field("name", "string"), field("version", "string"),
                                              field("chainId", "uint256")})},
                {"SignIn", Json::array({field("wallet", "address"), field("domain", "string"),
                                        field("uri", "string"), field("nonce", "string"),
                                        field("chainId", "uint256"), field("issuedAt", "string"),
                                        field("expirationTime", "string")})}};
  return Json{{"types", std::move(types)},
              {"primaryType", "SignIn"},
              {"domain", {{"name", "StreamGate"}, {"version", "1"}, {"chainId", fields.chain_id}}},
              {"message",
               {{"wallet", fields.wallet},
                {"domain", fields.domain},
                {"uri", fields.uri},
                {"nonce", fields.nonce},
                {"chainId", fields.chain_id},
                {"issuedAt", fields.issued_at},
                {"expirationTime", fields.expiration_time}}}};
}

}  // namespace streamgate::internal
