// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "streamgate/status.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "streamgate/http.h"
#include "streamgate/result.h"

namespace streamgate {
namespace {

Status FailIf(bool fail) { return fail ? Status::NotFound("no such thing") : Status::Ok(); }

Status Chain(bool fail, int* reached) {
  STREAMGATE_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return Status::Ok();
}

Result<int> Half(int value) {
  if (value % 2 != 0) return Status::InvalidArgument(std::to_string(value) + " is odd");
  return value / 2;
}

Result<int> Quarter(int value) {
  STREAMGATE_ASSIGN_OR_RETURN(const int half, Half(value));
  STREAMGATE_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

}  // namespace

TEST_CASE("Status is OK by default and carries code and message otherwise", "[status]") {
  const Status ok;
  CHECK(ok.ok());
  CHECK(ok.code() == StatusCode::kOk);
  CHECK(ok.message().empty());
  CHECK(ok.ToString() == "OK");
  CHECK(Status::Ok() == ok);

  const Status missing = Status::NotFound("no such upload");
  CHECK_FALSE(missing.ok());
  CHECK(missing.code() == StatusCode::kNotFound);
  CHECK(missing.message() == "no such upload");
  CHECK(missing.ToString() == "NOT_FOUND: no such upload");
  CHECK(missing != ok);
  CHECK(missing == Status(StatusCode::kNotFound, "no such upload"));
  CHECK(missing != Status::NotFound("other"));

  // A Status built with code kOk is OK whatever the message.
  CHECK(Status(StatusCode::kOk, "ignored").ok());
  CHECK(Status::Internal("").ToString() == "INTERNAL");
}

TEST_CASE("Status::WithContext prefixes the message and keeps the code", "[status]") {
  const Status status = Status::Unavailable("address in use").WithContext("http server");
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK(status.message() == "http server: address in use");
  CHECK(Status::Ok().WithContext("anything").ok());
}

TEST_CASE("StatusCodeName spells every canonical code", "[status]") {
  CHECK(StatusCodeName(StatusCode::kOk) == "OK");
  CHECK(StatusCodeName(StatusCode::kCancelled) == "CANCELLED");
  CHECK(StatusCodeName(StatusCode::kUnknown) == "UNKNOWN");
  CHECK(StatusCodeName(StatusCode::kInvalidArgument) == "INVALID_ARGUMENT");
  CHECK(StatusCodeName(StatusCode::kDeadlineExceeded) == "DEADLINE_EXCEEDED");
  CHECK(StatusCodeName(StatusCode::kNotFound) == "NOT_FOUND");
  CHECK(StatusCodeName(StatusCode::kAlreadyExists) == "ALREADY_EXISTS");
  CHECK(StatusCodeName(StatusCode::kPermissionDenied) == "PERMISSION_DENIED");
  CHECK(StatusCodeName(StatusCode::kResourceExhausted) == "RESOURCE_EXHAUSTED");
  CHECK(StatusCodeName(StatusCode::kFailedPrecondition) == "FAILED_PRECONDITION");
  CHECK(StatusCodeName(StatusCode::kAborted) == "ABORTED");
  CHECK(StatusCodeName(StatusCode::kOutOfRange) == "OUT_OF_RANGE");
  CHECK(StatusCodeName(StatusCode::kUnimplemented) == "UNIMPLEMENTED");
  CHECK(StatusCodeName(StatusCode::kInternal) == "INTERNAL");
  CHECK(StatusCodeName(StatusCode::kUnavailable) == "UNAVAILABLE");
  CHECK(StatusCodeName(StatusCode::kDataLoss) == "DATA_LOSS");
  CHECK(StatusCodeName(StatusCode::kUnauthenticated) == "UNAUTHENTICATED");
}

TEST_CASE("Result holds a value or an error", "[status]") {
  const Result<std::string> value = std::string("x");
  REQUIRE(value.ok());
  CHECK(value.status().ok());
  CHECK(*value == "x");
  CHECK(value->size() == 1);

  const Result<std::string> error = Status::PermissionDenied("nope");
  REQUIRE_FALSE(error.ok());
  CHECK(error.status() == Status::PermissionDenied("nope"));
  CHECK(error.value_or("fallback") == "fallback");

  // An OK status cannot make a Result without a value.
  const Result<int> bogus = Status::Ok();
  CHECK_FALSE(bogus.ok());
  CHECK(bogus.status().code() == StatusCode::kInternal);
}

TEST_CASE("STREAMGATE_RETURN_IF_ERROR and STREAMGATE_ASSIGN_OR_RETURN propagate errors",
          "[status]") {
  int reached = 0;
  CHECK(Chain(false, &reached).ok());
  CHECK(reached == 1);
  reached = 0;
  CHECK(Chain(true, &reached) == Status::NotFound("no such thing"));
  CHECK(reached == 0);

  const Result<int> quarter = Quarter(12);
  REQUIRE(quarter.ok());
  CHECK(*quarter == 3);
  CHECK(Quarter(7).status() == Status::InvalidArgument("7 is odd"));
  CHECK(Quarter(6).status() == Status::InvalidArgument("3 is odd"));
}

TEST_CASE("HttpStatusFor is the one Status to HTTP table", "[status][http]") {
  CHECK(HttpStatusFor(StatusCode::kOk) == 200);
  CHECK(HttpStatusFor(StatusCode::kInvalidArgument) == 400);
  CHECK(HttpStatusFor(StatusCode::kFailedPrecondition) == 400);
  CHECK(HttpStatusFor(StatusCode::kUnauthenticated) == 401);
  CHECK(HttpStatusFor(StatusCode::kPermissionDenied) == 403);
  CHECK(HttpStatusFor(StatusCode::kNotFound) == 404);
  CHECK(HttpStatusFor(StatusCode::kAlreadyExists) == 409);
  CHECK(HttpStatusFor(StatusCode::kAborted) == 409);
  CHECK(HttpStatusFor(StatusCode::kOutOfRange) == 416);
  CHECK(HttpStatusFor(StatusCode::kResourceExhausted) == 429);
  CHECK(HttpStatusFor(StatusCode::kCancelled) == 499);
  CHECK(HttpStatusFor(StatusCode::kUnimplemented) == 501);
  CHECK(HttpStatusFor(StatusCode::kUnavailable) == 503);
  CHECK(HttpStatusFor(StatusCode::kDeadlineExceeded) == 504);
  CHECK(HttpStatusFor(StatusCode::kInternal) == 500);
  CHECK(HttpStatusFor(StatusCode::kUnknown) == 500);
  CHECK(HttpStatusFor(StatusCode::kDataLoss) == 500);
}

TEST_CASE("HttpResponse::Error writes the JSON error body", "[status][http]") {
  const HttpResponse response =
      HttpResponse::Error(Status::NotFound("content \"a\\b\"\nline two \x01"));
  CHECK(response.status == 404);
  CHECK(response.headers.Get("Content-Type").substr(0, 16) == "application/json");
  const auto body = nlohmann::json::parse(response.body);
  CHECK(body.size() == 1);
  CHECK(body["error"]["code"] == "NOT_FOUND");
  // Quotes, backslashes and control characters survive the round trip.
  CHECK(body["error"]["message"] == "content \"a\\b\"\nline two \x01");

  const HttpResponse custom = HttpResponse::Error(413, "PAYLOAD_TOO_LARGE", "body over 1 MiB");
  CHECK(custom.status == 413);
  const auto custom_body = nlohmann::json::parse(custom.body);
  CHECK(custom_body["error"]["code"] == "PAYLOAD_TOO_LARGE");
  CHECK(custom_body["error"]["message"] == "body over 1 MiB");

  // Invalid UTF-8 in a message (a file name, say) must not throw or produce invalid JSON.
  const HttpResponse bad_utf8 = HttpResponse::Error(Status::InvalidArgument("name \xff\xfe"));
  CHECK(bad_utf8.status == 400);
  CHECK_NOTHROW(nlohmann::json::parse(bad_utf8.body));
}

TEST_CASE("HttpResponse::Error never shows internal details in a 500", "[status][http]") {
  for (const Status& status : {Status::Internal("sqlite: /srv/data/meta.db is locked"),
                               Status::DataLoss("segment 7 checksum mismatch"),
                               Status::Unknown("libav: error -1094995529")}) {
    const HttpResponse response = HttpResponse::Error(status);
    CHECK(response.status == 500);
    const auto body = nlohmann::json::parse(response.body);
    CHECK(body["error"]["code"] == "INTERNAL");
    CHECK(body["error"]["message"] == "internal error");
    CHECK(response.body.find(status.message()) == std::string::npos);
  }
  // An OK status is a caller bug, not a success with an error body.
  CHECK(HttpResponse::Error(Status::Ok()).status == 500);
  // 503 keeps its message: "try again later" is what the client needs to know.
  const HttpResponse unavailable = HttpResponse::Error(Status::Unavailable("draining"));
  CHECK(unavailable.status == 503);
  CHECK(nlohmann::json::parse(unavailable.body)["error"]["message"] == "draining");
}

}  // namespace streamgate
