// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A small blocking HTTP/1.1 client for tests over loopback: sends a raw request string exactly
// as given and reads one complete response (Content-Length, chunked, or until the server closes),
// skipping interim 1xx responses. One connection can carry many exchanges (keep-alive,
// pipelining): bytes read past one response stay buffered for the next.
//
// Test-only code: failures (connect, timeout, malformed response) throw std::runtime_error so
// that Catch2 reports them with the reason. Not thread-safe; use one client per thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamgate::testing {

struct TestHttpResponse {
  int status = 0;
  std::string reason;
  int http_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;

  // The first header called `name` (case-insensitive), or "" when absent.
  std::string Header(std::string_view name) const {
    const std::pair<std::string, std::string>* found = FindHeader(name);
    return found != nullptr ? found->second : std::string();
  }
  bool HasHeader(std::string_view name) const { return FindHeader(name) != nullptr; }

 private:
  const std::pair<std::string, std::string>* FindHeader(std::string_view name) const {
    for (const auto& header : headers) {
      if (header.first.size() == name.size() &&
          std::equal(name.begin(), name.end(), header.first.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return &header;
      }
    }
    return nullptr;
  }
};

class TestHttpClient {
 public:
  // Connects to `host` (an IPv4 address) on `port`.
  explicit TestHttpClient(uint16_t port, std::string host = "127.0.0.1",
                          std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : timeout_(timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) Fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
      ::close(fd_);
      throw std::runtime_error("test http client: bad IPv4 address " + host);
    }
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::runtime_error("test http client: connect to " + host + ":" + std::to_string(port) +
                               ": " + std::strerror(error));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~TestHttpClient() { Close(); }
  TestHttpClient(const TestHttpClient&) = delete;
  TestHttpClient& operator=(const TestHttpClient&) = delete;

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  int fd() const { return fd_; }

  // Writes `bytes` exactly as given (one request, part of one, or several pipelined).
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        Fail("send");
      }
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }

  // Reads one final response. Pass `head_request` for the answer to a HEAD request, which has
  // headers (Content-Length included) but no body.
  TestHttpResponse ReadResponse(bool head_request = false) {
    for (;;) {
      TestHttpResponse response = ReadHead();
      // 1xx are interim (100 Continue, 103 Early Hints): the final response follows.
      if (response.status >= 100 && response.status < 200 && response.status != 101) continue;
      if (head_request || response.status == 204 || response.status == 304 ||
          response.status == 101) {
        return response;
      }
      const std::string encoding = Lower(response.Header("Transfer-Encoding"));
      if (encoding.find("chunked") != std::string::npos) {
        response.body = ReadChunkedBody();
      } else if (response.HasHeader("Content-Length")) {
        response.body = ReadExactly(ParseLength(response.Header("Content-Length"), 10));
      } else {
        response.body = ReadUntilClose();
      }
      return response;
    }
  }

  // Reads one interim response (100 Continue, …); throws when a final response comes instead.
  TestHttpResponse ReadInterimResponse() {
    TestHttpResponse response = ReadHead();
    if (response.status >= 200) {
      throw std::runtime_error("test http client: expected a 1xx, got " +
                               std::to_string(response.status));
    }
    return response;
  }

  // Send + ReadResponse; HEAD is recognised from the request line.
  TestHttpResponse Exchange(std::string_view request) {
    Send(request);
    return ReadResponse(request.substr(0, 5) == "HEAD ");
  }

  // A complete GET with Host and, unless `keep_alive`, "Connection: close".
  TestHttpResponse Get(std::string_view target, bool keep_alive = false) {
    std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!keep_alive) request += "Connection: close\r\n";
    request += "\r\n";
    return Exchange(request);
  }

  // Reads whatever arrives until the server closes the connection; throws on timeout.
  std::string ReadUntilClose() {
    std::string out = std::move(buffer_);
    buffer_.clear();
    while (Fill(out)) {
    }
    return out;
  }

  // True when the server closes the connection within the timeout with no further bytes.
  bool WaitForClose() {
    if (!buffer_.empty()) return false;
    try {
      std::string extra;
      return !Fill(extra) && extra.empty();
    } catch (const std::runtime_error&) {
      return false;
    }
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  [[noreturn]] static void Fail(const char* what) {
    throw std::runtime_error(std::string("test http client: ") + what + ": " +
                             std::strerror(errno));
  }

  static std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  }

  static std::string Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return std::string(text);
  }

  static std::size_t ParseLength(const std::string& text, int base) {
    std::size_t used = 0;
    unsigned long long value = 0;  // NOLINT(google-runtime-int): what stoull returns
    try {
      value = std::stoull(text, &used, base);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size() || text[0] == '-' || text[0] == '+') {
      throw std::runtime_error("test http client: bad length \"" + text + "\"");
    }
    return static_cast<std::size_t>(value);
  }

  // Appends what one recv() returns to `out`; false at end of stream. Throws on timeout.
  bool Fill(std::string& out) {
    pollfd descriptor{fd_, POLLIN, 0};
    int ready = 0;
    do {
      ready = ::poll(&descriptor, 1, static_cast<int>(timeout_.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) Fail("poll");
    if (ready == 0) {
      throw std::runtime_error("test http client: no data from the server within " +
                               std::to_string(timeout_.count()) + " ms");
    }
    char chunk[16384];
    ssize_t received = 0;
    do {
      received = ::recv(fd_, chunk, sizeof(chunk), 0);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
      if (errno == ECONNRESET) return false;
      Fail("recv");
    }
    out.append(chunk, static_cast<std::size_t>(received));
    return received > 0;
  }

  // Returns the next line (without CRLF) from the stream.
  std::string ReadLine() {
    for (;;) {
      const std::size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      if (buffer_.size() > 1024 * 1024) {
        throw std::runtime_error("test http client: line longer than 1 MiB");
      }
      if (!Fill(buffer_)) {
        throw std::runtime_error("test http client: connection closed mid-line after \"" +
                                 buffer_.substr(0, 200) + "\"");
      }
    }
  }

  std::string ReadExactly(std::size_t size) {
    while (buffer_.size() < size) {
      if (!Fill(buffer_)) {
        throw std::runtime_error("test http client: connection closed after " +
                                 std::to_string(buffer_.size()) + " of " + std::to_string(size) +
                                 " body bytes");
      }
    }
    std::string out = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return out;
  }

  TestHttpResponse ReadHead() {
    TestHttpResponse response;
    const std::string status_line = ReadLine();
    // "HTTP/1.1 200 OK" (the reason phrase may be empty).
    if (status_line.size() < 12 || status_line.compare(0, 7, "HTTP/1.") != 0 ||
        !std::isdigit(static_cast<unsigned char>(status_line[7])) || status_line[8] != ' ') {
      throw std::runtime_error("test http client: bad status line \"" + status_line + "\"");
    }
    response.http_minor = status_line[7] - '0';
    const std::string code = status_line.substr(9, 3);
    if (!std::all_of(code.begin(), code.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        (status_line.size() > 12 && status_line[12] != ' ')) {
      throw std::runtime_error("test http client: bad status line \"" + status_line + "\"");
    }
    response.status = std::stoi(code);
    response.reason = status_line.size() > 13 ? status_line.substr(13) : std::string();
    for (std::string line = ReadLine(); !line.empty(); line = ReadLine()) {
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos || colon == 0) {
        throw std::runtime_error("test http client: bad header line \"" + line + "\"");
      }
      response.headers.emplace_back(line.substr(0, colon),
                                    Trim(std::string_view(line).substr(colon + 1)));
    }
    return response;
  }

  std::string ReadChunkedBody() {
    std::string body;
    for (;;) {
      std::string size_line = ReadLine();
      size_line = Trim(size_line.substr(0, size_line.find(';')));  // drop chunk extensions
      const std::size_t size = ParseLength(size_line, 16);
      if (size == 0) break;
      body += ReadExactly(size);
      if (!ReadLine().empty()) throw std::runtime_error("test http client: bad chunk end");
    }
    while (!ReadLine().empty()) {  // trailer fields, then the empty line
    }
    return body;
  }

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;  // bytes received but not yet consumed
};

// One GET on a fresh connection.
inline TestHttpResponse HttpGet(uint16_t port, std::string_view target) {
  TestHttpClient client(port);
  return client.Get(target);
}

}  // namespace streamgate::testing
