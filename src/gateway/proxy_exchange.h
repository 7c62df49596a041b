// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// One request forwarded to a service and its response brought back, both streamed: the request
// body goes upstream chunk by chunk as the client sends it (at most two chunks queued, then the
// client's connection is paused), and the response body is read from the service only when the
// client's connection pulls the next chunk. Nothing is ever held whole.
//
// Threading: the server calls the sink side (WriteBody, ReadyForMore, AbortRequest, Finish) and
// the source side (Pull, CancelResponse) from its I/O threads; everything touching the socket
// runs on the exchange's own strand. A mutex guards the little state both sides share.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/proxy_headers.h"
#include "gateway/upstream_pool.h"
#include "llhttp.h"
#include "streamgate/http.h"

namespace streamgate::internal {

// Upstream failures, already mapped to the gateway's answer.
struct ProxyFailure {
  int http_status = 502;  // 502, 503 or 504
  std::string code;       // "BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"
  std::string message;    // names the service
};

class ProxyExchange : public std::enable_shared_from_this<ProxyExchange> {
 public:
  // `head`: the request line and headers for the service (BuildUpstreamRequestHead).
  ProxyExchange(std::shared_ptr<UpstreamPool> pool, std::string head, BodyFraming framing,
                bool head_request);
  ~ProxyExchange();
  ProxyExchange(const ProxyExchange&) = delete;
  ProxyExchange& operator=(const ProxyExchange&) = delete;

  // Takes a pooled connection or connects, and sends the head. Call once.
  void Start();

  // Request body (HttpBodySink semantics).
  Status WriteBody(std::string_view chunk);
  bool ReadyForMore(std::function<void()> resume);
  void AbortRequest();
  // The client's request is complete: `respond` receives the service's response (head, with a
  // streamed body when needed) or the failure's error response, exactly once.
  void Finish(std::function<void(HttpResponse)> respond);

  // Response body (HttpBodySource semantics).
  void Pull(HttpBodySource::PullCallback done);
  void CancelResponse();

  static HttpResponse FailureResponse(const ProxyFailure& failure);

 private:
  using Strand = asio::strand<asio::io_context::executor_type>;

  void Connect();
  void Pump();
  void ReadResponse();
  void OnRead(const asio::error_code& ec, size_t n);
  // Feeds bytes to the response parser; false (after Fail) on malformed input.
  bool Parse(const char* data, size_t size);
  void Respond();
  void DeliverBody();
  void Fail(int http_status, std::string code, std::string message);
  void FailFromError(const asio::error_code& ec, std::string_view doing);
  void ArmTimer(int milliseconds, std::string_view what);
  void DisarmTimer();
  // Returns the connection to the pool when the exchange ended cleanly, else closes it.
  void ReleaseSocket();

  // llhttp callbacks.
  static llhttp_settings_t MakeSettings();
  int OnHeaderField(const char* at, size_t length);
  int OnHeaderValue(const char* at, size_t length);
  int OnHeaderValueComplete();
  int OnHeadersComplete();
  int OnBody(const char* at, size_t length);
  int OnMessageComplete();

  const std::shared_ptr<UpstreamPool> pool_;
  const BodyFraming framing_;
  const bool head_request_;
  Strand strand_;
  asio::steady_timer timer_;

  // Shared with the server's threads.
  std::mutex mutex_;
  std::deque<std::string> queue_;  // request bytes not yet written upstream
  size_t queued_chunks_ = 0;       // including the one being written
  std::function<void()> resume_;
  bool failed_ = false;
  std::string failure_text_;

  // Strand only.
  std::unique_ptr<asio::ip::tcp::socket> socket_;
  bool reused_ = false;
  bool connected_ = false;
  bool writing_ = false;
  std::string writing_buf_;
  bool request_done_ = false;  // Finish() arrived
  bool request_sent_ = false;  // every request byte written
  bool aborted_ = false;
  std::optional<ProxyFailure> failure_;
  std::function<void(HttpResponse)> responder_;
  bool responded_ = false;
  HttpBodySource::PullCallback pull_done_;
  bool cancelled_ = false;
  unsigned timer_generation_ = 0;
  bool timed_out_ = false;
  std::string timer_what_;

  llhttp_t parser_;
  std::unique_ptr<char[]> read_buf_;
  bool head_done_ = false;
  bool complete_ = false;
  bool leftover_ = false;  // bytes after the response: the connection is not reusable
  int status_ = 0;
  std::optional<uint64_t> content_length_;
  uint64_t header_bytes_ = 0;
  HttpHeaders headers_;
  std::string field_;
  std::string value_;
  std::string body_;  // response bytes parsed but not yet pulled (one read's worth at most)
};

}  // namespace streamgate::internal
