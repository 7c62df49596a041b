// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Test-only helpers for the ownership tests: a real local EVM node (ganache from
// tests/peers/node_modules) started on a free loopback port, with the test contracts compiled
// and deployed by tests/fixtures/chain/deploy_contracts.mjs. The node runs in its own process
// group, is killed when the owning object is destroyed, and dies with the test process
// (PR_SET_PDEATHSIG) even when the test crashes.
//
// Failures throw std::runtime_error so that Catch2 reports them. Not thread-safe.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_http_client.h"

namespace streamgate::testing {

// A port that was free a moment ago (bind to 0, read it back, close).
inline uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// A child process in its own process group; the whole group is killed on destruction.
class ChildProcess {
 public:
  // `stdout_fd`: where the child's stdout goes (-1: /dev/null).
  explicit ChildProcess(const std::vector<std::string>& argv, int stdout_fd = -1) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int null_fd = ::open("/dev/null", O_RDWR);
      ::dup2(stdout_fd >= 0 ? stdout_fd : null_fd, STDOUT_FILENO);
      ::dup2(null_fd, STDIN_FILENO);
      if (std::getenv("STREAMGATE_TEST_PEER_STDERR") == nullptr) ::dup2(null_fd, STDERR_FILENO);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Exit status (waits), or -1 when killed by a signal.
  int Wait() {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return -1;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        ::kill(-pid_, SIGKILL);  // any grandchildren left behind
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Runs a command to completion and returns its stdout; throws on a non-zero exit.
inline std::string RunAndCapture(const std::vector<std::string>& argv) {
  char path[] = "/tmp/streamgate-chain-out-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(path);
  int status = 0;
  {
    ChildProcess child(argv, fd);
    status = child.Wait();
  }
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[4096];
  ssize_t got = 0;
  while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
    out.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  if (status != 0) {
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + argv[0] + " " +
                             (argv.size() > 1 ? argv[1] : "") + "\n" + out);
  }
  return out;
}

// One JSON-RPC call over loopback with the test client; returns the whole reply object.
inline nlohmann::json RawJsonRpc(uint16_t port, const std::string& method,
                                 const nlohmann::json& params) {
  const std::string body =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}.dump();
  TestHttpClient client(port);
  const TestHttpResponse response = client.Exchange(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: "
      "close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  if (response.status != 200)
    throw std::runtime_error("JSON-RPC HTTP " + std::to_string(response.status));
  return nlohmann::json::parse(response.body);
}

// ganache 7.9.2 (--wallet.deterministic, chain id 1337, instamine) with the test contracts.
class GanacheNode {
 public:
  GanacheNode() : port_(FreeLoopbackPort()) {
    const std::string peers = STREAMGATE_TEST_PEERS_DIR;
    node_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        peers + "/.bin/ganache", "--wallet.deterministic", "--server.host", "127.0.0.1",
        "--server.port", std::to_string(port_), "--chain.chainId", "1337", "--miner.instamine",
        "eager", "--logging.quiet"});
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      try {
        if (RawJsonRpc(port_, "eth_chainId", nlohmann::json::array()).contains("result")) break;
      } catch (const std::exception&) {
      }
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("ganache did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string out = RunAndCapture(
        {"node", std::string(STREAMGATE_SOURCE_DIR) + "/tests/fixtures/chain/deploy_contracts.mjs",
         url(), peers});
    deployment_ = nlohmann::json::parse(out);
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string erc721() const { return deployment_.at("erc721").get<std::string>(); }
  std::string erc1155() const { return deployment_.at("erc1155").get<std::string>(); }
  std::string account(std::size_t i) const {
    return deployment_.at("accounts").at(i).get<std::string>();
  }

  // Sends a transaction from an unlocked account and returns once it is mined (instamine).
  void SendTransaction(const std::string& from, const std::string& to, const std::string& data) {
    const nlohmann::json reply = RawJsonRpc(
        port_, "eth_sendTransaction",
        nlohmann::json::array({{{"from", from}, {"to", to}, {"data", data}, {"gas", "0x100000"}}}));
    if (!reply.contains("result")) throw std::runtime_error("transaction failed: " + reply.dump());
  }

 private:
  uint16_t port_;
  std::unique_ptr<ChildProcess> node_;
  nlohmann::json deployment_;
};

}  // namespace streamgate::testing
