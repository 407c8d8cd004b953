// loadgen: an open-loop HTTP/1.1 load generator for bench/overload.sh.
//
//   loadgen --port 8080 [--host 127.0.0.1] --rate 2000 [--duration 10] [--connections 256]
//           [--timeout 5] [--path /a --path /b ...]
//
// Requests are scheduled at a constant rate, one every 1/rate seconds, whatever the server
// does; the paths take turns. Each goes out on an idle keep-alive connection (or waits in the
// generator for one), and its latency is measured from its *scheduled* send time, so a server
// that stalls is charged for every request that should have gone out meanwhile (no
// coordinated omission; closed-loop tools like wrk measure from the actual send and hide it).
// A request not sent by the end of the run plus --timeout, or not answered within --timeout,
// is an error; a failed connection is re-opened for the next request.
//
// Prints the offered rate, goodput (2xx answered within the run, per second), shed (503/s),
// other statuses and errors, and the latencies of every 2xx (p50/p90/p99/p99.9/max), overall and
// per path, then machine-readable lines:
//   RESULT offered=.. goodput=.. shed=.. other=.. errors=.. p50_ms=.. p90_ms=.. p99_ms=..
//   p999_ms=.. max_ms=.. PATH path=/a goodput=.. shed=.. p99_ms=..
// One thread, one io_context: pin it to a core of its own (taskset).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.h"

namespace paygate::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using asio::awaitable;
using asio::use_awaitable;

struct Options {
  std::string host = "127.0.0.1";
  unsigned port = 0;
  double rate = 0;  // requests per second
  double duration = 10;
  std::size_t connections = 256;
  double timeout = 5;
  std::vector<std::string> paths;
};

struct Stats {
  Histogram ok_latency;         // of 2xx answers
  std::uint64_t ok_in_run = 0;  // 2xx answered before the end of the run: the goodput
  std::uint64_t shed = 0;       // 503
  std::uint64_t other = 0;      // any other status
  std::uint64_t errors = 0;     // no answer: connect, I/O, timeout, never sent
};

struct Job {
  Clock::time_point scheduled;
  std::size_t path = 0;
};

// A connection waiting for work: the scheduler hands it a job and wakes it.
struct Idle {
  asio::steady_timer* wake;
  Job* job;
  bool* has_job;
};

class Generator {
 public:
  Generator(asio::io_context& io, Options options)
      : io_(io), options_(std::move(options)), stats_(options_.paths.size()) {
    for (const std::string& path : options_.paths) {
      requests_.push_back("GET " + path + " HTTP/1.1\r\nHost: " + options_.host +
                          "\r\nUser-Agent: paygate-loadgen\r\n\r\n");
    }
    endpoint_ = {asio::ip::make_address(options_.host), static_cast<unsigned short>(options_.port)};
  }

  void start() {
    start_ = Clock::now() + std::chrono::milliseconds{50};  // connections open meanwhile
    end_ = start_ + seconds(options_.duration);
    give_up_ = end_ + seconds(options_.timeout);
    for (std::size_t i = 0; i < options_.connections; ++i) {
      asio::co_spawn(io_, connection(), asio::detached);
    }
    asio::co_spawn(io_, schedule(), asio::detached);
  }

  void report() const;

 private:
  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  awaitable<void> schedule();
  awaitable<void> connection();
  awaitable<bool> take(Job& job, asio::steady_timer& wake);
  awaitable<bool> exchange(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
                           const Job& job);
  void dispatch(const Job& job);

  asio::io_context& io_;
  Options options_;
  std::vector<std::string> requests_;  // by path
  asio::ip::tcp::endpoint endpoint_;
  std::vector<Stats> stats_;  // by path
  std::deque<Job> backlog_;   // scheduled, waiting for a connection
  std::vector<Idle> idle_;
  bool scheduling_done_ = false;
  std::uint64_t scheduled_ = 0;
  Clock::time_point start_{}, end_{}, give_up_{};
};

awaitable<void> Generator::schedule() {
  asio::steady_timer timer(io_);
  const double interval = 1.0 / options_.rate;
  for (std::uint64_t i = 0;;) {
    const Clock::time_point now = Clock::now();
    Clock::time_point next = start_ + seconds(static_cast<double>(i) * interval);
    // Everything due goes out now: a late wake-up must not lower the rate.
    while (next <= now && next < end_) {
      dispatch({next, i % requests_.size()});
      next = start_ + seconds(static_cast<double>(++i) * interval);
    }
    if (next >= end_) break;
    timer.expires_at(next);
    co_await timer.async_wait(use_awaitable);
  }
  scheduling_done_ = true;
  for (Idle& idle : idle_) idle.wake->cancel();  // nothing more will come: they may end
  idle_.clear();
}

void Generator::dispatch(const Job& job) {
  ++scheduled_;
  if (idle_.empty()) {
    backlog_.push_back(job);
    return;
  }
  Idle idle = idle_.back();
  idle_.pop_back();
  *idle.job = job;
  *idle.has_job = true;
  idle.wake->cancel();
}

// The next job: the oldest waiting, or the next one scheduled. False when the run is over.
awaitable<bool> Generator::take(Job& job, asio::steady_timer& wake) {
  if (!backlog_.empty()) {
    job = backlog_.front();
    backlog_.pop_front();
    co_return true;
  }
  if (scheduling_done_) co_return false;
  bool has_job = false;
  idle_.push_back({&wake, &job, &has_job});
  wake.expires_at(Clock::time_point::max());
  boost::system::error_code ignored;  // cancelled: a job came, or the run is over
  co_await wake.async_wait(asio::redirect_error(use_awaitable, ignored));
  co_return has_job;
}

awaitable<void> Generator::connection() {
  boost::beast::tcp_stream stream(io_);
  boost::beast::flat_buffer buffer;
  asio::steady_timer wake(io_);
  bool connected = false;
  Job job;
  while (co_await take(job, wake)) {
    Stats& stats = stats_[job.path];
    if (Clock::now() >= give_up_) {  // never sent in time
      ++stats.errors;
      continue;
    }
    boost::system::error_code ec;
    if (!connected) {
      stream.expires_after(seconds(options_.timeout));
      co_await stream.async_connect(endpoint_, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        ++stats.errors;
        stream.close();
        continue;
      }
      stream.socket().set_option(asio::ip::tcp::no_delay(true));
      connected = true;
    }
    connected = co_await exchange(stream, buffer, job);
    if (!connected) {
      stream.close();
      buffer.clear();
    }
  }
}

// One request and its answer, counted. False when the connection is no longer usable.
awaitable<bool> Generator::exchange(boost::beast::tcp_stream& stream,
                                    boost::beast::flat_buffer& buffer, const Job& job) {
  Stats& stats = stats_[job.path];
  boost::system::error_code ec;
  stream.expires_after(seconds(options_.timeout));
  co_await asio::async_write(stream, asio::buffer(requests_[job.path]),
                             asio::redirect_error(use_awaitable, ec));
  http::response<http::string_body> response;
  if (!ec)
    co_await http::async_read(stream, buffer, response, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    ++stats.errors;
    co_return false;
  }
  const unsigned status = response.result_int();
  if (status >= 200 && status < 300) {
    const Clock::time_point now = Clock::now();
    stats.ok_latency.record(now - job.scheduled);
    if (now <= end_) ++stats.ok_in_run;
  } else if (status == 503) {
    ++stats.shed;
  } else {
    ++stats.other;
  }
  co_return response.keep_alive();
}

double ms(std::chrono::nanoseconds value) { return static_cast<double>(value.count()) / 1e6; }

void print_line(const char* label, const Histogram& ok, const Stats& s, double d) {
  std::printf(
      "  %-20s 2xx %9.1f/s  503 %9.1f/s  other %llu  errors %llu  |  2xx ms: p50 %.2f"
      "  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
      label, static_cast<double>(s.ok_in_run) / d, static_cast<double>(s.shed) / d,
      static_cast<unsigned long long>(s.other), static_cast<unsigned long long>(s.errors),
      ms(ok.quantile(0.5)), ms(ok.quantile(0.9)), ms(ok.quantile(0.99)), ms(ok.quantile(0.999)),
      ms(ok.max()));
}

void Generator::report() const {
  const double d = options_.duration;
  Stats total;
  for (const Stats& s : stats_) {
    total.ok_latency.add(s.ok_latency);
    total.ok_in_run += s.ok_in_run;
    total.shed += s.shed;
    total.other += s.other;
    total.errors += s.errors;
  }
  std::printf("loadgen: offered %.1f/s for %.1f s over %zu connections to %s:%u (%llu scheduled)\n",
              options_.rate, d, options_.connections, options_.host.c_str(), options_.port,
              static_cast<unsigned long long>(scheduled_));
  print_line("all", total.ok_latency, total, d);
  for (std::size_t i = 0; i < stats_.size(); ++i) {
    print_line(options_.paths[i].c_str(), stats_[i].ok_latency, stats_[i], d);
  }
  const Histogram& h = total.ok_latency;
  std::printf(
      "RESULT offered=%.1f goodput=%.1f shed=%.1f other=%llu errors=%llu p50_ms=%.3f "
      "p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
      options_.rate, static_cast<double>(total.ok_in_run) / d, static_cast<double>(total.shed) / d,
      static_cast<unsigned long long>(total.other), static_cast<unsigned long long>(total.errors),
      ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
      ms(h.max()));
  for (std::size_t i = 0; i < stats_.size(); ++i) {
    const Stats& s = stats_[i];
    std::printf("PATH path=%s goodput=%.1f shed=%.1f p99_ms=%.3f\n", options_.paths[i].c_str(),
                static_cast<double>(s.ok_in_run) / d, static_cast<double>(s.shed) / d,
                ms(s.ok_latency.quantile(0.99)));
  }
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// False, with a message, on anything it does not understand.
bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view key = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "loadgen: %s needs a value\n", argv[i]);
      return false;
    }
    const std::string_view value = argv[++i];
    bool ok = true;
    if (key == "--host") {
      o.host = value;
    } else if (key == "--port") {
      ok = parse_number(value, o.port) && o.port > 0 && o.port < 65536;
    } else if (key == "--rate") {
      ok = parse_number(value, o.rate) && o.rate > 0;
    } else if (key == "--duration") {
      ok = parse_number(value, o.duration) && o.duration > 0;
    } else if (key == "--connections") {
      ok = parse_number(value, o.connections) && o.connections > 0;
    } else if (key == "--timeout") {
      ok = parse_number(value, o.timeout) && o.timeout > 0;
    } else if (key == "--path") {
      ok = value.starts_with('/');
      o.paths.emplace_back(value);
    } else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", argv[i - 1]);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "loadgen: bad value for %s: %s\n", argv[i - 1], argv[i]);
      return false;
    }
  }
  if (o.port == 0 || o.rate <= 0) {
    std::fprintf(stderr,
                 "usage: loadgen --port P --rate R [--host H] [--duration S] [--connections N]"
                 " [--timeout S] [--path /p ...]\n");
    return false;
  }
  if (o.paths.empty()) o.paths.emplace_back("/");
  return true;
}

}  // namespace
}  // namespace paygate::bench

int main(int argc, char** argv) {
  paygate::bench::Options options;
  if (!paygate::bench::parse_options(argc, argv, options)) return 2;
  try {
    boost::asio::io_context io(1);
    paygate::bench::Generator generator(io, options);
    generator.start();
    io.run();
    generator.report();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    return 2;
  }
  return 0;
}
