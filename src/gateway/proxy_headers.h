// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Header rewriting between client and service (RFC 9110 §7.6): hop-by-hop fields stay on their
// hop, X-Forwarded-For/Proto/Host tell the service who called, Host names the service. And the
// request id every exchange carries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/route_table.h"
#include "streamgate/http.h"

namespace streamgate::internal {

// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
// Proxy-Authenticate, Proxy-Authorization (case-insensitive).
bool IsHopByHopHeader(std::string_view name);
// True when `name` is listed in a Connection header value of `headers` ("Connection: x-foo").
bool NamedInConnection(const HttpHeaders& headers, std::string_view name);

enum class BodyFraming { kNone, kLength, kChunked };

// The request line and header section sent to the service, ending with the blank line. The body
// follows with `framing` (the client's own: Content-Length `length`, or chunked).
std::string BuildUpstreamRequestHead(const HttpRequest& request, const ServiceUrl& service,
                                     BodyFraming framing, uint64_t length);

// Copies a service's response fields into `out`, leaving out hop-by-hop fields, framing
// (Content-Length/Transfer-Encoding: the server frames the response itself), Date/Server, and
// CORS fields (the gateway answers CORS itself, for every service alike).
void CopyResponseHeaders(const HttpHeaders& upstream, HttpHeaders& out);

// 1-128 characters of [A-Za-z0-9._:-]: what a client-provided X-Request-Id must look like to be
// kept (anything else could forge log lines or grow them).
bool IsValidRequestId(std::string_view id);
// 32 lowercase hex digits from a per-thread random generator.
std::string NewRequestId();

}  // namespace streamgate::internal
