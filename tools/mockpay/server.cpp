#include "mockpay/server.h"

#include <boost/asio/io_context.hpp>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "http/serve.h"

namespace paygate::mockpay {

namespace asio = boost::asio;

boost::asio::awaitable<void> MockPayHandler::handle(http::Exchange& ex) {
  ++requests_;
  const http::RequestHead& req = ex.request();
  if (req.path == "/mock/stats") {
    const std::string body = "{\"connections_opened\":" + std::to_string(connections_opened_) +
                             ",\"requests\":" + std::to_string(requests_) + "}";
    co_await ex.respond(200, "application/json", body);
    co_return;
  }
  Reply reply =
      mockpay_.handle(req.method_text, req.target, ex.body(), req.fields.find("X-Pay-Mchid"));
  std::vector<Event> events = mockpay_.take_events();
  for (Event& event : events) event.traceparent = ex.trace().traceparent();
  if (notifier_ != nullptr && !events.empty()) notifier_->submit(std::move(events));
  co_await ex.respond(reply.status, reply.body.empty() ? std::string_view{} : reply.content_type,
                      reply.body);
}

int run_server(const ServerOptions& options) {
  asio::io_context io{1};
  std::unique_ptr<Notifier> notifier;
  try {
    if (!options.notify_intake.empty()) {
      notifier = std::make_unique<Notifier>(
          io.get_executor(),
          NotifierOptions{.intake_url = options.notify_intake, .token = options.notify_token});
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "mockpay: " << e.what() << std::endl;
    return 2;
  }
  MockPayHandler handler(notifier.get());
  try {
    http::serve_until_signal(io, {asio::ip::make_address(options.address), options.port}, handler,
                             [&](const asio::ip::tcp::endpoint& bound) {
                               std::cout << "mockpay listening on " << options.address << ":"
                                         << bound.port() << std::endl;
                             });
  } catch (const boost::system::system_error& e) {
    std::cerr << "mockpay: cannot listen on " << options.address << ":" << options.port << ": "
              << e.code().message() << std::endl;
    return 2;
  }
  return 0;
}

}  // namespace paygate::mockpay
