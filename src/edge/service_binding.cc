#include "edge/service_binding.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>

#include "edge/cache_phase.h"

namespace asio = boost::asio;

namespace verge::edge {

namespace {

// The response body between the target's writes and the caller's reads.
class Pipe : public net::BodySource {
 public:
  explicit Pipe(asio::io_context& ioc) : ioc_(ioc) {}

  void push(std::string data, std::function<void(bool)> done) {
    chunks_.push_back({std::move(data), std::move(done)});
    deliver();
  }
  void end(std::string error) {
    ended_ = true;
    error_ = std::move(error);
    deliver();
  }
  bool cancelled() const { return cancelled_; }

  void read(net::BodyReadCallback cb) override {
    reader_ = std::move(cb);
    deliver();
  }
  void cancel() override {
    cancelled_ = true;
    for (auto& c : chunks_) {
      if (c.done) c.done(false);
    }
    chunks_.clear();
    if (reader_) {
      auto cb = std::move(reader_);
      reader_ = nullptr;
      asio::post(ioc_, [cb = std::move(cb)] { cb({}, "body cancelled"); });
    }
  }

 private:
  struct Chunk {
    std::string data;
    std::function<void(bool)> done;
  };
  void deliver() {
    if (!reader_) return;
    if (!chunks_.empty()) {
      auto cb = std::move(reader_);
      reader_ = nullptr;
      Chunk chunk = std::move(chunks_.front());
      chunks_.pop_front();
      // Posted: a reader may read again from inside its callback.
      asio::post(ioc_, [cb = std::move(cb), chunk = std::move(chunk)] {
        cb(chunk.data, {});
        if (chunk.done) chunk.done(true);
      });
    } else if (ended_ || cancelled_) {
      auto cb = std::move(reader_);
      reader_ = nullptr;
      std::string error = cancelled_ ? "body cancelled" : error_;
      asio::post(ioc_, [cb = std::move(cb), error] { cb({}, error); });
    }
  }

  asio::io_context& ioc_;
  std::deque<Chunk> chunks_;
  net::BodyReadCallback reader_;
  bool ended_ = false;
  bool cancelled_ = false;
  std::string error_;
};

// The request body, all at once (ClientRequest keeps it in memory).
class StringBody : public net::BodySource {
 public:
  StringBody(asio::io_context& ioc, std::string data) : ioc_(ioc), data_(std::move(data)) {}
  void read(net::BodyReadCallback cb) override {
    std::string chunk = cancelled_ ? std::string() : std::move(data_);
    data_.clear();
    asio::post(ioc_, [cb = std::move(cb), chunk = std::move(chunk), cancelled = cancelled_] {
      cb(chunk, cancelled ? "body cancelled" : "");
    });
  }
  void cancel() override { cancelled_ = true; }

 private:
  asio::io_context& ioc_;
  std::string data_;
  bool cancelled_ = false;
};

class ServiceExchange : public net::Exchange {
 public:
  ServiceExchange(net::EventLoop& loop, net::ClientRequest request, net::FetchCallback callback)
      : loop_(loop), callback_(std::move(callback)) {
    std::string host, target;
    splitUrl(request.url, host, target);
    head_.method = request.method;
    head_.target = target.empty() ? "/" : target;
    head_.headers = std::move(request.headers);
    if (!net::findHeader(head_.headers, "host")) head_.headers.push_back({"host", host});
    head_.has_body = !request.body.empty();
    if (head_.has_body) head_.content_length = request.body.size();
    head_.remote_addr = "127.0.0.1";
    body_ = std::move(request.body);
  }
  ~ServiceExchange() override {
    // Dropped without a response (the target failed to start): say so.
    if (callback_) callback_("the service binding's worker sent no response", nullptr);
    if (pipe_ && !closed_) pipe_->end("the service binding's worker ended the response early");
  }

  const net::RequestHead& head() const override { return head_; }
  net::EventLoop& loop() override { return loop_; }
  asio::io_context& ioContext() override { return loop_.context(); }
  std::shared_ptr<net::BodySource> body() override {
    if (!head_.has_body || body_taken_) return nullptr;
    body_taken_ = true;
    return std::make_shared<StringBody>(loop_.context(), std::move(body_));
  }
  void writeHead(int status, const net::HeaderList& headers, std::optional<uint64_t> content_length) override {
    if (head_written_ || closed_) return;
    head_written_ = true;
    pipe_ = std::make_shared<Pipe>(loop_.context());
    if (head_.method == "HEAD") pipe_->end("");  // no body, whatever is written
    auto response = std::make_shared<net::ClientResponse>();
    response->status = status;
    response->reason = std::string(net::reasonPhrase(status));
    response->headers = headers;
    if (content_length) response->headers.push_back({"content-length", std::to_string(*content_length)});
    response->body = pipe_;
    auto callback = std::move(callback_);
    callback_ = nullptr;
    callback("", std::move(response));
  }
  void writeBody(std::string_view data, std::function<void(bool)> done) override {
    if (!pipe_ || closed_ || pipe_->cancelled() || head_.method == "HEAD") {
      if (done) done(!closed_ && pipe_ && !pipe_->cancelled());
      return;
    }
    pipe_->push(std::string(data), std::move(done));
  }
  void finish() override {
    if (closed_) return;
    closed_ = true;
    if (pipe_) pipe_->end("");
  }
  void abort() override {
    if (closed_) return;
    closed_ = true;
    if (pipe_) pipe_->end("the service binding's worker aborted the response");
    if (callback_) {
      auto callback = std::move(callback_);
      callback_ = nullptr;
      callback("the service binding's worker aborted the request", nullptr);
    }
  }
  bool headWritten() const override { return head_written_; }
  bool closed() const override { return closed_ || (pipe_ && pipe_->cancelled()); }
  void setLogNote(std::string) override {}

 private:
  net::EventLoop& loop_;
  net::FetchCallback callback_;
  net::RequestHead head_;
  std::string body_;
  bool body_taken_ = false;
  bool head_written_ = false;
  bool closed_ = false;
  std::shared_ptr<Pipe> pipe_;
};

}  // namespace

std::shared_ptr<net::Exchange> serviceExchange(net::EventLoop& loop, net::ClientRequest request,
                                               net::FetchCallback callback) {
  return std::make_shared<ServiceExchange>(loop, std::move(request), std::move(callback));
}

}  // namespace verge::edge
