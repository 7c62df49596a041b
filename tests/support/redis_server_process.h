// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A real redis-server (the Debian package) for tests: started on 127.0.0.1 on a free port with
// its files in a private directory, stopped (SIGTERM, then SIGKILL) by the destructor even when
// the test fails. Stop() and Start() again on the same port simulate a server restart.
//
// Test-only code: failures throw std::runtime_error. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace streamgate::testing {

// A port that was free a moment ago (the kernel picks it; there is a small race, as always).
inline uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

class RedisServerProcess {
 public:
  // `dir` holds the server's files (AOF when `append_only`); it must exist.
  explicit RedisServerProcess(std::string dir, bool append_only = false)
      : dir_(std::move(dir)), append_only_(append_only), port_(FreeLoopbackPort()) {
    Start();
  }
  ~RedisServerProcess() { Stop(); }
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }

  void Start() {
    if (pid_ > 0) return;
    std::vector<std::string> args = {"redis-server",
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_,
                                     "--save",
                                     "",
                                     "--appendonly",
                                     append_only_ ? "yes" : "no",
                                     "--appendfsync",
                                     "always",
                                     "--loglevel",
                                     "warning",
                                     "--logfile",
                                     dir_ + "/redis.log",
                                     "--daemonize",
                                     "no"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start redis-server (is the Debian package installed?)");
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!Ping()) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        throw std::runtime_error("redis-server exited at start; see " + dir_ + "/redis.log");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        Stop();
        throw std::runtime_error("redis-server did not answer PING");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGTERM (a clean shutdown that writes the AOF), then SIGKILL if it lingers.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  bool Ping() const {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    bool ok = false;
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      const char ping[] = "PING\r\n";
      char reply[16] = {};
      if (send(fd, ping, sizeof(ping) - 1, MSG_NOSIGNAL) == sizeof(ping) - 1) {
        ok = recv(fd, reply, sizeof(reply) - 1, 0) > 0 && std::string(reply).rfind("+PONG", 0) == 0;
      }
    }
    close(fd);
    return ok;
  }

  std::string dir_;
  bool append_only_;
  uint16_t port_;
  pid_t pid_ = 0;
};

}  // namespace streamgate::testing
