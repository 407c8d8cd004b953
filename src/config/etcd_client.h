#pragma once
// The two calls the configuration source makes to etcd's v3 JSON gateway, over plain HTTP/1.1
// with Boost.Beast: read the key (POST /v3/kv/range) and watch it (POST /v3/watch, a response
// that streams JSON objects until the connection ends). Each call goes to the first member of
// the URL that accepts a connection, so a node fails over when one goes. The caller owns the
// stream, so that closing it from the same executor ends a call at once; every call but the wait
// for watch events runs under `timeout`. Coroutines on the stream's executor; fetch_etcd_range()
// blocks instead, on a private io_context, for the start-up load and `paygate check`.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "config/etcd_messages.h"
#include "config/etcd_url.h"

namespace paygate::config {

// Reads the key; a connection failure, a timeout or a refused reply is EtcdRangeReply::error.
boost::asio::awaitable<EtcdRangeReply> etcd_range(boost::beast::tcp_stream& stream,
                                                  const EtcdUrl& url,
                                                  std::chrono::milliseconds timeout);
EtcdRangeReply fetch_etcd_range(const EtcdUrl& url, std::chrono::milliseconds timeout);

// Watches the key from `start_revision`, calling `on_message` for each message of the stream
// (kCreated first) until it returns false, the stream ends or fails. Returns why it ended
// ("" when on_message asked).
using EtcdWatchHandler = std::function<bool(const EtcdWatchMessage&)>;
boost::asio::awaitable<std::string> etcd_watch(boost::beast::tcp_stream& stream, const EtcdUrl& url,
                                               std::int64_t start_revision,
                                               std::chrono::milliseconds timeout,
                                               EtcdWatchHandler on_message);

}  // namespace paygate::config
