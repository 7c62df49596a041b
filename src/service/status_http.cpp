// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The one Status -> HTTP table, and the JSON error body every route answers with.
#include <nlohmann/json.hpp>
#include <string>

#include "common/log.h"
#include "streamgate/http.h"

namespace streamgate {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kOutOfRange:
      return 416;  // the code range-request handling produces
    case StatusCode::kResourceExhausted:
      return 429;
    // Cancelled nearly always means the client went away before the answer was ready: 499 (the
    // nginx convention) keeps those exchanges out of the 5xx error rate and, unlike 400, does
    // not blame a request that was well formed. No client ever reads it.
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kUnknown:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return 500;
  }
  return 500;
}

HttpResponse HttpResponse::Error(int http_status, std::string_view code, std::string_view message) {
  nlohmann::json body;
  body["error"]["code"] = std::string(code);
  body["error"]["message"] = std::string(message);
  // `replace` keeps a message holding invalid UTF-8 (a file name, say) from throwing.
  return Json(http_status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpResponse HttpResponse::Error(const Status& status) {
  // An OK status here is a caller bug; answering 200 with an error body would hide it.
  const int http_status = status.ok() ? 500 : HttpStatusFor(status.code());
  if (http_status == 500) {
    // Internal details (paths, SQL, library messages) go to the log, never to the client.
    internal::Logger("http")->error("internal error answered as 500: {}", status.ToString());
    return Error(500, StatusCodeName(StatusCode::kInternal), "internal error");
  }
  return Error(http_status, StatusCodeName(status.code()), status.message());
}

}  // namespace streamgate
