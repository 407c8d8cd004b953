#pragma once
// Courier: POSTs notifications to merchants over keep-alive connections, pooled per host and
// bounded per host. One per dispatcher thread; confined to it. A reused connection that turns
// out dead before any answer arrives is retried once on a fresh connection. One post() is
// bounded as a whole by its timeout: name lookup (notify/name_lookup.h: one that hangs is left
// behind), connect, TLS handshake, request and answer, the retry included. https:// targets are
// verified by the TLS client context (chain and host name) before anything is sent; a host's
// new connection resumes the session of its last one.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/thread_checker.h"
#include "tls/client_context.h"

namespace paygate::notify {

struct DeliveryTarget {
  bool tls = false;       // https://
  std::string host;       // name or address
  std::uint16_t port = 80;
  std::string authority;  // for the Host header
  std::string target;     // path as written
  std::string pool_key;   // scheme://host:port
};

// Parses an http:// or https:// notify_url; false (with a reason) for anything else.
bool parse_target(std::string_view url, DeliveryTarget& out, std::string& reason);

struct DeliveryReply {
  enum class Failure { kNone, kTimeout, kNetwork };
  Failure failure = Failure::kNone;
  unsigned status = 0;  // the merchant's HTTP status when failure is kNone
  std::string error;    // what went wrong otherwise
};

using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

class Courier {
 public:
  // `tls` verifies https:// targets; without it they fail as unsendable.
  Courier(boost::asio::any_io_executor executor, std::size_t max_per_host,
          std::shared_ptr<const tls::ClientContext> tls);
  ~Courier();

  // Claims one of the host's max_per_host slots (connections in use); false when all are
  // taken. Each successful reserve() is paired with one release() after the post().
  bool reserve(const std::string& pool_key);
  void release(const std::string& pool_key);
  boost::asio::awaitable<DeliveryReply> post(const DeliveryTarget& target, const Headers& headers,
                                             std::string_view body,
                                             std::chrono::milliseconds timeout);
  void set_max_per_host(std::size_t max) { max_per_host_ = max; }
  std::size_t open_connections() const;
  // Closes the pooled idle connections. Their sockets belong to the executor's io_context, so
  // the owner calls this before destroying that io_context.
  void close_idle();

 private:
  struct Connection;
  struct HostPool {
    std::vector<std::unique_ptr<Connection>> idle;
    std::size_t open = 0;  // idle + in use
    std::size_t busy = 0;  // reserved slots
    tls::SessionHandle session;  // the last https connection's, resumed by the next one
  };

  template <typename Stream>
  boost::asio::awaitable<DeliveryReply> exchange(Stream& stream, const DeliveryTarget& target,
                                                 const Headers& headers, std::string_view body,
                                                 bool& keep_alive, bool& answered);
  boost::asio::awaitable<bool> handshake(Connection& connection, const DeliveryTarget& target,
                                         DeliveryReply& reply);
  boost::asio::awaitable<std::unique_ptr<Connection>> connect(
      const DeliveryTarget& target, std::chrono::steady_clock::time_point deadline,
      DeliveryReply& reply);

  boost::asio::any_io_executor executor_;
  std::size_t max_per_host_;
  std::shared_ptr<const tls::ClientContext> tls_;
  std::map<std::string, HostPool, std::less<>> pools_;
  core::ThreadChecker thread_;  // the dispatcher's
};

}  // namespace paygate::notify
