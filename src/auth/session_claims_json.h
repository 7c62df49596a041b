// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The JSON payload of a session token. Encoding goes through nlohmann_json; decoding is a small
// strict parser for the one shape we write (a flat object of string and integer members),
// because it runs on every Bearer check and a general DOM parse costs more than the MAC. It only
// ever sees payloads whose MAC already verified, and still bounds and checks everything.
#pragma once

#include <string>
#include <string_view>

#include "streamgate/authenticator.h"
#include "streamgate/result.h"

namespace streamgate::internal {

std::string EncodeSessionClaims(const SessionClaims& claims);
// InvalidArgument unless `json` is an object holding exactly the members iss, aud, sub, chain,
// scheme, jti (strings) and iat, exp (integers), each once, and nothing else.
Result<SessionClaims> DecodeSessionClaims(std::string_view json);

}  // namespace streamgate::internal
