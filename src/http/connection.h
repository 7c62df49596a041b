// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// One HTTP/1.1 connection. Reads are reactor-style (wait for readability, then read into a
// thread-local buffer), so an idle keep-alive connection holds no read buffer at all; llhttp
// parses incrementally and pauses at each message boundary, which gives pipelining with in-order
// responses. Writes are non-blocking writev/sendfile on the native socket, waiting for
// writability only when the kernel buffer is full.
//
// Threading: every member function runs on the connection's strand, except Deadline() (atomic)
// and the Post* entry points, which hop onto the strand.
#pragma once

#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/server_core.h"
#include "llhttp.h"

namespace streamgate::internal {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerCore> core, asio::ip::tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();

  // Steady-clock milliseconds after which OnDeadline should run; 0 when none. Read by the
  // server's sweeper from another thread.
  int64_t Deadline() const { return deadline_ms_.load(std::memory_order_relaxed); }
  // Hops onto the strand: act on an expired deadline (re-checked there).
  void PostDeadlineCheck();
  // Hops onto the strand: close if idle, otherwise close after the current exchange.
  void PostDrain();
  // Hops onto the strand: close now.
  void PostClose();

 private:
  enum class Phase {
    kIdle,       // between requests, nothing buffered
    kHeaders,    // request line and header fields
    kBody,       // request body
    kHandling,   // the handler has the request
    kWriting,    // response bytes going out
    kLingering,  // response sent with close; discarding input until the peer closes
    kClosed,
  };
  enum class PauseReason { kNone, kMessageComplete, kSendContinue, kSinkFull };

  // Reading and parsing.
  void ReadSome();
  void WaitReadable();
  void OnReadable(const asio::error_code& ec);
  // Parses `data`; true when the parser wants more input, false when it stopped (a complete
  // request was dispatched, an error answered, or the connection closed).
  bool Feed(const char* data, size_t size);
  // Parses what a pipelining client already sent, or reads more.
  void Continue();
  void OnPeerClosed();

  // llhttp callbacks, via static trampolines.
  static llhttp_settings_t MakeSettings();
  int OnMessageBegin();
  int OnUrl(const char* at, size_t length);
  int OnHeaderField(const char* at, size_t length);
  int OnHeaderValue(const char* at, size_t length);
  int OnHeaderValueComplete();
  int OnHeadersComplete();
  int OnBody(const char* at, size_t length);
  int OnMessageComplete();
  // 0, or the 431 failure once the header section exceeds its limit.
  int CountHeaderBytes(size_t length);
  // Records an error to answer with once parsing stops; returns the llhttp error code to stop.
  int Fail(int http_status, std::string_view code, std::string message);

  // Handling.
  void Dispatch();
  // Tells a streaming sink that its request will not complete, and drops it.
  void AbortSink();
  // Hops onto the strand to write `response`: for handlers that ran on other threads.
  void PostResponse(HttpResponse response);

  // Writing.
  void StartResponse(HttpResponse response);
  void PrepareFile(HttpResponse& response);
  void ContinueWrite();
  bool WriteBuffers();  // false: would block or failed (the latter closes)
  // TCP_CORK around a file response (head + sendfile), off again once the file is sent.
  void SetCork(bool on);
  bool SendFile();
  void WaitWritable();
  void FinishExchange();
  void SendContinue();
  // Streamed response bodies (HttpResponse::body_source): see streamed_body.cpp.
  void PullChunk();
  void OnSourceChunk(Result<std::string> chunk);
  // A paused body sink (HttpBodySink::ReadyForMore) asked for more: parse on.
  void OnSinkResume();

  void SetDeadlineAfter(int milliseconds);
  void ClearDeadline() { deadline_ms_.store(0, std::memory_order_relaxed); }
  void OnDeadline();
  void BeginLingeringClose();
  void Close();

  const std::shared_ptr<ServerCore> core_;
  asio::ip::tcp::socket socket_;
  int fd_ = -1;
  Phase phase_ = Phase::kIdle;
  std::atomic<int64_t> deadline_ms_{0};
  bool draining_ = false;
  int nesting_ = 0;  // see kMaxNesting
  std::string remote_address_;
  uint16_t remote_port_ = 0;

  llhttp_t parser_;
  PauseReason pause_ = PauseReason::kNone;
  // Bytes read but not parsed yet (only when a pipelined request follows a paused one).
  std::string pending_;

  // The request being received or handled.
  HttpRequest request_;
  std::string url_;
  std::string field_;
  std::string value_;
  uint64_t header_bytes_ = 0;
  uint32_t header_count_ = 0;
  uint64_t body_limit_ = 0;
  uint64_t body_received_ = 0;
  bool keep_alive_ = true;
  const Router::Route* route_ = nullptr;
  // When the request cannot be served (404, 405, 413, …), its answer, sent once parsing stops.
  std::unique_ptr<HttpResponse> early_response_;
  bool discard_body_ = false;
  std::chrono::steady_clock::time_point request_start_;

  // The response being written.
  int response_status_ = 0;
  std::string out_head_;
  std::string out_body_;
  size_t out_offset_ = 0;  // into head+body
  int file_fd_ = -1;
  uint64_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;
  uint64_t response_bytes_ = 0;
  bool close_after_write_ = false;
  bool corked_ = false;
  bool head_only_ = false;
  std::string request_id_;  // for the observer

  // A streamed response body being sent, and a request body sink holding reading back.
  std::shared_ptr<HttpBodySource> source_;
  std::optional<uint64_t> source_remaining_;  // bytes still due under Content-Length
  bool source_chunked_ = false;
  bool source_pulling_ = false;
  bool source_ended_ = false;
  bool source_first_ = true;
  bool sink_paused_ = false;
};

}  // namespace streamgate::internal
