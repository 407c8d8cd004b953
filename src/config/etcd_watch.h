#pragma once
// EtcdWatch: keeps a running gateway in step with its configuration key in etcd. It watches the
// key from the revision after the one the configuration was read at, so no write between that
// read and the watch is missed, and hands every new document to `on_document` (the gateway
// loads it like a changed file). Every node watches on its own: all see the same writes in the
// same order, so all apply (or all reject) the same documents.
//
// When etcd is unreachable or the watch breaks, it logs once per outage (not per retry),
// retries with backoff from 100 ms to 5 s and resumes from the last revision it saw; when that
// revision has been compacted away it reads the key again and goes on from there.
//
// Runs as a coroutine on the control thread's executor rather than on a thread of its own:
// Beast's async calls wait without blocking it, the documents it hands over are loaded on that
// thread anyway (like a file reload), and no state crosses threads. Created, used and destroyed
// on that thread; the callbacks run there too.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/etcd_messages.h"
#include "config/etcd_url.h"

namespace paygate::config {

class EtcdWatch {
 public:
  // The document as read (empty: the key was deleted) and why it is handed over.
  using OnDocument = std::function<void(const std::optional<EtcdValue>&, const std::string&)>;
  static constexpr std::chrono::milliseconds kMinBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};

  // `store_revision`: the store's revision the running document was read at;
  // `document_revision`: the revision that wrote it. `on_reconnect` runs each time a broken
  // watch is tried again (for a counter).
  EtcdWatch(boost::asio::any_io_executor executor, EtcdUrl url, std::int64_t store_revision,
            std::int64_t document_revision, OnDocument on_document,
            std::function<void()> on_reconnect);
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  void start();
  // Reads the key now and hands the document over even if it did not change (SIGHUP).
  void reread(std::string cause);
  // Ends the watch and any read: nothing is handed over after this.
  void stop();

  const EtcdUrl& url() const { return url_; }

 private:
  boost::asio::awaitable<void> watch_loop();
  bool on_message(const EtcdWatchMessage& message);
  boost::asio::awaitable<std::string> read_key(boost::beast::tcp_stream& stream,
                                               std::string cause, bool force);
  void note_broken(const std::string& why);
  void note_restored();

  boost::asio::any_io_executor executor_;
  EtcdUrl url_;
  std::int64_t next_revision_;     // where the next watch starts
  std::int64_t applied_revision_;  // the revision of the last document handed over
  OnDocument on_document_;
  std::function<void()> on_reconnect_;
  boost::beast::tcp_stream watch_stream_;
  boost::beast::tcp_stream read_stream_;
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_ = kMinBackoff;
  std::string end_reason_;  // why on_message ended the watch (canceled by etcd)
  bool compacted_ = false;
  bool outage_ = false;
  bool reading_ = false;  // a SIGHUP read is under way on read_stream_
  bool stopped_ = false;
};

}  // namespace paygate::config
