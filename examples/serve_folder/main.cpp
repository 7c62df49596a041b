// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// serve_folder: embeds the engine to turn a folder of videos into an HLS/DASH site. Every video
// in FOLDER is transcoded once (an ABR ladder of CMAF segments, HLS + DASH playlists, a poster)
// into OUT/<name>/, then OUT is served at /videos/ with Range requests, ETags and zero-copy sends,
// plus the Kernel's /health and /metrics. Stops cleanly on SIGINT/SIGTERM.
//
//   ./serve_folder ~/Videos /tmp/site 8080
//   ffplay http://localhost:8080/videos/holiday/master.m3u8
#include <signal.h>
#include <streamgate/kernel.h>
#include <streamgate/transcoder.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

namespace fs = std::filesystem;

static int Fail(const streamgate::Status& status) {
  std::fprintf(stderr, "serve_folder: %s\n", status.ToString().c_str());
  return 1;
}

int main(int argc, char** argv) {
  const long port = argc == 4 ? std::strtol(argv[3], nullptr, 10) : 8080;
  if (argc < 3 || argc > 4 || port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s FOLDER OUT [PORT]\n", argv[0]);
    return 2;
  }
  // Only sigwait() below receives SIGINT/SIGTERM: blocked before any library thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  streamgate::Config config;
  config.service = "serve_folder";
  config.server.port = static_cast<uint16_t>(port);
  auto runtime = streamgate::Runtime::Create(config.runtime);
  if (!runtime.ok()) return Fail(runtime.status());

  // 1. Transcode what is not done yet. The Transcoder writes into a fresh directory and removes
  //    it again on failure, so OUT/<name>/ exists only for a complete package.
  auto transcoder = streamgate::Transcoder::Create({}, runtime->get());
  if (!transcoder.ok()) return Fail(transcoder.status());
  const std::set<std::string> kVideo = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(argv[1], error)) {
    const fs::path out = fs::path(argv[2]) / entry.path().stem();
    if (!entry.is_regular_file() || !kVideo.count(entry.path().extension().string()) ||
        fs::exists(out)) {
      continue;
    }
    streamgate::TranscodeRequest request;
    request.input_path = entry.path().string();
    request.output_dir = out.string();
    auto result = (*transcoder)->Transcode(request);
    std::printf("%s: %s\n", entry.path().filename().c_str(),
                result.ok() ? "packaged" : result.status().ToString().c_str());
  }

  if (error) return Fail(streamgate::Status::InvalidArgument(argv[1] + (": " + error.message())));

  // 2. Serve OUT. Files are looked up with realpath(3) and stat(2): cheap enough to run inline.
  auto kernel = streamgate::Kernel::Create(config, **runtime);
  if (!kernel.ok()) return Fail(kernel.status());
  streamgate::RouteOptions inline_route;
  inline_route.mode = streamgate::HandlerMode::kInline;
  streamgate::Status status =
      (*kernel)->router().Add(streamgate::HttpMethod::kGet, "/videos/{path...}",
                              streamgate::StaticFileHandler(argv[2]), inline_route);
  if (status.ok()) status = (*kernel)->Start();
  if (!status.ok()) return Fail(status);
  std::printf("serving %s at http://%s:%u/videos/<name>/master.m3u8\n", argv[2],
              config.server.host.c_str(), static_cast<unsigned>((*kernel)->port()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  status = (*kernel)->Stop();  // drains in-flight requests first
  return status.ok() ? 0 : Fail(status);
}
