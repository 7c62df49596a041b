// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy_exchange.h"

#include <asio/bind_executor.hpp>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <cstdio>

namespace streamgate::internal {
namespace {

constexpr size_t kReadSize = 128 * 1024;
constexpr uint64_t kMaxResponseHeaderBytes = 64 * 1024;

ProxyExchange* Self(llhttp_t* parser) { return static_cast<ProxyExchange*>(parser->data); }

// The response body as the server pulls it, for as long as the exchange has one.
class ExchangeSource final : public HttpBodySource {
 public:
  explicit ExchangeSource(std::shared_ptr<ProxyExchange> exchange)
      : exchange_(std::move(exchange)) {}
  void Pull(PullCallback done) override { exchange_->Pull(std::move(done)); }
  void Cancel() override { exchange_->CancelResponse(); }

 private:
  std::shared_ptr<ProxyExchange> exchange_;
};

// A body that is already over (HEAD): lets the server send the service's Content-Length.
class EmptySource final : public HttpBodySource {
 public:
  void Pull(PullCallback done) override { done(std::string()); }
};

}  // namespace

llhttp_settings_t ProxyExchange::MakeSettings() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderField(at, n);
  };
  s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
    return Self(p)->OnHeaderValue(at, n);
  };
  s.on_header_value_complete = [](llhttp_t* p) { return Self(p)->OnHeaderValueComplete(); };
  s.on_headers_complete = [](llhttp_t* p) { return Self(p)->OnHeadersComplete(); };
  s.on_body = [](llhttp_t* p, const char* at, size_t n) { return Self(p)->OnBody(at, n); };
  s.on_message_complete = [](llhttp_t* p) { return Self(p)->OnMessageComplete(); };
  return s;
}

ProxyExchange::ProxyExchange(std::shared_ptr<UpstreamPool> pool, std::string head,
                             BodyFraming framing, bool head_request)
    : pool_(std::move(pool)),
      framing_(framing),
      head_request_(head_request),
      strand_(asio::make_strand(pool_->io())),
      timer_(strand_) {
  static const llhttp_settings_t kSettings = MakeSettings();
  llhttp_init(&parser_, HTTP_RESPONSE, &kSettings);
  parser_.data = this;
  queue_.push_back(std::move(head));
  queued_chunks_ = 1;
}

ProxyExchange::~ProxyExchange() {
  if (socket_) {
    asio::error_code ec;
    socket_->close(ec);
  }
}

HttpResponse ProxyExchange::FailureResponse(const ProxyFailure& failure) {
  return HttpResponse::Error(failure.http_status, failure.code, failure.message);
}

void ProxyExchange::Start() {
  asio::post(strand_, [self = shared_from_this()] { self->Connect(); });
}

// ---------------------------------------------------------------------------------------------
// Request side

Status ProxyExchange::WriteBody(std::string_view chunk) {
  if (chunk.empty()) return Status::Ok();
  std::string framed;
  if (framing_ == BodyFraming::kChunked) {
    char line[24];
    std::snprintf(line, sizeof(line), "%zx\r\n", chunk.size());
    framed.reserve(chunk.size() + 24);
    framed.append(line).append(chunk).append("\r\n");
  } else {
    framed.assign(chunk);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return Status::Unavailable(failure_text_);
    queue_.push_back(std::move(framed));
    ++queued_chunks_;
  }
  asio::post(strand_, [self = shared_from_this()] { self->Pump(); });
  return Status::Ok();
}

bool ProxyExchange::ReadyForMore(std::function<void()> resume) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Two chunks at most: one being written upstream, one waiting. Then the client waits.
  if (failed_ || queued_chunks_ < 2) return true;
  resume_ = std::move(resume);
  return false;
}

void ProxyExchange::AbortRequest() {
  asio::post(strand_, [self = shared_from_this()] {
    self->aborted_ = true;
    self->DisarmTimer();
    if (self->socket_) {
      asio::error_code ec;
      self->socket_->close(ec);
      self->socket_.reset();
    }
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->failed_ = true;
    self->failure_text_ = "client went away";
    self->queue_.clear();
    self->resume_ = nullptr;
  });
}

void ProxyExchange::Finish(std::function<void(HttpResponse)> respond) {
  asio::post(strand_, [self = shared_from_this(), respond = std::move(respond)]() mutable {
    if (self->failure_) {
      self->responded_ = true;
      return respond(FailureResponse(*self->failure_));
    }
    self->responder_ = std::move(respond);
    self->request_done_ = true;
    if (self->framing_ == BodyFraming::kChunked) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->queue_.push_back("0\r\n\r\n");
      ++self->queued_chunks_;
    }
    self->Pump();
  });
}

void ProxyExchange::Connect() {
  if (failure_ || aborted_) return;
  if (std::unique_ptr<asio::ip::tcp::socket> idle = pool_->TakeIdle()) {
    socket_ = std::move(idle);
    reused_ = true;
    connected_ = true;
    return Pump();
  }
  std::vector<asio::ip::tcp::endpoint> endpoints = pool_->endpoints();
  if (endpoints.empty()) {
    return Fail(502, "BAD_GATEWAY",
                pool_->name() + " service at " + pool_->url() + ": address not resolved");
  }
  socket_ = std::make_unique<asio::ip::tcp::socket>(pool_->io());
  ArmTimer(pool_->settings().connect_timeout_ms, "accept the connection");
  asio::async_connect(
      *socket_, endpoints,
      asio::bind_executor(strand_, [self = shared_from_this()](const asio::error_code& ec,
                                                               const asio::ip::tcp::endpoint&) {
        self->DisarmTimer();
        if (self->failure_ || self->aborted_) return;
        if (ec) return self->FailFromError(ec, "connect");
        asio::error_code ignored;
        self->socket_->set_option(asio::ip::tcp::no_delay(true), ignored);
        self->connected_ = true;
        self->Pump();
      }));
}

void ProxyExchange::Pump() {
  if (!connected_ || writing_ || failure_ || aborted_ || !socket_) return;
  bool have = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!queue_.empty()) {
      writing_buf_ = std::move(queue_.front());
      queue_.pop_front();
      have = true;
    }
  }
  if (!have) {
    if (request_done_ && !request_sent_) {
      request_sent_ = true;
      ReadResponse();
    }
    return;
  }
  writing_ = true;
  asio::async_write(
      *socket_, asio::buffer(writing_buf_),
      asio::bind_executor(strand_, [self = shared_from_this()](const asio::error_code& ec, size_t) {
        self->writing_ = false;
        if (self->failure_ || self->aborted_) return;
        if (ec) return self->FailFromError(ec, "sending the request");
        std::function<void()> resume;
        {
          std::lock_guard<std::mutex> lock(self->mutex_);
          --self->queued_chunks_;
          if (self->resume_ && self->queued_chunks_ < 2) {
            resume = std::move(self->resume_);
            self->resume_ = nullptr;
          }
        }
        if (resume) resume();
        self->Pump();
      }));
}

// ---------------------------------------------------------------------------------------------
// Response side

void ProxyExchange::ReadResponse() {
  if (!socket_) return;
  if (!read_buf_) read_buf_.reset(new char[kReadSize]);
  ArmTimer(pool_->settings().response_timeout_ms, "answer");
  socket_->async_read_some(
      asio::buffer(read_buf_.get(), kReadSize),
      asio::bind_executor(strand_, [self = shared_from_this()](const asio::error_code& ec,
                                                               size_t n) { self->OnRead(ec, n); }));
}

void ProxyExchange::OnRead(const asio::error_code& ec, size_t n) {
  DisarmTimer();
  if (failure_ || cancelled_ || aborted_) return;
  if (ec) {
    if (ec == asio::error::eof && !timed_out_ && head_done_ && !complete_) {
      // A body delimited by the end of the connection ends here.
      const llhttp_errno_t err = llhttp_finish(&parser_);
      leftover_ = true;  // closed: not reusable
      if ((err == HPE_OK || err == HPE_PAUSED) && complete_) {
        if (!responded_) return Respond();
        return DeliverBody();
      }
      return Fail(502, "BAD_GATEWAY",
                  pool_->name() + " service closed the connection in the middle of its response");
    }
    if (ec == asio::error::eof && !head_done_) {
      return Fail(502, "BAD_GATEWAY",
                  pool_->name() + " service closed the connection without answering");
    }
    return FailFromError(ec, "reading the response");
  }
  if (!Parse(read_buf_.get(), n)) return;
  if (!head_done_) return ReadResponse();
  if (!responded_) return Respond();
  DeliverBody();
}

bool ProxyExchange::Parse(const char* data, size_t size) {
  const llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  if (err == HPE_OK) return true;
  if (err == HPE_PAUSED && complete_) {
    // Stopped at the end of the response: anything after it makes the connection unusable.
    if (llhttp_get_error_pos(&parser_) != data + size) leftover_ = true;
    return true;
  }
  if (err == HPE_USER) {
    Fail(502, "BAD_GATEWAY",
         pool_->name() + " service sent response headers over " +
             std::to_string(kMaxResponseHeaderBytes) + " bytes");
  } else {
    Fail(502, "BAD_GATEWAY",
         pool_->name() + " service sent a malformed response (" + llhttp_errno_name(err) + ")");
  }
  return false;
}

void ProxyExchange::Respond() {
  responded_ = true;
  HttpResponse response;
  response.status = status_;
  CopyResponseHeaders(headers_, response.headers);
  if (head_request_) {
    response.body_source = std::make_shared<EmptySource>();
    response.content_length = content_length_;
    ReleaseSocket();
  } else if (complete_) {
    // Small responses arrive whole with their head: answered from memory, connection reused.
    response.body = std::move(body_);
    body_.clear();
    ReleaseSocket();
  } else {
    response.content_length = content_length_;
    response.body_source = std::make_shared<ExchangeSource>(shared_from_this());
  }
  std::function<void(HttpResponse)> respond = std::move(responder_);
  responder_ = nullptr;
  respond(std::move(response));
}

void ProxyExchange::Pull(HttpBodySource::PullCallback done) {
  asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    if (self->failure_) return done(Status::Unavailable(self->failure_->message));
    if (self->cancelled_) return;
    self->pull_done_ = std::move(done);
    self->DeliverBody();
  });
}

void ProxyExchange::DeliverBody() {
  if (!pull_done_) return;
  if (!body_.empty() || complete_) {
    HttpBodySource::PullCallback done = std::move(pull_done_);
    pull_done_ = nullptr;
    std::string chunk;
    chunk.swap(body_);
    if (chunk.empty()) ReleaseSocket();  // the end
    return done(std::move(chunk));
  }
  ReadResponse();
}

void ProxyExchange::CancelResponse() {
  asio::post(strand_, [self = shared_from_this()] {
    self->cancelled_ = true;
    self->pull_done_ = nullptr;
    self->DisarmTimer();
    if (self->socket_) {
      asio::error_code ec;
      self->socket_->close(ec);
      self->socket_.reset();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Failures, timers, the connection's fate

void ProxyExchange::FailFromError(const asio::error_code& ec, std::string_view doing) {
  if (timed_out_) {
    const int ms = timer_what_ == "answer" ? pool_->settings().response_timeout_ms
                                           : pool_->settings().connect_timeout_ms;
    return Fail(504, "GATEWAY_TIMEOUT",
                pool_->name() + " service did not " + timer_what_ + " within " +
                    std::to_string(ms) + " ms");
  }
  Fail(502, "BAD_GATEWAY",
       pool_->name() + " service at " + pool_->url() + ": " + std::string(doing) +
           " failed: " + ec.message());
}

void ProxyExchange::Fail(int http_status, std::string code, std::string message) {
  if (failure_) return;
  failure_ = ProxyFailure{http_status, std::move(code), std::move(message)};
  DisarmTimer();
  if (socket_) {
    asio::error_code ec;
    socket_->close(ec);
    socket_.reset();
  }
  std::function<void()> resume;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
    failure_text_ = failure_->message;
    queue_.clear();
    resume = std::move(resume_);
    resume_ = nullptr;
  }
  if (resume) resume();  // the client's next body chunk then learns of the failure
  if (responder_ && !responded_) {
    responded_ = true;
    std::function<void(HttpResponse)> respond = std::move(responder_);
    responder_ = nullptr;
    respond(FailureResponse(*failure_));
  } else if (pull_done_) {
    HttpBodySource::PullCallback done = std::move(pull_done_);
    pull_done_ = nullptr;
    done(Status::Unavailable(failure_->message));
  }
}

void ProxyExchange::ArmTimer(int milliseconds, std::string_view what) {
  const unsigned generation = ++timer_generation_;
  timed_out_ = false;
  timer_what_ = std::string(what);
  timer_.expires_after(std::chrono::milliseconds(milliseconds));
  timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (ec || generation != self->timer_generation_) return;
    self->timed_out_ = true;
    if (self->socket_) {
      asio::error_code ignored;
      self->socket_->close(ignored);  // the pending operation fails and reports the timeout
    }
  });
}

void ProxyExchange::DisarmTimer() {
  ++timer_generation_;
  timer_.cancel();
}

void ProxyExchange::ReleaseSocket() {
  if (!socket_) return;
  const bool reusable = complete_ && request_sent_ && !leftover_ && !failure_ && !cancelled_ &&
                        llhttp_should_keep_alive(&parser_) != 0 && !pool_->down();
  if (reusable) {
    pool_->GiveBack(std::move(socket_));
  } else {
    asio::error_code ec;
    socket_->close(ec);
  }
  socket_.reset();
}

// ---------------------------------------------------------------------------------------------
// Parser callbacks

int ProxyExchange::OnHeaderField(const char* at, size_t length) {
  header_bytes_ += length;
  if (header_bytes_ > kMaxResponseHeaderBytes) return HPE_USER;
  field_.append(at, length);
  return 0;
}

int ProxyExchange::OnHeaderValue(const char* at, size_t length) {
  header_bytes_ += length;
  if (header_bytes_ > kMaxResponseHeaderBytes) return HPE_USER;
  value_.append(at, length);
  return 0;
}

int ProxyExchange::OnHeaderValueComplete() {
  headers_.Add(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  return 0;
}

int ProxyExchange::OnHeadersComplete() {
  status_ = parser_.status_code;
  if (status_ >= 100 && status_ < 200) return 0;  // informational: the real answer follows
  head_done_ = true;
  if ((parser_.flags & F_CONTENT_LENGTH) != 0) content_length_ = parser_.content_length;
  if (status_ == 204 || status_ == 304) content_length_.reset();
  return head_request_ ? 1 : 0;  // 1: a response to HEAD has no body
}

int ProxyExchange::OnBody(const char* at, size_t length) {
  body_.append(at, length);
  return 0;
}

int ProxyExchange::OnMessageComplete() {
  if (!head_done_) {
    // The end of a 1xx: forget it and parse the final response.
    headers_ = HttpHeaders();
    header_bytes_ = 0;
    status_ = 0;
    return 0;
  }
  complete_ = true;
  return HPE_PAUSED;
}

}  // namespace streamgate::internal
