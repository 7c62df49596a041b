// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A real redis-server for one test: started on 127.0.0.1 on a free port, without persistence,
// in a private temp dir; stopped (SIGTERM, then SIGKILL) by the destructor, so also when the
// test fails; PR_SET_PDEATHSIG kills it if the test process dies without unwinding. Stop() and
// Start() again on the same port simulate a server restart.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace streamgate::testing {

class TestRedisServer {
 public:
  TestRedisServer() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("sg-redis-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      if (Start()) return;
    }
    throw std::runtime_error("could not start redis-server");
  }
  ~TestRedisServer() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestRedisServer(const TestRedisServer&) = delete;
  TestRedisServer& operator=(const TestRedisServer&) = delete;

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // Starts redis-server on port() and waits until it accepts connections; false on failure.
  bool Start() {
    if (pid_ > 0) return true;
    const std::string port = std::to_string(port_);
    const std::string dir = dir_.string();
    const std::string log = (dir_ / "redis.log").string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      const char* argv[] = {"redis-server",
                            "--port",
                            port.c_str(),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            dir.c_str(),
                            "--loglevel",
                            "warning",
                            "--protected-mode",
                            "no",
                            "--logfile",
                            log.c_str(),
                            nullptr};
      ::execvp("redis-server", const_cast<char* const*>(argv));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken or no binary
        pid_ = -1;
        return false;
      }
      if (Ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Stop();
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  static int FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  // Sends PING and expects +PONG.
  bool Ping() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      const char ping[] = "PING\r\n";
      char buffer[16] = {};
      timeval tv{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) == sizeof ping - 1 &&
          ::recv(fd, buffer, sizeof buffer - 1, 0) > 0) {
        ok = std::string(buffer).rfind("+PONG", 0) == 0;
      }
    }
    ::close(fd);
    return ok;
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace streamgate::testing
