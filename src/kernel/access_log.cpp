// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "kernel/access_log.h"

#include <cstdio>

#include "common/log.h"

namespace streamgate::internal {
namespace {

// The path is percent-decoded client input: escape what could forge a log line or break the
// quoting ("\n", "\"", control bytes).
void AppendSanitized(std::string& out, std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string FormatAccessLogLine(const HttpExchange& exchange) {
  std::string line;
  line.reserve(64 + exchange.path.size());
  AppendSanitized(line, exchange.remote_address.empty() ? "-" : exchange.remote_address);
  line += " \"";
  AppendSanitized(line, exchange.method);
  line += ' ';
  AppendSanitized(line, exchange.path);
  line += "\" ";
  line += std::to_string(exchange.status);
  line += ' ';
  line += std::to_string(exchange.bytes_sent);
  line += ' ';
  line += std::to_string(exchange.duration.count());
  line += "us";
  if (!exchange.request_id.empty()) {
    line += " rid=";
    AppendSanitized(line, exchange.request_id.substr(0, 128));
  }
  return line;
}

HttpObserver NewAccessLogObserver() {
  // Looked up once: the observer runs for every exchange.
  std::shared_ptr<spdlog::logger> logger = Logger("access");
  return [logger](const HttpExchange& exchange) {
    if (!logger->should_log(spdlog::level::info)) return;
    const std::string line = FormatAccessLogLine(exchange);
    logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
  };
}

}  // namespace streamgate::internal
