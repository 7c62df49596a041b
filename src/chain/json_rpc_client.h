// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// JsonRpcClient: JSON-RPC 2.0 over HTTP POST against an ordered list of endpoints of one chain,
// with failover and a small per-endpoint circuit breaker.
//
// Only two outcomes are answers: a `result`, or an EVM revert (an error object the node returns
// for an eth_call that reverted, which every honest node reports identically). Everything else
// (transport errors, HTTP status other than 200, malformed JSON, a wrong id or version, any
// other error object, an oversized reply) is a failure of that endpoint: the next endpoint is
// tried, and when none answers the call fails (Unavailable), which the verifier turns into deny.
//
// Thread-safe: endpoint health is guarded by mu_; calls run concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/result.h"

namespace streamgate::internal {

using SteadyClock = std::chrono::steady_clock;

struct JsonRpcClientOptions {
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_response_bytes = std::size_t{4} << 20;
  std::chrono::milliseconds backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
};

struct JsonRpcAnswer {
  nlohmann::json result;  // when !reverted
  bool reverted = false;  // eth_call reverted: the chain's answer, not a failure
  std::string revert_message;
  std::string endpoint;  // redacted URL of the endpoint that answered
};

class JsonRpcClient {
 public:
  // Checks an endpoint before its first use (e.g. eth_chainId). A FailedPrecondition result
  // marks the endpoint as wrong (skipped for max_backoff); other errors count as failures.
  using EndpointCheck = std::function<Status(JsonRpcClient& client, std::size_t endpoint,
                                             SteadyClock::time_point deadline)>;

  JsonRpcClient(std::vector<std::string> urls, JsonRpcClientOptions options,
                EndpointCheck check = nullptr);

  // Calls `method` on the first healthy endpoint, failing over in order. Endpoints in backoff
  // are skipped; when every endpoint is in backoff the call fails at once (Unavailable) rather
  // than waiting on a dead node. DeadlineExceeded once `deadline` has passed.
  Result<JsonRpcAnswer> Call(std::string_view method, const nlohmann::json& params,
                             SteadyClock::time_point deadline);

  // One request to one endpoint, no failover, no health bookkeeping (used by EndpointCheck).
  Result<JsonRpcAnswer> CallEndpoint(std::size_t endpoint, std::string_view method,
                                     const nlohmann::json& params,
                                     SteadyClock::time_point deadline);

 private:
  struct Endpoint {
    std::string url;
    std::string redacted;
    bool checked = false;
    int consecutive_failures = 0;
    SteadyClock::time_point retry_after{};
  };
  void RecordSuccess(std::size_t index);
  void RecordFailure(std::size_t index, bool permanent);

  const JsonRpcClientOptions options_;
  const EndpointCheck check_;
  std::mutex mu_;  // guards the health fields of endpoints_
  std::vector<Endpoint> endpoints_;
  std::atomic<uint64_t> next_id_{1};
};

// Parses and checks one JSON-RPC reply body for request `id` (exposed for tests).
Result<JsonRpcAnswer> ParseJsonRpcReply(std::string_view body, uint64_t id);

}  // namespace streamgate::internal
