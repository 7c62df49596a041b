// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// hello_plugin: the smallest useful StreamGate service. A custom Plugin adds GET /hello;
// RunService does the rest exactly as the shipped services do: configuration from flags and
// STREAMGATE_* variables (STREAMGATE_SERVER_PORT, STREAMGATE_DATA_DIR, ...), logging, the
// Kernel's /health, /ready and /metrics, and a graceful stop on SIGINT/SIGTERM (exit code 0).
//
//   STREAMGATE_SERVER_PORT=8081 ./hello_plugin
//   curl localhost:8081/hello?name=Ada     ->  {"message":"hello, Ada","plugin":"hello"}
#include <streamgate/kernel.h>
#include <streamgate/service.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace {

// JSON string escaping for the one user-supplied value we echo back.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Owns nothing but a counter; Init() runs once, the handler on any worker thread, hence atomic.
class HelloPlugin : public streamgate::Plugin {
 public:
  std::string Name() const override { return "hello"; }

  streamgate::Status Init(streamgate::PluginContext& context) override {
    return context.router.Add(
        streamgate::HttpMethod::kGet, "/hello", [this](streamgate::HttpRequest& request) {
          ++greetings_;
          const std::string_view name = request.HasQuery("name") ? request.Query("name") : "world";
          return streamgate::HttpResponse::Json(
              200, "{\"message\":" + JsonString("hello, " + std::string(name)) +
                       ",\"plugin\":\"hello\"}");
        });
  }

  streamgate::HealthReport Health() const override {
    return {streamgate::HealthState::kHealthy, std::to_string(greetings_.load()) + " greetings"};
  }

 private:
  std::atomic<unsigned long> greetings_{0};
};

}  // namespace

int main(int argc, char** argv) {
  return streamgate::RunService(argc, argv, {"hello", 8080}, [](streamgate::Kernel& kernel) {
    return kernel.Register(std::make_unique<HelloPlugin>());
  });
}
