#include "http/one_shot_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <exception>
#include <optional>

#include "core/header_field.h"
#include "http/connection_pool.h"
#include "http/h2_client.h"
#include "http/wire.h"
#include "tls/client_context.h"
#include "tls/errors.h"

namespace paygate::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Outcome = boost::system::result<HttpReply, core::Error>;

constexpr std::uint32_t kHeaderLimit = 64 << 10;
constexpr std::uint64_t kBodyLimit = 16 << 20;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

core::Error transport_error(std::string_view stage, const beast::error_code& error) {
  bool timed_out = error == beast::error::timeout;
  core::Error out{timed_out ? core::ErrorKind::kGatewayTimeout : core::ErrorKind::kBadGateway,
                  std::string(stage)};
  out.detail.append(": ").append(timed_out ? "timed out" : error.message());
  return out;
}

bhttp::request<bhttp::string_body> build_request(const HttpCall& call) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(call.method);
  request.target(call.url.target);
  request.version(11);
  request.set(bhttp::field::host, call.url.authority);
  for (const auto& [name, value] : call.headers) request.insert(name, value);
  request.body() = call.body;
  request.prepare_payload();
  return request;
}

HttpReply to_reply(bhttp::response<bhttp::string_body> response) {
  HttpReply reply;
  reply.status = response.result_int();
  reply.reason = response.reason();
  for (const auto& field : response) {
    reply.headers.emplace_back(field.name_string(), field.value());
  }
  reply.body = std::move(response.body());
  return reply;
}

// write -> read on a connected stream, plain or TLS.
template <typename Stream>
asio::awaitable<Outcome> talk(Stream& stream, const HttpCall& call) {
  auto request = build_request(call);
  auto [write_error, written] = co_await bhttp::async_write(stream, request, kAsTuple);
  if (write_error) co_return transport_error("send the request", write_error);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
  if (read_error) co_return transport_error("read the reply", read_error);
  co_return to_reply(parser.release());
}

// The request as the HTTP/1.1 head an HTTP/2 stream is written from (http/h2_client.h).
std::string request_head(const HttpCall& call) {
  std::string head;
  append_request_line(head, call.method, call.url.target);
  append_field(head, "Host", call.url.authority);
  for (const auto& [name, value] : call.headers) append_field(head, name, value);
  append_content_length(head, call.body.size());
  end_head(head);
  return head;
}

// The exchange over HTTP/2, when the server chose it by ALPN: one stream on the connection.
asio::awaitable<Outcome> talk_h2(std::unique_ptr<ClientConnection> connection, const HttpCall& call,
                                 Clock::time_point deadline) {
  using State = H2ClientStream::State;
  auto session = H2ClientSession::start(std::move(connection));
  const std::string head = request_head(call);
  auto stream = session->open(head, call.body, "https");
  if (!stream) {
    co_return core::Error{core::ErrorKind::kBadGateway, "HTTP/2: the request could not be sent"};
  }
  while (stream->state() == State::kOpen) {
    if (!co_await stream->read_more(deadline) && stream->state() == State::kOpen) {
      session->close();
      co_return transport_error("read the reply", beast::error::timeout);
    }
  }
  session->close();
  if (stream->state() != State::kComplete) {
    co_return core::Error{core::ErrorKind::kBadGateway, "HTTP/2: the server reset the stream"};
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  beast::error_code error;
  parser.put(stream->in().data(), error);
  if (!error && !parser.is_done()) parser.put_eof(error);
  if (error) co_return transport_error("read the reply", error);
  HttpReply reply = to_reply(parser.release());
  reply.protocol = "HTTP/2";
  co_return reply;
}

// The TLS handshake on a connected socket, offering h2 and http/1.1 by ALPN, then the exchange
// in whichever the server chose. The socket is cancelled when the deadline passes.
asio::awaitable<Outcome> talk_tls(tcp::socket socket, const HttpCall& call,
                                  Clock::time_point deadline) {
  std::shared_ptr<const tls::ClientContext> context = call.context;
  if (!context) {
    tls::ClientSettings settings;
    settings.ca_file = call.ca_file;
    tls::BuildError build_error;
    context = tls::ClientContext::build(settings, build_error);
    if (!context) {
      co_return core::Error{core::ErrorKind::kBadRequest, "--cacert " + build_error.message};
    }
  }
  SSL* ssl = context->new_session(call.server_name.empty() ? call.url.host : call.server_name);
  if (ssl == nullptr) {
    co_return core::Error{core::ErrorKind::kBadGateway, tls::drain_errors("no TLS session")};
  }
  static constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn);
  auto connection = std::make_unique<ClientConnection>(socket.get_executor());
  connection->socket = std::move(socket);
  connection->tls = std::make_unique<UpstreamTls>(connection->socket, ssl);
  bool timed_out = false;
  asio::steady_timer timer(connection->socket.get_executor());
  timer.expires_at(deadline);
  timer.async_wait([&, raw = &connection->socket](const beast::error_code& ec) {
    if (ec) return;
    timed_out = true;
    beast::error_code ignored;
    raw->cancel(ignored);
  });
  auto [error] =
      co_await connection->tls->async_handshake(asio::ssl::stream_base::client, kAsTuple);
  if (error) {
    timer.cancel();
    if (timed_out) co_return transport_error("TLS handshake", beast::error::timeout);
    co_return core::Error{core::ErrorKind::kBadGateway, "TLS handshake with " + call.url.authority +
                                                            ": " + tls::describe_failure(ssl)};
  }
  std::optional<Outcome> outcome;
  if (tls::selected_alpn(ssl) == "h2") {
    timer.cancel();  // the stream keeps the deadline itself
    outcome.emplace(co_await talk_h2(std::move(connection), call, deadline));
  } else {
    outcome.emplace(co_await talk(*connection->tls, call));
    timer.cancel();
    if (!*outcome && timed_out)
      outcome.emplace(transport_error("read the reply", beast::error::timeout));
  }
  co_return std::move(*outcome);
}

// resolve -> connect -> (handshake) -> write -> read, all but the first under the one deadline
// of the stream.
asio::awaitable<Outcome> exchange(const HttpCall& call) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] =
      co_await resolver.async_resolve(call.url.host, std::to_string(call.url.port), kAsTuple);
  if (resolve_error) co_return transport_error("resolve " + call.url.host, resolve_error);
  const auto deadline = Clock::now() + call.timeout;
  beast::tcp_stream stream(executor);
  stream.expires_at(deadline);
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kAsTuple);
  if (connect_error) co_return transport_error("connect " + call.url.authority, connect_error);
  if (call.url.tls) {
    stream.expires_never();  // talk_tls keeps the deadline on the bare socket
    co_return co_await talk_tls(stream.release_socket(), call, deadline);
  }
  Outcome outcome = co_await talk(stream, call);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return outcome;
}

// HttpUrl is an aggregate that a string could initialise, so the error side is named.
boost::system::result<HttpUrl, std::string> url_error(const char* text) {
  return {boost::system::in_place_error, text};
}

}  // namespace

boost::system::result<HttpUrl, std::string> parse_http_url(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  if (!url) return url_error("not an absolute URL");
  const bool tls = url->scheme_id() == boost::urls::scheme::https;
  if (!tls && url->scheme_id() != boost::urls::scheme::http) {
    return url_error("not an http:// or https:// URL");
  }
  if (url->has_userinfo()) return url_error("user information in the URL is not supported");
  HttpUrl out;
  out.tls = tls;
  out.port = tls ? 443 : 80;
  out.host = url->host_address();
  if (out.host.empty()) return url_error("no host in the URL");
  out.authority = url->encoded_host_and_port();
  if (url->has_port()) {
    out.port = url->port_number();
    if (out.port == 0) return url_error("bad port in the URL");
  }
  out.target = url->encoded_target();
  if (out.target.empty()) out.target = "/";
  return out;
}

std::string_view HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::iequals(key, name)) return value;
  }
  return {};
}

boost::system::result<HttpReply, core::Error> send_http(const HttpCall& call) {
  asio::io_context io;
  std::optional<Outcome> outcome;
  std::exception_ptr failure;
  asio::co_spawn(io, exchange(call), [&](std::exception_ptr error, Outcome result) {
    failure = error;
    if (!error) outcome.emplace(std::move(result));
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*outcome);
}

}  // namespace paygate::http
