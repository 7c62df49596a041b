// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "monitor/service_health.h"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace streamgate {
namespace {

constexpr std::size_t kMaxHealthBody = 64 * 1024;

bool ValidServiceName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<std::vector<MonitoredService>> ParseMonitoredServices(std::string_view text) {
  std::vector<MonitoredService> out;
  if (Trim(text).empty()) return out;
  if (text.size() > 16 * 1024) return Status::InvalidArgument("service list longer than 16 KiB");
  std::set<std::string> names;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = Trim(text.substr(start, comma - start));
    start = comma + 1;
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return Status::InvalidArgument("service \"" + std::string(item.substr(0, 80)) +
                                     "\": expected name=http://host:port");
    }
    const std::string name(Trim(item.substr(0, equals)));
    std::string url(Trim(item.substr(equals + 1)));
    if (!ValidServiceName(name)) {
      return Status::InvalidArgument("service name \"" + name.substr(0, 80) +
                                     "\" must be 1-64 of [A-Za-z0-9_.-]");
    }
    const std::size_t scheme_end = url.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    const std::string rest = scheme_end == std::string::npos ? "" : url.substr(scheme_end + 3);
    if ((scheme != "http" && scheme != "https") || rest.empty() || rest[0] == '/' ||
        rest[0] == ':' || url.size() > 2048 ||
        url.find_first_of(" \t\r\n?#@") != std::string::npos) {
      return Status::InvalidArgument("service \"" + name + "\": \"" + url.substr(0, 80) +
                                     "\" is not an http(s)://host[:port] URL");
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!names.insert(name).second) {
      return Status::InvalidArgument("service \"" + name + "\" is listed twice");
    }
    out.push_back({name, url});
    if (comma == text.size()) break;
  }
  if (out.size() > 100) return Status::InvalidArgument("more than 100 services");
  return out;
}

namespace internal {
namespace {

struct Fetch {
  ServiceHealthStatus result;
  std::string body;
  bool truncated = false;
  char error[CURL_ERROR_SIZE] = {};
  CURL* easy = nullptr;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* fetch = static_cast<Fetch*>(user);
  const size_t bytes = size * count;
  if (fetch->body.size() + bytes > kMaxHealthBody) {
    fetch->truncated = true;
    return 0;  // aborts the transfer
  }
  fetch->body.append(data, bytes);
  return bytes;
}

void Judge(Fetch& fetch, CURLcode code) {
  ServiceHealthStatus& result = fetch.result;
  long http_status = 0;
  curl_easy_getinfo(fetch.easy, CURLINFO_RESPONSE_CODE, &http_status);
  double seconds = 0;
  curl_easy_getinfo(fetch.easy, CURLINFO_TOTAL_TIME, &seconds);
  result.http_status = static_cast<int>(http_status);
  result.latency_ms = seconds * 1000;
  result.status = "unhealthy";
  if (fetch.truncated) {
    result.error = "health response larger than 64 KiB";
    return;
  }
  if (code != CURLE_OK) {
    result.error = fetch.error[0] != '\0' ? fetch.error : curl_easy_strerror(code);
    return;
  }
  const nlohmann::json body = nlohmann::json::parse(fetch.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("status") ||
      !body["status"].is_string()) {
    result.error = "HTTP " + std::to_string(http_status) + " without a health document";
    return;
  }
  const std::string status = body["status"].get<std::string>();
  if (status != "healthy" && status != "degraded" && status != "unhealthy") {
    result.error = "unknown health status";
    return;
  }
  result.status = status;
  if (http_status != 200 && status != "unhealthy") {
    result.status = "unhealthy";
    result.error = "HTTP " + std::to_string(http_status);
  } else if (status != "healthy") {
    result.error = "the service reports itself " + status;
  }
}

}  // namespace

std::vector<ServiceHealthStatus> FetchServiceHealth(const std::vector<MonitoredService>& services,
                                                    std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<Fetch>> fetches;
  if (services.empty()) return {};
  CURLM* multi = curl_multi_init();
  for (const MonitoredService& service : services) {
    auto fetch = std::make_unique<Fetch>();
    fetch->result.name = service.name;
    fetch->result.url = service.url;
    fetch->easy = curl_easy_init();
    if (multi == nullptr || fetch->easy == nullptr) {
      fetch->result.status = "unhealthy";
      fetch->result.error = "cannot create a curl handle";
      fetches.push_back(std::move(fetch));
      continue;
    }
    const std::string url = service.url + "/api/v1/health";
    CURL* easy = fetch->easy;
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, fetch.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, fetch->error);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, fetch.get());
    curl_multi_add_handle(multi, easy);
    fetches.push_back(std::move(fetch));
  }
  if (multi != nullptr) {
    int running = 1;
    while (running > 0) {
      if (curl_multi_perform(multi, &running) != CURLM_OK) break;
      if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Fetch* fetch = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &fetch);
      if (fetch != nullptr) Judge(*fetch, message->data.result);
    }
  }
  std::vector<ServiceHealthStatus> out;
  out.reserve(fetches.size());
  for (auto& fetch : fetches) {
    if (fetch->easy != nullptr) {
      if (fetch->result.status.empty()) {
        fetch->result.status = "unhealthy";
        fetch->result.error = "the health fetch did not complete";
      }
      if (multi != nullptr) curl_multi_remove_handle(multi, fetch->easy);
      curl_easy_cleanup(fetch->easy);
    }
    out.push_back(std::move(fetch->result));
  }
  if (multi != nullptr) curl_multi_cleanup(multi);
  return out;
}

}  // namespace internal
}  // namespace streamgate
