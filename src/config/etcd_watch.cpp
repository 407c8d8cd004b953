#include "config/etcd_watch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/etcd_client.h"
#include "config/etcd_load.h"

namespace paygate::config {

namespace asio = boost::asio;
using Kind = EtcdWatchMessage::Kind;

EtcdWatch::EtcdWatch(asio::any_io_executor executor, EtcdUrl url, std::int64_t store_revision,
                     std::int64_t document_revision, OnDocument on_document,
                     std::function<void()> on_reconnect)
    : executor_(executor),
      url_(std::move(url)),
      next_revision_(store_revision + 1),
      applied_revision_(document_revision),
      on_document_(std::move(on_document)),
      on_reconnect_(std::move(on_reconnect)),
      watch_stream_(executor),
      read_stream_(executor),
      backoff_timer_(executor) {}

void EtcdWatch::start() { asio::co_spawn(executor_, watch_loop(), asio::detached); }

void EtcdWatch::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  watch_stream_.socket().close(ignored);
  read_stream_.socket().close(ignored);
  backoff_timer_.cancel();
}

void EtcdWatch::reread(std::string cause) {
  if (reading_) return;  // the read under way hands over the newest document anyway
  reading_ = true;
  asio::co_spawn(
      executor_,
      [this, cause = std::move(cause)]() -> asio::awaitable<void> {
        const std::string error = co_await read_key(read_stream_, cause, true);
        reading_ = false;
        if (!error.empty() && !stopped_) {
          spdlog::warn("reload from {} failed ({}): keeping the running config", url_.text,
                       error);
        }
      },
      asio::detached);
}

asio::awaitable<void> EtcdWatch::watch_loop() {
  while (!stopped_) {
    end_reason_.clear();
    std::string why =
        co_await etcd_watch(watch_stream_, url_, next_revision_, kEtcdRequestTimeout,
                            [this](const auto& message) { return on_message(message); });
    boost::system::error_code ignored;
    watch_stream_.socket().close(ignored);
    if (stopped_) break;
    if (compacted_) {
      compacted_ = false;
      why = co_await read_key(watch_stream_,
                              "revision " + std::to_string(next_revision_) + " was compacted",
                              false);
      if (why.empty()) continue;
    }
    note_broken(why.empty() ? end_reason_ : why);
    backoff_timer_.expires_after(backoff_);
    co_await backoff_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    if (!stopped_) on_reconnect_();
  }
}

bool EtcdWatch::on_message(const EtcdWatchMessage& message) {
  if (stopped_) return false;
  switch (message.kind) {
    case Kind::kCreated:
      note_restored();
      return true;
    case Kind::kProgress:
      next_revision_ = std::max(next_revision_, message.revision + 1);
      return true;
    case Kind::kPut:
    case Kind::kDeleted:
      next_revision_ = std::max(next_revision_, message.revision + 1);
      if (message.revision <= applied_revision_) return true;  // a SIGHUP read already had it
      applied_revision_ = message.revision;
      if (message.kind == Kind::kPut) {
        on_document_(message.value, "etcd revision " + std::to_string(message.revision));
      } else {
        on_document_(std::nullopt, "deleted at etcd revision " + std::to_string(message.revision));
      }
      return true;
    case Kind::kCompacted:
      compacted_ = true;
      return false;
    case Kind::kCanceled:
    case Kind::kError:
      end_reason_ = "etcd ended the watch: " + message.detail;
      return false;
  }
  return false;
}

// Reads the key and hands its document over when it is newer than the one applied (with `force`,
// also when it is the same: SIGHUP loads it again; an older one, read while the watch delivered a
// newer, never); the watch then goes on from the store revision read. Returns why it failed.
asio::awaitable<std::string> EtcdWatch::read_key(boost::beast::tcp_stream& stream,
                                                 std::string cause, bool force) {
  const EtcdRangeReply reply = co_await etcd_range(stream, url_, kEtcdRequestTimeout);
  if (stopped_) co_return "";
  if (!reply.error.empty()) co_return reply.error;
  next_revision_ = std::max(next_revision_, reply.revision + 1);
  const std::int64_t revision = reply.value ? reply.value->mod_revision : reply.revision;
  if (revision > applied_revision_ || (force && revision == applied_revision_)) {
    applied_revision_ = revision;
    on_document_(reply.value, cause + ", read at etcd revision " + std::to_string(reply.revision));
  }
  co_return "";
}

void EtcdWatch::note_broken(const std::string& why) {
  if (outage_) return;
  outage_ = true;
  spdlog::warn(
      "config watch on {} broken ({}): keeping the running config, retrying with "
      "backoff from revision {}",
      url_.text, why, next_revision_);
}

void EtcdWatch::note_restored() {
  backoff_ = kMinBackoff;
  if (!outage_) return;
  outage_ = false;
  spdlog::info("config watch on {} restored from revision {}", url_.text, next_revision_);
}

}  // namespace paygate::config
