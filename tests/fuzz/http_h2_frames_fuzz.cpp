// Fuzzes the HTTP/2 server frame path: the input is what a client sends after connecting (the
// preface, then frames), fed to an H2Session in 2 or 3 reads as the connection would feed it.
// Between reads the io_context runs the stream handlers the session spawned and the frames it
// queued are taken, so a frame can meet a stream whose handler has already answered. This
// reaches nghttp2's callbacks, h2_request, request_admission, h2_response and the session's
// abuse limits; it must never crash, leak or hang. The limits are small (1 KiB header list and
// body, a few resets, control and CONTINUATION frames) so that inputs of libFuzzer's default
// length pass them. No timers run: the watchdog is not started, so the session's deadlines
// never fire and a run depends on the input alone (bar the random request ids in the answers,
// and the one-second abuse windows, which a run does not outlast).
// Seeds (seeds/http_h2_frames/), each the preface and a SETTINGS frame, then: GET; POST with
// DATA; HEADERS + CONTINUATION; RST_STREAM + PING; and one over each limit (body, HPACK-expanded
// header list, rapid reset, PING flood, CONTINUATION flood). Built with hyperframe and hpack.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/exchange.h"
#include "http/h2_session.h"
#include "http/server_connection.h"
#include "http/settings.h"
#include "http/watchdog.h"

namespace {

namespace asio = boost::asio;
using namespace paygate::http;

// Every request that is admitted gets the same small answer.
class OkHandler final : public Handler {
 public:
  asio::awaitable<void> handle(Exchange& exchange) override {
    co_await exchange.respond(200, "text/plain", "ok");
  }
};

// The client's stream: nothing to cancel or close, the bytes never touch a socket.
class NullTransport final : public H2Transport {
 public:
  void cancel() override {}
  void close() override {}
};

ServerLimits small_limits() {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_header_count = 32;
  limits.max_request_line_bytes = 512;
  limits.max_body_bytes = 1024;
  limits.http2.max_concurrent_streams = 8;
  limits.http2.max_resets_per_second = 8;
  limits.http2.max_control_frames_per_second = 16;
  limits.http2.max_continuation_frames = 4;
  return limits;
}

// One per process: the worker a connection would live on.
struct Worker {
  asio::io_context io;
  Watchdog watchdog{io.get_executor()};
  OkHandler handler;
  ServerLimits limits = small_limits();
  ConnectionContext context{watchdog, handler, &limits};
  NullTransport transport;
  asio::ip::tcp::endpoint peer{asio::ip::make_address("192.0.2.1"), 40000};

  // Runs the handlers that are ready; restart() because poll() stops an io_context that ran
  // out of work.
  void run_ready() {
    io.restart();
    io.poll();
  }
};

Worker& worker() {
  static Worker* const w = new Worker;  // never destroyed: sessions may outlive static teardown
  return *w;
}

// Feeds one read and lets the session act on it. False when the session ends the connection.
bool feed(Worker& w, H2Session& session, std::string_view piece, std::string& out) {
  const bool go_on = session.receive(piece);
  w.run_ready();
  session.take_output(out);
  return go_on;
}

// The client goes away: handlers still running end, and the session may then be destroyed
// (serve() refers to it until its handler returns).
void close_session(Worker& w, H2Session& session) {
  session.transport_closed();
  for (int i = 0; i < 64 && !session.finished(); ++i) w.run_ready();
  if (!session.finished()) {
    std::fputs("h2 fuzz: a stream handler never ended after transport_closed()\n", stderr);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Worker& w = worker();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input's length picks 2 or 3 reads of about equal size.
  const std::size_t pieces = 2 + size % 2;
  std::string out;
  {
    H2Session session(w.context, w.io.get_executor(), w.peer, w.transport);
    for (std::size_t i = 0; i < pieces; ++i) {
      const std::size_t begin = size * i / pieces;
      const std::size_t end = size * (i + 1) / pieces;
      if (!feed(w, session, input.substr(begin, end - begin), out)) break;
    }
    w.run_ready();
    session.take_output(out);
    close_session(w, session);
  }
  w.run_ready();  // handlers' coroutine frames finish unwinding
  return 0;
}
