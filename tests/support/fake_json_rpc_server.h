// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A scripted JSON-RPC endpoint on a free loopback port, served by StreamGate's own HttpServer:
// the test supplies a function from the parsed request to the HTTP response, so it can play
// back recorded replies or misbehave on purpose (HTTP 500, wrong ids, huge bodies, …).
// Test-only; the responder runs on the server's worker threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "streamgate/http.h"
#include "streamgate/runtime.h"

namespace streamgate::testing {

class FakeJsonRpcServer {
 public:
  using Responder = std::function<HttpResponse(const nlohmann::json& request)>;

  explicit FakeJsonRpcServer(Responder responder) : responder_(std::move(responder)) {
    runtime_ = std::move(Runtime::Create({1, 2}).value());
    auto router = std::make_shared<Router>();
    RouteOptions options;
    options.max_body_bytes = 1 << 20;
    const Status added = router->Add(
        HttpMethod::kPost, "/",
        [this](HttpRequest& request) {
          ++requests_;
          nlohmann::json parsed;
          try {
            parsed = nlohmann::json::parse(request.body);
          } catch (const nlohmann::json::exception&) {
            return HttpResponse::Text(400, "bad json");
          }
          return responder_(parsed);
        },
        options);
    if (!added.ok()) throw std::runtime_error(added.ToString());
    HttpServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    server_ = std::move(HttpServer::Create(server_options, router, *runtime_).value());
    const Status started = server_->Start();
    if (!started.ok()) throw std::runtime_error(started.ToString());
  }
  ~FakeJsonRpcServer() {
    server_->Shutdown();
    server_.reset();
    runtime_->Stop();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int requests() const { return requests_.load(); }

  // A well-formed reply carrying `result` for `request`.
  static HttpResponse Result(const nlohmann::json& request, const nlohmann::json& result) {
    return HttpResponse::Json(
        200,
        nlohmann::json{{"jsonrpc", "2.0"}, {"id", request.at("id")}, {"result", result}}.dump());
  }
  static HttpResponse Error(const nlohmann::json& request, int code, const std::string& message) {
    return HttpResponse::Json(200, nlohmann::json{{"jsonrpc", "2.0"},
                                                  {"id", request.at("id")},
                                                  {"error", {{"code", code}, {"message", message}}}}
                                       .dump());
  }

 private:
  Responder responder_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> requests_{0};
};

}  // namespace streamgate::testing
