#include "http/exchange.h"

#include "http/error_response.h"

namespace paygate::http {

void Exchange::reset(Clock::time_point now) {
  started_ = now;
  status_ = 0;
  bytes_out_ = 0;
  close_after_ = false;
  early_ = false;
  replaced_body_ = nullptr;
  upstream.clear();
  upstream_tries = 0;
  request_id_.clear();
  trace_.clear();
}

boost::asio::awaitable<bool> Exchange::flush() {
  const bool ok = co_await host_.write(views_.out);
  views_.out.clear();
  co_return ok;
}

boost::asio::awaitable<bool> Exchange::respond(int status, std::string_view content_type,
                                               std::string_view body, std::string_view fields) {
  views_.out.clear();
  append_response_head(views_.out, status, content_type, body.size(), request_id(), !keep_alive(),
                       fields);
  if (request().method != Verb::head) views_.out.append(body);
  status_ = status;
  co_return co_await flush();
}

boost::asio::awaitable<bool> Exchange::respond_error(core::ErrorKind kind,
                                                     std::string_view message) {
  std::string& body = views_.scratch.reply_body;
  body.clear();
  append_error_body(body, core::wechatpay_code(kind), message);
  co_return co_await respond(core::http_status(kind), "application/json", body);
}

}  // namespace paygate::http
