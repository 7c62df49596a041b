// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// s3rver (tests/peers) on 127.0.0.1:<free port> with one bucket, its data in a fresh temporary
// directory; killed when the object goes away (also on failure, and by the kernel if the test
// process dies). s3rver does not check SigV4 signatures (tests/unit/s3_*_test.cpp do).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "streamgate/object_store.h"

namespace streamgate::testing {

class S3rverProcess {
 public:
  static constexpr const char* kBucket = "streamgate-test";

  // `extra_args` go after the standard ones (e.g. {"--service-endpoint", "localhost"}).
  explicit S3rverProcess(std::vector<std::string> extra_args = {}) : port_(FreePort()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-s3rver-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    const std::string binary = std::string(STREAMGATE_TEST_PEERS_DIR) + "/.bin/s3rver";
    REQUIRE(std::filesystem::exists(binary));  // run scripts/install-test-peers.sh
    std::vector<std::string> args = {binary,
                                     "-d",
                                     dir_.string(),
                                     "--address",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(port_),
                                     "--silent",
                                     "--configure-bucket",
                                     kBucket};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !CanConnect(port_); ++i) {
      int status = 0;
      REQUIRE(::waitpid(pid_, &status, WNOHANG) == 0);  // s3rver exited early
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(CanConnect(port_));
  }
  ~S3rverProcess() {
    ::kill(pid_, SIGTERM);
    bool reaped = false;
    for (int i = 0; i < 100 && !reaped; ++i) {
      reaped = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  S3rverProcess(const S3rverProcess&) = delete;
  S3rverProcess& operator=(const S3rverProcess&) = delete;

  uint16_t port() const { return port_; }
  S3ObjectStoreOptions Options() const {
    S3ObjectStoreOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    options.bucket = kBucket;
    options.access_key = "S3RVER";
    options.secret_key = "S3RVER";
    return options;
  }
  // Part files of multipart uploads not yet completed, as s3rver keeps them on disk.
  int PendingPartFiles() const {
    int count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      const std::string path = entry.path().string();
      if (entry.is_regular_file() && path.find("uploads") != std::string::npos &&
          entry.path().filename().string().find_first_not_of("0123456789") == std::string::npos) {
        ++count;
      }
    }
    return count;
  }

 private:
  static uint16_t FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t length = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
  }
  static bool CanConnect(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::filesystem::path dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace streamgate::testing
