// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A minimal static file server on the public API only (Runtime + Router + HttpServer +
// StaticFileHandler): the StreamGate side of benchmarks/http_vs_nginx.sh and
// benchmarks/idle_connections.sh. Serves every file below ROOT at "/<relative path>".
//
//   streamgate_file_server --root DIR [--host 127.0.0.1] [--port 8080] [--io-threads N]
//                          [--max-connections N] [--idle-timeout-ms N]
//                          [--handler-mode inline|blocking]
//
// --io-threads defaults to $STREAMGATE_RUNTIME_IO_THREADS, else one per hardware thread. Logs at
// warn level with no access log, like nginx with access_log off. Stops on SIGINT/SIGTERM.
#include <signal.h>
#include <streamgate/http.h>
#include <streamgate/logging.h>
#include <streamgate/runtime.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace {

bool ParseInt(std::string_view text, long long min, long long max, long long* out) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "streamgate_file_server: %s\n"
               "usage: streamgate_file_server --root DIR [--host H] [--port N] [--io-threads N]\n"
               "       [--max-connections N] [--idle-timeout-ms N] "
               "[--handler-mode inline|blocking]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root;
  streamgate::HttpServerOptions server_options;
  server_options.host = "127.0.0.1";
  streamgate::RuntimeOptions runtime_options;
  // The file handler only does realpath(3) and stat(2) on local files, the same work nginx does
  // in its event loop, so by default it runs inline on the I/O thread.
  streamgate::HandlerMode mode = streamgate::HandlerMode::kInline;

  long long value = 0;
  if (const char* env = std::getenv("STREAMGATE_RUNTIME_IO_THREADS"); env != nullptr) {
    if (!ParseInt(env, 0, 256, &value)) return Usage("bad STREAMGATE_RUNTIME_IO_THREADS");
    runtime_options.io_threads = static_cast<int>(value);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage("every flag takes a value");
    const std::string_view arg = argv[++i];
    if (flag == "--root") {
      root = arg;
    } else if (flag == "--host") {
      server_options.host = arg;
    } else if (flag == "--port" && ParseInt(arg, 0, 65535, &value)) {
      server_options.port = static_cast<uint16_t>(value);
    } else if (flag == "--io-threads" && ParseInt(arg, 0, 256, &value)) {
      runtime_options.io_threads = static_cast<int>(value);
    } else if (flag == "--max-connections" && ParseInt(arg, 1, 10'000'000, &value)) {
      server_options.max_connections = static_cast<uint32_t>(value);
    } else if (flag == "--idle-timeout-ms" && ParseInt(arg, 1, 86'400'000, &value)) {
      server_options.idle_timeout_ms = static_cast<int>(value);
    } else if (flag == "--handler-mode" && (arg == "inline" || arg == "blocking")) {
      mode =
          arg == "inline" ? streamgate::HandlerMode::kInline : streamgate::HandlerMode::kBlocking;
    } else {
      return Usage("unknown flag or bad value");
    }
  }
  if (root.empty()) return Usage("--root is required");

  // Blocked before any thread exists, so that every thread inherits the mask and only sigwait()
  // below sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  streamgate::LogOptions log;
  log.level = streamgate::LogLevel::kWarn;
  log.access_log = false;
  if (streamgate::Status s = streamgate::ConfigureLogging(log); !s.ok()) {
    std::fprintf(stderr, "logging: %s\n", s.ToString().c_str());
    return 1;
  }

  auto runtime = streamgate::Runtime::Create(runtime_options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "runtime: %s\n", runtime.status().ToString().c_str());
    return 1;
  }
  auto router = std::make_shared<streamgate::Router>();
  streamgate::RouteOptions route_options;
  route_options.mode = mode;
  if (streamgate::Status s = router->Add(streamgate::HttpMethod::kGet, "/{path...}",
                                         streamgate::StaticFileHandler(root), route_options);
      !s.ok()) {
    std::fprintf(stderr, "router: %s\n", s.ToString().c_str());
    return 1;
  }
  auto server = streamgate::HttpServer::Create(server_options, router, **runtime);
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (streamgate::Status s = (*server)->Start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.ToString().c_str());
    return 1;
  }
  // Scripts wait for this line (and read the port from it when --port 0).
  std::printf("listening on http://%s:%u/ io_threads=%d\n", server_options.host.c_str(),
              static_cast<unsigned>((*server)->port()), (*runtime)->io_threads());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  (*server)->Shutdown();
  (*runtime)->Stop();
  return 0;
}
