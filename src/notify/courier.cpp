#include "notify/courier.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <variant>

#include "notify/name_lookup.h"
#include "tls/errors.h"

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// A merchant's acknowledgement needs no body; anything long is read but not kept.
constexpr std::size_t kMaxReplyBody = 64 * 1024;

}  // namespace

// A pooled connection to one host: TCP, or TLS over it.
struct Courier::Connection {
  using Secure = asio::ssl::stream<beast::tcp_stream>;
  explicit Connection(const asio::any_io_executor& executor)
      : stream(std::in_place_index<0>, executor) {}
  // Closed without a close_notify, an SSL object marks its session not resumable as it is
  // freed; marking the shutdown done keeps the session the host's next connection resumes.
  ~Connection() {
    if (auto* secure = std::get_if<Secure>(&stream)) {
      SSL_set_shutdown(secure->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The session to resume next time, once an answer was read (TLS 1.3 sends its ticket after
  // the handshake); null for cleartext.
  tls::SessionHandle session() {
    auto* secure = std::get_if<Secure>(&stream);
    return secure ? tls::resumable_session(secure->native_handle()) : nullptr;
  }

  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                      stream);
  }

  std::variant<beast::tcp_stream, Secure> stream;
};

bool parse_target(std::string_view url, DeliveryTarget& out, std::string& reason) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  out.tls = url.starts_with(kHttps);
  if (!out.tls && !url.starts_with(kHttp)) {
    reason = "not an http:// or https:// URL";
    return false;
  }
  url.remove_prefix(out.tls ? kHttps.size() : kHttp.size());
  const auto slash = url.find('/');
  out.authority = std::string(url.substr(0, slash));
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view host = out.authority;
  out.port = out.tls ? 443 : 80;
  const auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    const auto digits = host.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      reason = "bad port in notify_url";
      return false;
    }
    out.port = static_cast<std::uint16_t>(port);
    host = host.substr(0, colon);
  }
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    reason = "notify_url has no host";
    return false;
  }
  out.host = std::string(host);
  out.pool_key = std::string(out.tls ? kHttps : kHttp) + out.host + ":" + std::to_string(out.port);
  return true;
}

Courier::Courier(asio::any_io_executor executor, std::size_t max_per_host,
                 std::shared_ptr<const tls::ClientContext> tls)
    : executor_(std::move(executor)), max_per_host_(max_per_host), tls_(std::move(tls)) {}

Courier::~Courier() = default;

bool Courier::reserve(const std::string& pool_key) {
  PAYGATE_ASSERT_CONFINED(thread_);
  HostPool& pool = pools_[pool_key];
  if (pool.busy >= max_per_host_) return false;
  ++pool.busy;
  return true;
}

void Courier::release(const std::string& pool_key) {
  PAYGATE_ASSERT_CONFINED(thread_);
  auto it = pools_.find(pool_key);
  if (it != pools_.end() && it->second.busy > 0) --it->second.busy;
}

std::size_t Courier::open_connections() const {
  std::size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool.open;
  return n;
}

void Courier::close_idle() {
  for (auto& [key, pool] : pools_) {
    pool.open -= pool.idle.size();
    pool.idle.clear();
  }
}

asio::awaitable<std::unique_ptr<Courier::Connection>> Courier::connect(
    const DeliveryTarget& target, std::chrono::steady_clock::time_point deadline,
    DeliveryReply& reply) {
  const LookupResult lookup = co_await look_up(executor_, target.host, target.port, deadline);
  if (lookup.timed_out) {
    reply = {DeliveryReply::Failure::kTimeout, 0, "resolve " + target.host + ": timed out"};
    co_return nullptr;
  }
  if (lookup.endpoints.empty()) {
    reply = {DeliveryReply::Failure::kNetwork, 0, "resolve " + target.host + ": " + lookup.error};
    co_return nullptr;
  }
  auto connection = std::make_unique<Connection>(executor_);
  beast::tcp_stream& stream = connection->tcp();
  // A host that drops SYNs would otherwise hold the slot for the kernel's connect timeout
  // (minutes), past the lease, and the event would be leased and delivered a second time.
  stream.expires_at(deadline);
  auto [connect_error, endpoint] = co_await stream.async_connect(lookup.endpoints, kNoThrow);
  if (connect_error) {
    const bool timeout = connect_error == beast::error::timeout;
    reply = {timeout ? DeliveryReply::Failure::kTimeout : DeliveryReply::Failure::kNetwork, 0,
             "connect " + target.pool_key + ": " + connect_error.message()};
    co_return nullptr;
  }
  boost::system::error_code ignored;  // a peer that already reset the connection: seen at write
  stream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (target.tls && !co_await handshake(*connection, target, reply)) co_return nullptr;
  co_return connection;
}

// Moves the connected socket under TLS and runs the client handshake, still bounded by the
// attempt's deadline (the TCP stream's expiry).
asio::awaitable<bool> Courier::handshake(Connection& connection, const DeliveryTarget& target,
                                         DeliveryReply& reply) {
  SSL* ssl = tls_->new_session(target.host, pools_[target.pool_key].session.get());
  if (ssl == nullptr) {
    reply = {DeliveryReply::Failure::kNetwork, 0,
             "handshake with " + target.pool_key + ": " + tls::drain_errors("no TLS session")};
    co_return false;
  }
  beast::tcp_stream tcp = std::move(std::get<0>(connection.stream));
  auto& secure = connection.stream.emplace<1>(std::move(tcp), ssl);  // owns ssl now
  auto [error] = co_await secure.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (!error) co_return true;
  if (error == beast::error::timeout) {
    reply = {DeliveryReply::Failure::kTimeout, 0,
             "handshake with " + target.pool_key + ": timed out"};
  } else {
    // tls::describe_failure names a certificate that did not verify, and why.
    reply = {DeliveryReply::Failure::kNetwork, 0,
             "handshake with " + target.pool_key + ": " + tls::describe_failure(ssl)};
  }
  co_return false;
}

template <typename Stream>
asio::awaitable<DeliveryReply> Courier::exchange(Stream& stream, const DeliveryTarget& target,
                                                 const Headers& headers, std::string_view body,
                                                 bool& keep_alive, bool& answered) {
  http::request<http::string_body> request{http::verb::post, target.target, 11};
  request.set(http::field::host, target.authority);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body().assign(body.data(), body.size());
  request.prepare_payload();
  auto [write_error, written] = co_await http::async_write(stream, request, kNoThrow);
  (void)written;
  DeliveryReply reply;
  if (write_error) {
    const bool timeout = write_error == beast::error::timeout;
    reply = {timeout ? DeliveryReply::Failure::kTimeout : DeliveryReply::Failure::kNetwork, 0,
             "write: " + write_error.message()};
    co_return reply;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBody);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  (void)read;
  answered = parser.got_some();
  if (read_error) {
    const bool timeout = read_error == beast::error::timeout;
    reply = {timeout ? DeliveryReply::Failure::kTimeout : DeliveryReply::Failure::kNetwork, 0,
             (timeout ? "no answer in time: " : "read: ") + read_error.message()};
    co_return reply;
  }
  keep_alive = parser.get().keep_alive();
  reply.status = parser.get().result_int();
  co_return reply;
}

asio::awaitable<DeliveryReply> Courier::post(const DeliveryTarget& target, const Headers& headers,
                                             std::string_view body,
                                             std::chrono::milliseconds timeout) {
  PAYGATE_ASSERT_CONFINED(thread_);
  HostPool& pool = pools_[target.pool_key];
  if (target.tls && !tls_) {
    co_return DeliveryReply{DeliveryReply::Failure::kNetwork, 0, "no TLS client configured"};
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Connection> connection;
    const bool reused = !pool.idle.empty();
    DeliveryReply reply;
    if (reused) {
      connection = std::move(pool.idle.back());
      pool.idle.pop_back();
    } else {
      ++pool.open;
      connection = co_await connect(target, deadline, reply);
      if (!connection) {
        --pool.open;
        co_return reply;
      }
    }
    connection->tcp().expires_at(deadline);
    bool keep_alive = false;
    bool answered = false;
    reply = co_await std::visit(
        [&](auto& stream) { return exchange(stream, target, headers, body, keep_alive, answered); },
        connection->stream);
    if (answered && !reused) {
      if (auto session = connection->session()) pool.session = std::move(session);
    }
    if (reply.failure == DeliveryReply::Failure::kNone && keep_alive &&
        pool.idle.size() < max_per_host_) {
      connection->tcp().expires_never();
      pool.idle.push_back(std::move(connection));
      co_return reply;
    }
    --pool.open;
    // A kept-alive connection the merchant closed meanwhile: try once more on a fresh one.
    const bool stale = reused && !answered && reply.failure == DeliveryReply::Failure::kNetwork;
    if (!stale) co_return reply;
  }
  co_return DeliveryReply{DeliveryReply::Failure::kNetwork, 0, "connection lost"};
}

}  // namespace paygate::notify
