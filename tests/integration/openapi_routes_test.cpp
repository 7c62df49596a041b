// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// docs/openapi.yaml describes exactly the HTTP API the processes serve: a Kernel with every
// plugin of the monolith (services/streamgate/main.cpp) and one with the gateway plugin alone
// (services/api-gateway) are started, their Router::Routes() listed, and compared both ways with
// the operations of the spec. An operation serves the monolith unless it carries
// `x-streamgate-service: [api-gateway, ...]` (a list of the processes that serve it, "monolith"
// for the monolith).
//
// When this fails after a route was added or removed: add (or remove) the operation in
// docs/openapi.yaml, with its parameters, request and response schemas, then run
//   ctest -R 'openapi' --output-on-failure
// The YAML is read through python3-yaml (scripts/install-deps.sh) and converted to JSON.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "streamgate/kernel.h"
#include "streamgate/plugins.h"
#include "streamgate/runtime.h"

namespace streamgate {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// "GET /stream/{content_id}/{path}": the method and the pattern with `{name...}` written as
// OpenAPI writes it, `{name}`.
std::string Operation(std::string_view method, std::string pattern) {
  for (std::size_t at = pattern.find("...}"); at != std::string::npos; at = pattern.find("...}")) {
    pattern.erase(at, 3);
  }
  std::string upper(method);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper + " " + pattern;
}

// The spec as JSON, through python3-yaml (a YAML parser is not among the C++ dependencies).
Json LoadSpec() {
  const std::string path = std::string(STREAMGATE_SOURCE_DIR) + "/docs/openapi.yaml";
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  const std::string command =
      python + " -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), " +
      "sys.stdout)' '" + path + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string text;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  const int status = ::pclose(pipe);
  INFO("python3-yaml could not read " << path);
  REQUIRE(status == 0);
  Json spec = Json::parse(text, nullptr, false);
  REQUIRE(spec.is_object());
  REQUIRE(spec.contains("paths"));
  return spec;
}

// Operations of the spec served by `process` ("monolith" or a service name).
std::set<std::string> SpecOperations(const Json& spec, const std::string& process) {
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  std::set<std::string> out;
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (kMethods.count(method) == 0) continue;
      bool served = process == "monolith";
      if (operation.contains("x-streamgate-service")) {
        served = false;
        for (const Json& name : operation["x-streamgate-service"]) served |= name == process;
      }
      if (served) out.insert(Operation(method, path));
    }
  }
  return out;
}

// Routes a Kernel with these plugins registers (kernel endpoints included).
std::set<std::string> ServedOperations(const std::string& service,
                                       std::vector<std::unique_ptr<Plugin>> plugins) {
  const fs::path data =
      fs::temp_directory_path() / ("sg_openapi_" + service + "_" + std::to_string(::getpid()));
  fs::remove_all(data);
  Config config;
  config.service = service;
  config.data_dir = data.string();
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.log.access_log = false;
  config.jobs.run_worker = false;  // routes only; no background work needed
  Result<std::unique_ptr<Runtime>> runtime = Runtime::Create(config.runtime);
  REQUIRE(runtime.ok());
  std::set<std::string> out;
  {
    Result<std::unique_ptr<Kernel>> kernel = Kernel::Create(config, **runtime);
    REQUIRE(kernel.ok());
    for (std::unique_ptr<Plugin>& plugin : plugins) {
      REQUIRE((*kernel)->Register(std::move(plugin)).ok());
    }
    const Status started = (*kernel)->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    for (const Router::RouteInfo& route : (*kernel)->router().Routes()) {
      out.insert(Operation(HttpMethodName(route.method), route.pattern));
    }
    REQUIRE((*kernel)->Stop().ok());
  }
  fs::remove_all(data);
  return out;
}

// Both directions, each missing operation named on its own line.
void RequireSame(const std::set<std::string>& served, const std::set<std::string>& documented,
                 const std::string& process) {
  std::string undocumented;
  for (const std::string& op : served) {
    if (documented.count(op) == 0) undocumented += "\n  " + op;
  }
  std::string unserved;
  for (const std::string& op : documented) {
    if (served.count(op) == 0) unserved += "\n  " + op;
  }
  INFO("process: " << process);
  INFO("served but missing from docs/openapi.yaml:" << (undocumented.empty() ? " none"
                                                                             : undocumented));
  INFO("in docs/openapi.yaml but not served:" << (unserved.empty() ? " none" : unserved));
  CHECK(undocumented.empty());
  CHECK(unserved.empty());
}

TEST_CASE("Router::Routes lists every (method, pattern) once, sorted", "[docs][openapi]") {
  Router router;
  const HttpHandler ok = [](HttpRequest&) { return HttpResponse::Text(200, "ok"); };
  REQUIRE(router.Add(HttpMethod::kPost, "/b/{id}", ok).ok());
  REQUIRE(router.Add(HttpMethod::kGet, "/b/{id}", ok).ok());
  REQUIRE(router.Add(HttpMethod::kGet, "/a", ok).ok());
  REQUIRE(router.Add(HttpMethod::kGet, "/a/", ok).ok());
  REQUIRE(router.Add(HttpMethod::kGet, "/files/{rest...}", ok).ok());
  const std::vector<Router::RouteInfo> routes = router.Routes();
  std::vector<std::string> listed;
  for (const Router::RouteInfo& route : routes) {
    listed.push_back(std::string(HttpMethodName(route.method)) + " " + route.pattern);
  }
  CHECK(listed == std::vector<std::string>{"GET /a", "GET /a/", "GET /b/{id}", "POST /b/{id}",
                                           "GET /files/{rest...}"});
  CHECK(Router().Routes().empty());
}

TEST_CASE("docs/openapi.yaml documents exactly the monolith's routes", "[docs][openapi]") {
  const Json spec = LoadSpec();
  // The monolith's plugins, as services/streamgate/main.cpp registers them.
  std::vector<std::unique_ptr<Plugin>> plugins;
  for (auto* factory :
       {&NewUploadPlugin, &NewTranscoderPlugin, &NewStreamingPlugin, &NewMetadataPlugin,
        &NewCachePlugin, &NewAuthPlugin, &NewWorkerPlugin, &NewMonitorPlugin, &NewWebPlugin}) {
    plugins.push_back(factory());
  }
  const std::set<std::string> served = ServedOperations("streamgate", std::move(plugins));
  CHECK(served.count("GET /health") == 1);  // the listing itself works
  CHECK(served.count("GET /stream/{content_id}/{path}") == 1);
  RequireSame(served, SpecOperations(spec, "monolith"), "monolith");
}

TEST_CASE("docs/openapi.yaml documents exactly the api-gateway's own routes", "[docs][openapi]") {
  const Json spec = LoadSpec();
  std::vector<std::unique_ptr<Plugin>> plugins;
  plugins.push_back(NewGatewayPlugin());
  std::set<std::string> served = ServedOperations("api-gateway", std::move(plugins));
  // The forwarding catch-alls are not an API of their own: they carry the operations documented
  // for the services (DefaultGatewayRoutes in gateway.h says which service owns which prefix).
  for (auto it = served.begin(); it != served.end();) {
    const bool forward = it->size() > 14 && (it->ends_with(" /api/v1/{path}") ||
                                              it->ends_with(" /stream/{path}"));
    it = forward ? served.erase(it) : std::next(it);
  }
  CHECK(served.count("GET /api/v1/gateway/services") == 1);
  // The kernel endpoints are served by every process, the gateway included.
  std::set<std::string> documented = SpecOperations(spec, "api-gateway");
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!operation.is_object() || !operation.contains("tags")) continue;
      for (const Json& tag : operation["tags"]) {
        if (tag == "kernel") documented.insert(Operation(method, path));
      }
    }
  }
  RequireSame(served, documented, "api-gateway");
}

}  // namespace
}  // namespace streamgate
