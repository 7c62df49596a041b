// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "chain/json_rpc_client.h"

#include <algorithm>

#include "chain/http_post.h"

namespace streamgate::internal {
namespace {

using nlohmann::json;

bool ContainsRevert(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("revert") != std::string::npos;
}

std::string Shorten(std::string text) {
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

}  // namespace

Result<JsonRpcAnswer> ParseJsonRpcReply(std::string_view body, uint64_t id) {
  json reply;
  try {
    reply = json::parse(body);
  } catch (const json::exception&) {
    return Status::Unavailable("reply is not JSON");
  }
  if (!reply.is_object()) return Status::Unavailable("reply is not a JSON-RPC object");
  const auto version = reply.find("jsonrpc");
  if (version == reply.end() || *version != "2.0") {
    return Status::Unavailable("reply is not JSON-RPC 2.0");
  }
  const auto reply_id = reply.find("id");
  if (reply_id == reply.end() || !reply_id->is_number_unsigned() ||
      reply_id->get<uint64_t>() != id) {
    return Status::Unavailable("reply id does not match the request id");
  }
  const auto result = reply.find("result");
  const auto error = reply.find("error");
  if ((result == reply.end()) == (error == reply.end())) {
    return Status::Unavailable("reply must carry exactly one of result and error");
  }
  JsonRpcAnswer answer;
  if (result != reply.end()) {
    answer.result = std::move(*result);
    return answer;
  }
  if (!error->is_object() || !error->contains("code") || !(*error)["code"].is_number_integer()) {
    return Status::Unavailable("reply has a malformed error object");
  }
  const int64_t code = (*error)["code"].get<int64_t>();
  const std::string message = error->contains("message") && (*error)["message"].is_string()
                                  ? (*error)["message"].get<std::string>()
                                  : std::string();
  // geth and erigon report reverts as code 3 ("execution reverted"), ganache/hardhat/anvil as
  // -32000 or -32603 with "revert" in the message. Everything else is an endpoint failure.
  if (code == 3 || ContainsRevert(message)) {
    answer.reverted = true;
    answer.revert_message = Shorten(message);
    return answer;
  }
  return Status::Unavailable("JSON-RPC error " + std::to_string(code) + ": " + Shorten(message));
}

JsonRpcClient::JsonRpcClient(std::vector<std::string> urls, JsonRpcClientOptions options,
                             EndpointCheck check)
    : options_(options), check_(std::move(check)) {
  for (std::string& url : urls) {
    Endpoint endpoint;
    endpoint.redacted = RedactUrl(url);
    endpoint.url = std::move(url);
    endpoints_.push_back(std::move(endpoint));
  }
}

Result<JsonRpcAnswer> JsonRpcClient::CallEndpoint(std::size_t index, std::string_view method,
                                                  const json& params,
                                                  SteadyClock::time_point deadline) {
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  if (remaining.count() <= 0) return Status::DeadlineExceeded("ownership check deadline passed");
  const uint64_t id = next_id_.fetch_add(1);
  const json request = {
      {"jsonrpc", "2.0"}, {"id", id}, {"method", std::string(method)}, {"params", params}};
  const Endpoint& endpoint = endpoints_[index];
  STREAMGATE_ASSIGN_OR_RETURN(
      HttpPostReply reply,
      HttpPostJson(endpoint.url, request.dump(), std::min(remaining, options_.request_timeout),
                   options_.max_response_bytes));
  if (reply.status != 200) {
    return Status::Unavailable(endpoint.redacted + ": HTTP " + std::to_string(reply.status));
  }
  Result<JsonRpcAnswer> answer = ParseJsonRpcReply(reply.body, id);
  if (!answer.ok()) return answer.status().WithContext(endpoint.redacted);
  answer->endpoint = endpoint.redacted;
  return answer;
}

Result<JsonRpcAnswer> JsonRpcClient::Call(std::string_view method, const json& params,
                                          SteadyClock::time_point deadline) {
  std::string errors;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (SteadyClock::now() >= deadline) {
      return Status::DeadlineExceeded("ownership check deadline passed" +
                                      (errors.empty() ? "" : " after: " + errors));
    }
    bool needs_check = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Endpoint& endpoint = endpoints_[i];
      if (endpoint.retry_after > SteadyClock::now()) {
        errors += (errors.empty() ? "" : "; ") + endpoint.redacted + ": backing off";
        continue;
      }
      needs_check = check_ && !endpoint.checked;
    }
    if (needs_check) {
      const Status checked = check_(*this, i, deadline);
      if (!checked.ok()) {
        RecordFailure(i, checked.code() == StatusCode::kFailedPrecondition);
        errors += (errors.empty() ? "" : "; ") + checked.message();
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      endpoints_[i].checked = true;
    }
    Result<JsonRpcAnswer> answer = CallEndpoint(i, method, params, deadline);
    if (answer.ok()) {
      RecordSuccess(i);
      return answer;
    }
    RecordFailure(i, false);
    errors += (errors.empty() ? "" : "; ") + answer.status().message();
  }
  return Status::Unavailable("no RPC endpoint answered " + std::string(method) + ": " + errors);
}

void JsonRpcClient::RecordSuccess(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  endpoints_[index].consecutive_failures = 0;
  endpoints_[index].retry_after = {};
}

void JsonRpcClient::RecordFailure(std::size_t index, bool permanent) {
  std::lock_guard<std::mutex> lock(mu_);
  Endpoint& endpoint = endpoints_[index];
  endpoint.consecutive_failures = std::min(endpoint.consecutive_failures + 1, 30);
  // A failed endpoint is re-checked (chain id) when it comes back: it may have been re-pointed.
  endpoint.checked = false;
  std::chrono::milliseconds wait = options_.max_backoff;
  if (!permanent) {
    wait = options_.backoff;
    for (int i = 1; i < endpoint.consecutive_failures && wait < options_.max_backoff; ++i) {
      wait *= 2;
    }
    wait = std::min(wait, options_.max_backoff);
  }
  endpoint.retry_after = SteadyClock::now() + wait;
}

}  // namespace streamgate::internal
