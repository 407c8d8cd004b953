// The notification path across its threads, written for ThreadSanitizer (make test runs this
// file under TSan). Submitters on threads of their own hand events to the Committer's writer
// thread while admin jobs and metric scrapes run from the test thread; then a whole
// NotifyService takes intakes from two client threads and delivers them from two dispatcher
// threads to a merchant endpoint, while the test thread swaps its credentials. Each test uses a
// fresh outbox in a temporary directory; every wait is bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <latch>
#include <set>
#include <thread>

#include "notify/committer.h"
#include "notify/service.h"
#include "support/delivery_credentials.h"
#include "support/merchant_endpoint.h"
#include "support/sample_event.h"
#include "support/temp_dir.h"

namespace paygate::notify {
namespace {

// Concatenation without `"x" + std::to_string(...)`: GCC 12 -O3 reports a bogus -Wrestrict there.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;  // paygate::http is another namespace
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using ::testing::HasSubstr;

constexpr std::string_view kMchid = "1230000109";
constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr std::string_view kToken = "intake-token";
constexpr auto kWait = seconds(10);  // the bound on every wait for another thread

NewEvent event(const std::string& key) {
  return test::sample_event(kMchid, key, "http://127.0.0.1:9/notify");
}

std::unique_ptr<Store> open_store(const std::string& path) {
  return open_sqlite_store(StoreOptions{.path = path});
}

// Runs `query` on the committer thread and waits, bounded, for its answer on this one.
template <typename Result>
Result run_job(Committer& committer, std::function<Result(Store&)> query) {
  auto promise = std::make_shared<std::promise<Result>>();
  auto answer = promise->get_future();
  committer.run(
      [promise, query = std::move(query)](Store& store) { promise->set_value(query(store)); });
  if (answer.wait_for(kWait) != std::future_status::ready) {
    ADD_FAILURE() << "the committer did not run the job";
    return Result{};
  }
  return answer.get();
}

// ---- Committer -------------------------------------------------------------------------------

constexpr int kSubmitters = 4;
constexpr int kPerSubmitter = 200;
constexpr int kRepeated = 10;  // each submitter sends its first kRepeated keys a second time
constexpr int kShared = 5;     // keys that every submitter sends
constexpr int kAwaited = 20;   // events each submitter commits one by one from a coroutine
constexpr int kDistinct = kSubmitters * (kPerSubmitter + kAwaited) + kShared;

// One intake thread with its own io_context, as the notify intake thread is: it queues its
// events all at once with callbacks, then commits a few one at a time through commit_event()
// and query_store() as IntakeHandler does. Every answer lands on this thread, so the results
// need no lock; the test reads them after join(). Like the service's intake io_context, this
// one must outlive the committer: the committer thread may still be inside post() on it
// (Asio signals its condition variable after unlocking) when run() has already returned.
class Submitter {
 public:
  explicit Submitter(int index) : index_(index) {}

  void run(Committer& committer) {
    committer_ = &committer;
    auto work = asio::make_work_guard(io_);
    int pending = kPerSubmitter + kRepeated + kShared + 1;  // + the coroutine
    auto answered = [&] {
      if (--pending == 0) work.reset();
    };
    auto into = [&](IntakeResult& slot) {
      return [&slot, &answered](IntakeResult result) {
        slot = std::move(result);
        answered();
      };
    };
    for (int i = 0; i < kPerSubmitter; ++i) {
      committer.submit(event(key(i)), io_.get_executor(), into(created[i]));
      if (i == kPerSubmitter / 4) {
        for (int k = 0; k < kShared; ++k) {
          committer.submit(event("shared-" + std::to_string(k)), io_.get_executor(),
                           into(shared[k]));
        }
      }
      if (i == kPerSubmitter / 2) {
        for (int k = 0; k < kRepeated; ++k) {
          committer.submit(event(key(k)), io_.get_executor(), into(repeated[k]));
        }
      }
    }
    asio::co_spawn(io_, commit_one_by_one(), [&](std::exception_ptr e) {
      coroutine_failed = e != nullptr;
      answered();
    });
    io_.run_for(kWait);
    unanswered = pending;
  }

  std::array<IntakeResult, kPerSubmitter> created;
  std::array<IntakeResult, kRepeated> repeated;  // repeated[k] repeats created[k]
  std::array<IntakeResult, kShared> shared;
  std::vector<IntakeResult> awaited;
  std::vector<std::string> found_keys;  // what query_store found for each awaited id
  bool coroutine_failed = false;
  int unanswered = -1;

 private:
  std::string key(int i) const { return "s" + std::to_string(index_) + "-" + std::to_string(i); }

  asio::awaitable<void> commit_one_by_one() {
    for (int i = 0; i < kAwaited; ++i) {
      // Named, not temporaries in the co_await expressions (GCC 12; see intake_handler.cpp).
      NewEvent e = event(key(kPerSubmitter + i));
      IntakeResult result = co_await commit_event(*committer_, std::move(e));
      std::function<std::optional<EventRecord>(Store&)> find = [id = result.id](Store& store) {
        return store.find(id);
      };
      auto record = co_await query_store(*committer_, std::move(find));
      found_keys.push_back(record ? record->event.idempotency_key : "");
      awaited.push_back(std::move(result));
    }
  }

  asio::io_context io_{1};
  Committer* committer_ = nullptr;
  int index_;
};

TEST(CommitterThreads, SubmittersOnFourThreadsAndAdminJobsAllGetTheirAnswers) {
  test::TempDir dir;
  const std::string path = dir.file("outbox.db");
  observe::Registry registry(0, 1);
  const NotifyMetrics names(registry);
  std::vector<std::unique_ptr<Submitter>> submitters;  // outlive the committer
  for (int t = 0; t < kSubmitters; ++t) submitters.push_back(std::make_unique<Submitter>(t));
  std::atomic<int> batches_with_new_events{0};
  Committer committer(open_store(path), NotifySettings{}, names, registry.service_shard(0),
                      [&] { batches_with_new_events.fetch_add(1); });
  committer.start();

  std::vector<std::thread> threads;
  for (auto& submitter : submitters) {
    threads.emplace_back([&committer, s = submitter.get()] { s->run(committer); });
  }
  // Admin jobs queue up in between the intakes; with nothing delivering, each one sees the
  // outbox only grow. The scrapes read the committer's shard while it writes.
  std::vector<std::uint64_t> pending_seen;
  for (int i = 0; i < 20; ++i) {
    pending_seen.push_back(run_job<std::uint64_t>(
        committer, [](Store& store) { return store.stats(now_ms()).pending; }));
    EXPECT_THAT(registry.render(), HasSubstr("paygate_notify_store_commits_total"));
  }
  for (auto& thread : threads) thread.join();

  EXPECT_TRUE(std::is_sorted(pending_seen.begin(), pending_seen.end()));
  std::set<std::string> ids;
  for (const auto& s : submitters) {
    ASSERT_EQ(s->unanswered, 0) << "answers missing after " << kWait.count() << " s";
    EXPECT_FALSE(s->coroutine_failed);
    for (const auto& r : s->created) {
      EXPECT_EQ(r.status, IntakeStatus::kCreated) << r.error;
      ids.insert(r.id);
    }
    for (int k = 0; k < kRepeated; ++k) {
      EXPECT_EQ(s->repeated[k].status, IntakeStatus::kExisting) << s->repeated[k].error;
      EXPECT_EQ(s->repeated[k].id, s->created[k].id);
    }
    ASSERT_EQ(s->awaited.size(), static_cast<std::size_t>(kAwaited));
    for (int i = 0; i < kAwaited; ++i) {
      EXPECT_EQ(s->awaited[i].status, IntakeStatus::kCreated) << s->awaited[i].error;
      EXPECT_TRUE(s->found_keys[i].ends_with(cat({"-", std::to_string(kPerSubmitter + i)})))
          << s->found_keys[i];
      ids.insert(s->awaited[i].id);
    }
  }
  for (int k = 0; k < kShared; ++k) {
    int created = 0;
    for (const auto& s : submitters) {
      created += s->shared[k].status == IntakeStatus::kCreated;
      EXPECT_EQ(s->shared[k].id, submitters[0]->shared[k].id);
    }
    EXPECT_EQ(created, 1) << "shared key " << k;
    ids.insert(submitters[0]->shared[k].id);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kDistinct));  // no id given out twice

  const auto listed = run_job<std::size_t>(committer, [](Store& store) {
    ListFilter all;
    all.limit = 2 * kDistinct;
    return store.list(all).size();
  });
  EXPECT_EQ(listed, static_cast<std::size_t>(kDistinct));
  EXPECT_GT(batches_with_new_events.load(), 0);
  committer.stop();

  const std::string text = registry.render();
  EXPECT_THAT(text, HasSubstr("paygate_notify_intakes_total{result=\"created\"} " +
                              std::to_string(kDistinct) + "\n"));
  EXPECT_THAT(
      text,
      HasSubstr("paygate_notify_intakes_total{result=\"existing\"} " +
                std::to_string(kSubmitters * kRepeated + (kSubmitters - 1) * kShared) + "\n"));
  EXPECT_EQ(open_store(path)->stats(now_ms()).pending, static_cast<std::uint64_t>(kDistinct));
}

TEST(CommitterThreads, StopCommitsEverythingQueuedBeforeIt) {
  test::TempDir dir;
  const std::string path = dir.file("outbox.db");
  observe::Registry registry(0, 1);
  const NotifyMetrics names(registry);
  constexpr int kThreads = 2;
  std::array<asio::io_context, kThreads> contexts;  // outlive the committer (see Submitter)
  Committer committer(open_store(path), NotifySettings{}, names, registry.service_shard(0), {});
  committer.start();

  constexpr std::size_t kEach = 100;
  std::array<std::vector<IntakeStatus>, kThreads> statuses;
  std::latch queued(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& io = contexts[t];
      auto work = asio::make_work_guard(io);
      for (std::size_t i = 0; i < kEach; ++i) {
        committer.submit(event(cat({"t", std::to_string(t), "-", std::to_string(i)})),
                         io.get_executor(), [&](IntakeResult r) {
                           statuses[t].push_back(r.status);
                           if (statuses[t].size() == kEach) work.reset();
                         });
      }
      queued.count_down();
      io.run_for(kWait);
    });
  }
  queued.wait();
  committer.stop();  // from this thread, while the answers travel back to the others
  for (auto& thread : threads) thread.join();

  for (const auto& s : statuses) {
    ASSERT_EQ(s.size(), kEach);
    EXPECT_EQ(static_cast<std::size_t>(std::count(s.begin(), s.end(), IntakeStatus::kCreated)),
              kEach);
  }
  EXPECT_EQ(open_store(path)->stats(now_ms()).pending,
            static_cast<std::uint64_t>(kThreads * kEach));
}

// ---- NotifyService ---------------------------------------------------------------------------

// One keep-alive connection to the intake listener, used by one thread. A call that gets no
// answer within kWait comes back with status 0.
class IntakeClient {
 public:
  struct Reply {
    unsigned status = 0;
    std::string body;  // or what went wrong
  };

  explicit IntakeClient(std::uint16_t port) {
    stream_.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  }

  Reply call(bhttp::verb verb, const std::string& target, std::string body = {}) {
    bhttp::request<bhttp::string_body> request{verb, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::authorization, "Bearer " + std::string(kToken));
    if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    bhttp::response<bhttp::string_body> response;
    beast::error_code error;
    stream_.expires_after(kWait);
    bhttp::async_write(stream_, request, [&](beast::error_code e, std::size_t) {
      if (e) {
        error = e;
        return;
      }
      bhttp::async_read(stream_, buffer_, response,
                        [&](beast::error_code e, std::size_t) { error = e; });
    });
    io_.restart();
    io_.run();
    if (error) return {0, error.message()};
    return {response.result_int(), std::move(response.body())};
  }

 private:
  asio::io_context io_{1};
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
};

std::string intake_json(const std::string& notify_url, const std::string& key) {
  return boost::json::serialize(boost::json::object{
      {"mchid", kMchid},
      {"notify_url", notify_url},
      {"event_type", "TRANSACTION.SUCCESS"},
      {"resource_type", "transaction"},
      {"summary", "支付成功"},
      {"resource", {{"out_trade_no", key}, {"amount", {{"total", 100}}}}},
      {"idempotency_key", key},
  });
}

std::string id_of(const std::string& body) {
  boost::system::error_code error;
  const auto value = boost::json::parse(body, error);
  if (error || !value.is_object() || !value.as_object().contains("id")) return {};
  return std::string(value.at("id").as_string());
}

// The ids the admin API lists as delivered (empty if it cannot say).
std::set<std::string> delivered_ids(IntakeClient& admin) {
  const auto reply =
      admin.call(bhttp::verb::get, "/internal/notifications?state=delivered&limit=1000");
  std::set<std::string> ids;
  boost::system::error_code error;
  const auto value = boost::json::parse(reply.body, error);
  if (reply.status != 200 || error || !value.is_object()) return ids;
  for (const auto& record : value.at("notifications").as_array()) {
    ids.insert(std::string(record.at("id").as_string()));
  }
  return ids;
}

constexpr int kClients = 2;
constexpr int kPerClient = 100;

TEST(NotifyServiceThreads, DeliversEveryIntakeFromTwoClientsWhileCredentialsAreSwapped) {
  test::TempDir dir;
  test::MerchantEndpoint merchant;
  NotifySettings settings;
  settings.enabled = true;
  settings.store_path = dir.file("outbox.db");
  settings.port = 0;
  settings.token = std::string(kToken);
  settings.dispatchers = 2;
  settings.schedule = {seconds{1}, seconds{1}, seconds{1}};  // a failed attempt retries in time
  settings.jitter = 0;
  settings.attempt_timeout = seconds{2};
  // Two snapshots with the same merchant, so intakes go on being accepted whichever is current.
  const auto first = test::delivery_credentials(kMchid, kApiV3Key, merchant.url_prefix());
  const auto second = test::delivery_credentials(kMchid, kApiV3Key, merchant.url_prefix());
  ASSERT_TRUE(first && second);
  const std::string platform_serial = first->signing_identity()->serial;

  observe::Registry registry(0, NotifyService::shard_count(settings));
  const NotifyMetrics names(registry);
  NotifyService service(settings, first, registry, names, 0);
  service.start();

  struct ClientLog {
    std::vector<IntakeClient::Reply> intakes;
    IntakeClient::Reply repeat;
  };
  std::array<ClientLog, kClients> logs;
  std::atomic<int> clients_done{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      IntakeClient client(service.port());
      const auto key = [c](int i) { return cat({"c", std::to_string(c), "-", std::to_string(i)}); };
      const std::string url = merchant.url_prefix() + "notify";
      for (int i = 0; i < kPerClient; ++i) {
        logs[c].intakes.push_back(
            client.call(bhttp::verb::post, "/internal/notifications", intake_json(url, key(i))));
      }
      logs[c].repeat =
          client.call(bhttp::verb::post, "/internal/notifications", intake_json(url, key(0)));
      clients_done.fetch_add(1);
    });
  }

  // Swaps cross into the intake and both dispatcher threads while they work; the scrapes read
  // every service shard while its thread writes.
  std::set<std::string> delivered;
  {
    IntakeClient admin(service.port());
    const auto deadline = steady_clock::now() + kWait;
    for (int swap = 0; steady_clock::now() < deadline; ++swap) {
      service.adopt(swap % 2 == 0 ? second : first);
      (void)registry.render();
      if (clients_done.load() == kClients) {
        delivered = delivered_ids(admin);
        if (delivered.size() == static_cast<std::size_t>(kClients * kPerClient)) break;
      }
      std::this_thread::sleep_for(milliseconds(20));  // the polling pace, not a hand-off
    }
  }
  for (auto& client : clients) client.join();
  service.stop();

  std::set<std::string> created;
  for (const auto& log : logs) {
    ASSERT_EQ(log.intakes.size(), static_cast<std::size_t>(kPerClient));
    for (const auto& reply : log.intakes) {
      EXPECT_EQ(reply.status, 201u) << reply.body;
      created.insert(id_of(reply.body));
    }
    EXPECT_EQ(log.repeat.status, 200u) << log.repeat.body;
    EXPECT_EQ(id_of(log.repeat.body), id_of(log.intakes[0].body));
  }
  EXPECT_EQ(created.size(), static_cast<std::size_t>(kClients * kPerClient));
  EXPECT_EQ(delivered, created);
  const auto received = merchant.serials_by_id();
  for (const auto& id : created) {
    const auto it = received.find(id);
    ASSERT_NE(it, received.end()) << id << " never reached the merchant";
    EXPECT_EQ(it->second, platform_serial) << id;
  }
  EXPECT_THAT(registry.render(), HasSubstr("paygate_notify_delivered_total " +
                                           std::to_string(kClients * kPerClient) + "\n"));
}

}  // namespace
}  // namespace paygate::notify
