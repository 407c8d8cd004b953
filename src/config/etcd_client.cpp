#include "config/etcd_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace paygate::config {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// A reply body that is not a document (an error page) is quoted this far in the error.
constexpr std::size_t kQuotedBodyBytes = 200;

// A watch waits for events without a deadline; a member that vanishes without closing the
// connection (a partition, a powered-off host) is noticed by TCP keepalive within ~25 s.
void enable_keepalive(asio::ip::tcp::socket& socket) {
  const int fd = socket.native_handle();
  const int on = 1, idle = 10, interval = 5, count = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// "etcd 127.0.0.1:2379", "etcd [::1]:2379": how errors name a member.
std::string member_text(const EtcdMember& member) {
  const bool v6 = member.host.find(':') != std::string::npos;
  return "etcd " + (v6 ? "[" + member.host + "]" : member.host) + ":" + std::to_string(member.port);
}

std::string describe(const EtcdMember& member, std::string_view what, const error_code& ec) {
  const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
  return member_text(member) + ": " + std::string(what) + ": " + why;
}

asio::awaitable<std::string> connect_member(beast::tcp_stream& stream, const EtcdMember& member,
                                            std::chrono::milliseconds timeout) {
  asio::ip::tcp::resolver resolver(stream.get_executor());
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(member.host, std::to_string(member.port), kNoThrow);
  if (resolve_ec) co_return describe(member, "resolve", resolve_ec);
  stream.expires_after(timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (connect_ec) co_return describe(member, "connect", connect_ec);
  enable_keepalive(stream.socket());
  stream.socket().set_option(asio::ip::tcp::no_delay(true));
  co_return "";
}

// The first member that accepts a connection, in the URL's order; `error` says why none did.
struct Connected {
  const EtcdMember* member = nullptr;
  std::string error;
};

asio::awaitable<Connected> connect(beast::tcp_stream& stream, const EtcdUrl& url,
                                   std::chrono::milliseconds timeout) {
  Connected out;
  for (const EtcdMember& member : url.members) {
    const std::string error = co_await connect_member(stream, member, timeout);
    if (error.empty()) co_return Connected{&member, ""};
    out.error += (out.error.empty() ? "" : "; ") + error;
    error_code ignored;
    stream.socket().close(ignored);
  }
  co_return out;
}

http::request<http::string_body> post(const EtcdMember& member, std::string_view target,
                                      std::string body) {
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, member_text(member).substr(5));
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

std::string quote_body(std::string_view body) {
  std::string out(body.substr(0, kQuotedBodyBytes));
  for (char& c : out) {
    if (c < ' ' || c > '~') c = '?';
  }
  return out;
}

asio::awaitable<EtcdRangeReply> range_once(beast::tcp_stream& stream, const EtcdUrl& url,
                                           std::chrono::milliseconds timeout) {
  const Connected connected = co_await connect(stream, url, timeout);
  if (!connected.member) co_return EtcdRangeReply{0, std::nullopt, connected.error};
  const EtcdMember& member = *connected.member;
  stream.expires_after(timeout);  // the whole exchange, not each operation
  auto request = post(member, "/v3/kv/range", etcd_range_request(url.key));
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) co_return EtcdRangeReply{0, std::nullopt, describe(member, "send", write_ec)};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxEtcdMessageBytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (read_ec) {
    co_return EtcdRangeReply{0, std::nullopt, describe(member, "read the key", read_ec)};
  }
  const auto& response = parser.get();
  EtcdRangeReply reply = parse_etcd_range_reply(response.body());
  if (response.result() != http::status::ok && reply.error.empty()) {
    reply.error = "etcd answered " + std::to_string(response.result_int()) + ": " +
                  quote_body(response.body());
  }
  if (!reply.error.empty()) reply.error = member_text(member) + ": " + reply.error;
  co_return reply;
}

// Reads the streamed body piece by piece into the watch stream parser.
asio::awaitable<std::string> read_watch_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             http::response_parser<http::buffer_body>& parser,
                                             const EtcdMember& member,
                                             EtcdWatchHandler& on_message) {
  EtcdWatchStream messages;
  std::array<char, 16 * 1024> piece;
  std::vector<EtcdWatchMessage> ready;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kNoThrow);
    if (ec && ec != http::error::need_buffer) co_return describe(member, "watch", ec);
    messages.feed({piece.data(), piece.size() - parser.get().body().size}, ready);
    for (const auto& message : ready) {
      if (message.kind == EtcdWatchMessage::Kind::kError) {
        co_return member_text(member) + ": watch: " + message.detail;
      }
      if (!on_message(message)) co_return "";
    }
    ready.clear();
  }
  co_return member_text(member) + ": the watch stream ended";
}

}  // namespace

asio::awaitable<EtcdRangeReply> etcd_range(beast::tcp_stream& stream, const EtcdUrl& url,
                                           std::chrono::milliseconds timeout) {
  EtcdRangeReply reply = co_await range_once(stream, url, timeout);
  error_code ignored;
  stream.socket().close(ignored);  // one request per connection: reads are rare
  co_return reply;
}

EtcdRangeReply fetch_etcd_range(const EtcdUrl& url, std::chrono::milliseconds timeout) {
  asio::io_context io{1};
  beast::tcp_stream stream(io);
  EtcdRangeReply reply;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { reply = co_await etcd_range(stream, url, timeout); },
      asio::detached);
  io.run();
  return reply;
}

asio::awaitable<std::string> etcd_watch(beast::tcp_stream& stream, const EtcdUrl& url,
                                        std::int64_t start_revision,
                                        std::chrono::milliseconds timeout,
                                        EtcdWatchHandler on_message) {
  const Connected connected = co_await connect(stream, url, timeout);
  if (!connected.member) co_return connected.error;
  const EtcdMember& member = *connected.member;
  stream.expires_after(timeout);
  auto request = post(member, "/v3/watch", etcd_watch_request(url.key, start_revision));
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) co_return describe(member, "send the watch", write_ec);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(boost::none);  // endless: each message is bounded by EtcdWatchStream
  auto [header_ec, read] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
  if (header_ec) co_return describe(member, "watch", header_ec);
  if (parser.get().result() != http::status::ok) {
    co_return member_text(member) + ": the watch was answered " +
        std::to_string(parser.get().result_int());
  }
  stream.expires_never();
  co_return co_await read_watch_body(stream, buffer, parser, member, on_message);
}

}  // namespace paygate::config
