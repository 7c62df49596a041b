// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// serve_folder: serves a folder of videos at /videos/<path> with Range requests, HEAD, ETag and
// zero-copy sends, plus the Kernel's /health and /metrics. Embeds the SDK without RunService.
//
//   ./serve_folder ~/Videos 8080
//   curl -r 0-99 localhost:8080/videos/holiday/clip.mp4
#include <signal.h>
#include <streamgate/kernel.h>

#include <cstdio>
#include <cstdlib>

namespace {
int Fail(const streamgate::Status& status) {
  std::fprintf(stderr, "serve_folder: %s\n", status.ToString().c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  const long port = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 8080;
  if (argc < 2 || argc > 3 || port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s FOLDER [PORT]\n", argv[0]);
    return 2;
  }
  streamgate::Config config;
  config.service = "serve_folder";
  config.server.port = static_cast<uint16_t>(port);

  // Only sigwait() below receives SIGINT/SIGTERM: blocked before any library thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto runtime = streamgate::Runtime::Create(config.runtime);
  if (!runtime.ok()) return Fail(runtime.status());
  auto kernel = streamgate::Kernel::Create(config, **runtime);
  if (!kernel.ok()) return Fail(kernel.status());

  // Files are looked up with realpath(3) and stat(2) only: cheap enough to run inline.
  streamgate::RouteOptions inline_route;
  inline_route.mode = streamgate::HandlerMode::kInline;
  streamgate::Status status =
      (*kernel)->router().Add(streamgate::HttpMethod::kGet, "/videos/{path...}",
                              streamgate::StaticFileHandler(argv[1]), inline_route);
  if (status.ok()) status = (*kernel)->Start();
  if (!status.ok()) return Fail(status);
  std::printf("serving %s at http://%s:%u/videos/\n", argv[1], config.server.host.c_str(),
              static_cast<unsigned>((*kernel)->port()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  status = (*kernel)->Stop();  // drains in-flight requests first
  return status.ok() ? 0 : Fail(status);
}
