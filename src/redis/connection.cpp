#include "redis/connection.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <deque>

namespace paygate::redis {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxArgs = 24;
constexpr std::size_t kReadChunk = 16 * 1024;

struct ReaderDeleter {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};
using ReaderHandle = std::unique_ptr<redisReader, ReaderDeleter>;

// Appends the command in the protocol's form (RESP), as hiredis writes it.
bool append_command(std::string& out, std::span<const std::string_view> args) {
  if (args.empty() || args.size() > kMaxArgs) return false;
  std::array<const char*, kMaxArgs> pointers{};
  std::array<std::size_t, kMaxArgs> lengths{};
  for (std::size_t i = 0; i < args.size(); ++i) {
    pointers[i] = args[i].data();
    lengths[i] = args[i].size();
  }
  char* command = nullptr;
  const int length = redisFormatCommandArgv(&command, static_cast<int>(args.size()),
                                            pointers.data(), lengths.data());
  if (length < 0) return false;
  out.append(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
  return true;
}

}  // namespace

std::string_view name_of(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "ok";
    case Failure::kUnavailable:
      return "unavailable";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kBroken:
      return "broken";
  }
  return "broken";
}

// The connection's state, owned jointly by the Connection and the operations in flight (a
// read, a write, a timer), which may complete after the Connection is gone.
struct Connection::State : std::enable_shared_from_this<State> {
  enum class Phase { kIdle, kConnecting, kReady };
  // The completion handler of a call, type-erased. Not asio::any_completion_handler: its
  // executor wrapper uses a fence that ThreadSanitizer builds refuse to compile.
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void complete(Result result) = 0;
  };
  template <typename Handler>
  struct WaiterFor final : Waiter {
    explicit WaiterFor(Handler h) : handler(std::move(h)) {}
    void complete(Result result) override { std::move(handler)(std::move(result)); }
    Handler handler;
  };
  using Handler = std::unique_ptr<Waiter>;
  struct Pending {
    Handler handler;  // null for the connection's own AUTH and SELECT
    Clock::time_point deadline;
  };

  State(asio::any_io_executor executor, Settings settings)
      : executor(std::move(executor)),
        settings(std::move(settings)),
        socket(this->executor),
        ticker(this->executor) {}

  asio::any_io_executor executor;
  Settings settings;
  tcp::socket socket;
  asio::steady_timer ticker;  // checks the oldest command's deadline while any is pending
  ReaderHandle reader;
  Phase phase = Phase::kIdle;
  bool closed = false;           // the Connection is gone: never reconnect
  std::uint64_t generation = 0;  // +1 per connection opened or failed: stale completions
  std::uint64_t connect_count = 0;
  Clock::time_point retry_at{};  // no connect attempt before this
  std::chrono::milliseconds backoff{0};
  std::string out;      // commands not yet written
  std::string writing;  // the commands of the write in flight (kept until it completes)
  bool write_in_flight = false;
  bool flush_posted = false;
  bool ticking = false;
  std::deque<Pending> pending;  // in the order their commands were written
  std::array<char, kReadChunk> read_buffer{};

  void complete(Pending& p, Result result) {
    if (!p.handler) return;
    // Posted, never run inline: the woken request may issue its next command at once, and must
    // not do so while this loop walks the queue.
    asio::post(executor, [handler = std::move(p.handler), result = std::move(result)]() mutable {
      handler->complete(std::move(result));
    });
  }

  // Closes the connection and fails every command in flight.
  void fail(Failure failure) {
    boost::system::error_code ignored;
    socket.close(ignored);
    ++generation;
    phase = Phase::kIdle;
    reader.reset();
    out.clear();
    ticker.cancel();
    if (failure == Failure::kUnavailable) {
      backoff = std::clamp(backoff * 2, settings.min_backoff, settings.max_backoff);
      retry_at = Clock::now() + backoff;
    } else if (failure == Failure::kTimeout) {
      retry_at = Clock::now() + settings.min_backoff;  // a stuck server: do not hammer it
    }
    std::deque<Pending> failed;
    failed.swap(pending);
    for (Pending& p : failed) complete(p, Result{failure, nullptr});
  }

  void enqueue(Handler handler) {
    pending.push_back({std::move(handler), Clock::now() + settings.command_timeout});
    start_ticker();
    schedule_flush();
  }

  void schedule_flush() {
    if (flush_posted || write_in_flight || phase != Phase::kReady || out.empty()) return;
    flush_posted = true;
    asio::post(executor, [self = shared_from_this()] {
      self->flush_posted = false;
      self->flush();
    });
  }

  void flush() {
    if (write_in_flight || phase != Phase::kReady || out.empty()) return;
    writing.swap(out);
    out.clear();
    write_in_flight = true;
    asio::async_write(
        socket, asio::buffer(writing),
        [self = shared_from_this(), gen = generation](boost::system::error_code ec, std::size_t) {
          self->write_in_flight = false;
          self->writing.clear();
          if (gen == self->generation && ec) {
            self->fail(Failure::kBroken);
            return;
          }
          self->schedule_flush();
        });
  }

  void start_ticker() {
    if (ticking || pending.empty()) return;
    ticking = true;
    asio::co_spawn(executor, tick(shared_from_this()), asio::detached);
  }

  // Every quarter of the timeout while commands are pending: one timer for the connection, not
  // one per command (no timer syscall per request).
  static asio::awaitable<void> tick(std::shared_ptr<State> self) {
    const auto period = std::max(self->settings.command_timeout / 4, std::chrono::milliseconds{2});
    while (!self->pending.empty()) {
      self->ticker.expires_after(period);
      co_await self->ticker.async_wait(kNoThrow);
      if (!self->pending.empty() && self->pending.front().deadline <= Clock::now()) {
        self->fail(Failure::kTimeout);
      }
    }
    self->ticking = false;
  }

  void start_connect() {
    phase = Phase::kConnecting;
    asio::co_spawn(executor, connect(shared_from_this(), ++generation), asio::detached);
  }

  static asio::awaitable<void> connect(std::shared_ptr<State> self, std::uint64_t gen) {
    tcp::endpoint endpoint;
    if (!co_await resolve(*self, endpoint) || gen != self->generation) {
      if (gen == self->generation) self->fail(Failure::kUnavailable);
      co_return;
    }
    self->socket = tcp::socket(self->executor);
    asio::steady_timer limit(self->executor, self->settings.connect_timeout);
    limit.async_wait([self, gen](boost::system::error_code ec) {
      if (!ec && gen == self->generation) self->socket.close(ec);
    });
    auto [ec] = co_await self->socket.async_connect(endpoint, kNoThrow);
    limit.cancel();
    if (gen != self->generation) co_return;  // failed meanwhile (a timeout of a queued command)
    if (ec) {
      self->fail(Failure::kUnavailable);
      co_return;
    }
    self->socket.set_option(tcp::no_delay(true), ec);
    self->on_connected();
    asio::co_spawn(self->executor, read_loop(self, gen), asio::detached);
  }

  static asio::awaitable<bool> resolve(State& s, tcp::endpoint& endpoint) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(s.settings.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, s.settings.port);
      co_return true;
    }
    tcp::resolver resolver(s.executor);
    auto [error, results] =
        co_await resolver.async_resolve(s.settings.host, std::to_string(s.settings.port), kNoThrow);
    if (error || results.empty()) co_return false;
    endpoint = *results.begin();
    co_return true;
  }

  // AUTH and SELECT go first, ahead of the commands queued while connecting.
  void on_connected() {
    ++connect_count;
    phase = Phase::kReady;
    backoff = std::chrono::milliseconds{0};
    reader.reset(redisReaderCreate());
    std::string hello;
    const auto deadline = Clock::now() + settings.command_timeout;
    if (const std::string_view database = database_text(); database != "0") {
      const std::string_view select[] = {"SELECT", database};
      append_command(hello, select);
      pending.push_front({Handler{}, deadline});
    }
    if (!settings.password.empty()) {
      const std::string_view auth[] = {"AUTH", settings.password.view()};
      std::string auth_command;
      append_command(auth_command, auth);
      hello.insert(0, auth_command);
      pending.push_front({Handler{}, deadline});
    }
    out.insert(0, hello);
    start_ticker();
    schedule_flush();
  }

  std::string_view database_text() {
    auto [end, ec] = std::to_chars(
        database_digits.data(), database_digits.data() + database_digits.size(), settings.database);
    return {database_digits.data(), static_cast<std::size_t>(end - database_digits.data())};
  }
  std::array<char, 16> database_digits{};

  static asio::awaitable<void> read_loop(std::shared_ptr<State> self, std::uint64_t gen) {
    for (;;) {
      auto [ec, n] =
          co_await self->socket.async_read_some(asio::buffer(self->read_buffer), kNoThrow);
      if (gen != self->generation) co_return;
      if (ec || redisReaderFeed(self->reader.get(), self->read_buffer.data(), n) != REDIS_OK) {
        self->fail(Failure::kBroken);
        co_return;
      }
      if (!self->take_replies()) co_return;
    }
  }

  // Hands each whole reply to the oldest pending command. False when the connection failed.
  bool take_replies() {
    for (;;) {
      void* parsed = nullptr;
      if (redisReaderGetReply(reader.get(), &parsed) != REDIS_OK) {
        fail(Failure::kBroken);
        return false;
      }
      if (!parsed) return true;
      Reply reply(static_cast<redisReply*>(parsed));
      if (pending.empty()) {  // a reply nobody asked for: the stream is not what we think
        fail(Failure::kBroken);
        return false;
      }
      Pending front = std::move(pending.front());
      pending.pop_front();
      if (!front.handler) {
        if (const auto error = error_of(*reply)) {
          spdlog::warn("redis {}:{}: refused the connection's setup: {}", settings.host,
                       settings.port, *error);
          fail(Failure::kUnavailable);
          return false;
        }
        continue;
      }
      complete(front, Result{Failure::kNone, std::move(reply)});
    }
  }
};

Connection::Connection(asio::any_io_executor executor, Settings settings)
    : state_(std::make_shared<State>(std::move(executor), std::move(settings))) {}

Connection::~Connection() {
  state_->closed = true;
  state_->fail(Failure::kBroken);
}

asio::awaitable<Result> Connection::call(std::span<const std::string_view> args) {
  State& s = *state_;
  if (s.closed) co_return Result{Failure::kBroken, nullptr};
  if (s.phase == State::Phase::kIdle) {
    if (Clock::now() < s.retry_at) co_return Result{Failure::kUnavailable, nullptr};
    s.start_connect();
  }
  if (!append_command(s.out, args)) co_return Result{Failure::kBroken, nullptr};
  // A plain pointer, not a shared_ptr copy: GCC 12 may destroy a temporary of a co_await
  // expression twice, and a copied shared_ptr then frees the state under its other owners. The
  // Connection (which owns the state) outlives the calls made on it.
  State* state = state_.get();
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
      [state](auto handler) {
        using Waiter = State::WaiterFor<decltype(handler)>;
        state->enqueue(std::make_unique<Waiter>(std::move(handler)));
      },
      asio::use_awaitable);
}

asio::awaitable<Result> Connection::call_script(const Script& script,
                                                std::span<const std::string_view> keys,
                                                std::span<const std::string_view> args) {
  constexpr std::size_t kMaxScriptArgs = kMaxArgs - 3;
  std::array<std::string_view, kMaxArgs> command{};
  if (keys.size() + args.size() > kMaxScriptArgs) co_return Result{Failure::kBroken, nullptr};
  std::array<char, 8> key_count{};
  const auto [end, ec] =
      std::to_chars(key_count.data(), key_count.data() + key_count.size(), keys.size());
  command[0] = "EVALSHA";
  command[1] = script.sha1();
  command[2] = std::string_view(key_count.data(), static_cast<std::size_t>(end - key_count.data()));
  std::copy(keys.begin(), keys.end(), command.begin() + 3);
  std::copy(args.begin(), args.end(), command.begin() + 3 + static_cast<long>(keys.size()));
  const std::span<const std::string_view> filled(command.data(), 3 + keys.size() + args.size());
  Result result = co_await call(filled);
  const auto error = result.reply ? error_of(*result.reply) : std::nullopt;
  if (!error || !error->starts_with("NOSCRIPT")) co_return result;
  // The server does not have it cached (restarted or flushed): send the text, which caches it.
  command[0] = "EVAL";
  command[1] = script.text();
  co_return co_await call(filled);
}

bool Connection::connected() const { return state_->phase == State::Phase::kReady; }

std::uint64_t Connection::connects() const { return state_->connect_count; }

}  // namespace paygate::redis
