// Fault injection by counting, as LevelDB's fault_injection_test does it: the outbox's write
// number n fails, for n = 0, 1, 2, ... until a run makes fewer writes than that, and every run
// must keep the promises of the notification path:
//   intake    an intake answered as stored (created or existing) is in the outbox, visibly so
//             when the answer arrives; a refused one is refused with the store's reason; a
//             backend that retries what was refused, as it must after a 503, ends with every
//             event stored exactly once.
//   delivery  every event of the outbox reaches the merchant and ends delivered; the outbox
//             records nothing as delivered that did not arrive, and a failed record() at most
//             repeats a delivery (a failed lease only delays one).
// The Committer and the Dispatcher are the real ones on real SQLite files in a temporary
// directory; only the one failure is made up (support/faulty_store.h). Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notify/committer.h"
#include "notify/dispatcher.h"
#include "support/delivery_credentials.h"
#include "support/faulty_store.h"
#include "support/merchant_endpoint.h"
#include "support/sample_event.h"
#include "support/temp_dir.h"

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FaultyStore;

constexpr std::string_view kMchid = "1230000109";
constexpr std::string_view kApiV3Key = "0123456789abcdefghijABCDEFGHIJ_+";
constexpr auto kWait = seconds(10);    // the bound on every wait for another thread
constexpr std::size_t kMaxRuns = 100;  // far above the writes one run makes

NewEvent event(const std::string& key, const std::string& notify_url) {
  return test::sample_event(kMchid, key, notify_url);
}

std::unique_ptr<Store> open_store(const std::string& path, bool durable = true) {
  return open_sqlite_store(StoreOptions{.path = path, .durable_commits = durable});
}

// Calls run(n) for n = 0, 1, 2, ... until a run's FaultyStore was not reached by write n (run
// returns whether it was), or a run failed: the runs after it would only repeat its messages.
void for_each_failing_write(const std::function<bool(std::size_t)>& run) {
  for (std::size_t n = 0; n < kMaxRuns; ++n) {
    SCOPED_TRACE("write " + std::to_string(n) + " fails");
    const bool injected = run(n);
    if (::testing::Test::HasFailure()) return;
    if (!injected) {
      EXPECT_GT(n, 0u) << "the first run made no write at all";
      return;
    }
  }
  ADD_FAILURE() << "each of " << kMaxRuns << " runs reached its failing write";
}

// ---- Intake ----------------------------------------------------------------------------------

// One answer, as the backend saw it.
struct Answer {
  std::string key;
  IntakeResult result;
  bool stored_when_answered = false;  // another connection found the id as the answer arrived
};

// The backend of one run: hands events to the committer as IntakeHandler does and waits for
// the answers on this thread's io_context. When an answer arrives it looks the id up through a
// connection of its own, so an answer given before the commit is caught in the act.
class Backend {
 public:
  Backend(Committer& committer, asio::io_context& io, Store& observer)
      : committer_(committer), io_(io), observer_(observer) {}

  // Submits the events at once (one group commit, or several) and waits for every answer;
  // those refused are submitted again, at most `retries` times.
  void intake(std::vector<NewEvent> events, int retries = 3) {
    for (int attempt = 0; !events.empty() && attempt <= retries; ++attempt) {
      std::vector<NewEvent> refused;
      const auto got = submit(events);
      for (std::size_t i = 0; i < got.size(); ++i) {
        const auto status = got[i].result.status;
        if (status == IntakeStatus::kStoreError || status == IntakeStatus::kStoreFull) {
          refused.push_back(events[i]);
        }
      }
      events = std::move(refused);
    }
  }

  std::vector<Answer> answers;  // every answer, in the order they came

 private:
  // The answers to `events`, in their order.
  std::vector<Answer> submit(const std::vector<NewEvent>& events) {
    // Shared with the callbacks: one that comes after a timed-out wait finds it still alive.
    struct Wait {
      std::vector<Answer> answers;
      std::size_t missing = 0;
      asio::executor_work_guard<asio::io_context::executor_type> work;
    };
    auto wait = std::make_shared<Wait>(Wait{{}, events.size(), asio::make_work_guard(io_)});
    for (const NewEvent& e : events) wait->answers.push_back({e.idempotency_key, {}, false});
    for (std::size_t i = 0; i < events.size(); ++i) {
      committer_.submit(events[i], io_.get_executor(), [this, wait, i](IntakeResult result) {
        Answer& answer = wait->answers[i];
        answer.result = std::move(result);
        if (!answer.result.id.empty()) {
          answer.stored_when_answered = observer_.find(answer.result.id).has_value();
        }
        answers.push_back(answer);
        if (--wait->missing == 0) wait->work.reset();
      });
    }
    io_.restart();
    io_.run_for(kWait);
    EXPECT_EQ(wait->missing, 0u) << "answers missing after " << kWait.count() << " s";
    return wait->answers;
  }

  Committer& committer_;
  asio::io_context& io_;
  Store& observer_;
};

// One run of the intake test with write `fail_at` failing; returns whether it was reached.
bool intake_run(std::size_t fail_at) {
  test::TempDir dir;
  const std::string path = dir.file("outbox.db");
  const std::string url = "http://127.0.0.1:9/notify";
  // Outlives the committer, whose thread may still be inside post() on it after the answers.
  asio::io_context io{1};
  auto faulty = std::make_unique<FaultyStore>(open_store(path), fail_at);
  const FaultyStore& store = *faulty;
  observe::Registry registry(0, 1);
  const NotifyMetrics names(registry);
  Committer committer(std::move(faulty), NotifySettings{}, names, registry.service_shard(0), {});
  const auto observer = open_store(path);
  committer.start();

  // One at a time (a commit each), then a burst (grouped as the committer finds it), then a
  // repeat of the first key, which must come back with the first event's id.
  Backend backend(committer, io, *observer);
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back("single-" + std::to_string(i));
    backend.intake({event(keys.back(), url)});
  }
  std::vector<NewEvent> burst;
  for (int i = 0; i < 8; ++i) {
    keys.push_back("burst-" + std::to_string(i));
    burst.push_back(event(keys.back(), url));
  }
  backend.intake(burst);
  backend.intake({event(keys.front(), url)});
  committer.stop();

  std::map<std::string, std::string> id_of_key;
  std::size_t refused = 0;
  for (const Answer& answer : backend.answers) {
    const IntakeResult& r = answer.result;
    if (r.status == IntakeStatus::kStoreError || r.status == IntakeStatus::kStoreFull) {
      ++refused;
      EXPECT_EQ(r.status, IntakeStatus::kStoreError) << answer.key;
      EXPECT_EQ(r.error, "disk I/O error") << answer.key;
      EXPECT_TRUE(r.id.empty()) << answer.key;
      continue;
    }
    // Acknowledged: stored before the answer, and still there after the committer stopped.
    EXPECT_TRUE(answer.stored_when_answered) << answer.key << " answered before it was stored";
    const auto record = observer->find(r.id);
    if (!record) {
      ADD_FAILURE() << answer.key << " acknowledged as " << r.id << " but not in the outbox";
      continue;
    }
    EXPECT_EQ(record->event.idempotency_key, answer.key);
    EXPECT_EQ(record->event.resource, event(answer.key, url).resource);
    const auto first = id_of_key.emplace(answer.key, r.id).first;
    EXPECT_EQ(first->second, r.id) << answer.key << " acknowledged under two ids";
  }
  EXPECT_EQ(refused > 0, store.fault_injected())
      << "intakes are refused when, and only when, a write failed";
  if (store.fault_injected()) {
    EXPECT_TRUE(store.failed_call() == FaultyStore::Call::kEnqueue);  // the committer's only write
  }
  // The backend's retries got every key stored, once.
  for (const auto& key : keys) EXPECT_TRUE(id_of_key.contains(key)) << key << " never stored";
  ListFilter all;
  all.limit = 1000;
  EXPECT_EQ(observer->list(all).size(), keys.size());
  return store.fault_injected();
}

TEST(FaultInjection, IntakeIsAcknowledgedOnlyOnceStoredWhicheverWriteFails) {
  for_each_failing_write(intake_run);
}

// ---- Delivery --------------------------------------------------------------------------------

constexpr int kEvents = 12;

// One run of the delivery test with write `fail_at` failing; returns whether it was reached,
// and adds the call that failed to `failed_calls`.
bool delivery_run(std::size_t fail_at, std::set<FaultyStore::Call>& failed_calls) {
  test::TempDir dir;
  const std::string path = dir.file("outbox.db");
  test::MerchantEndpoint merchant;
  const auto credentials = test::delivery_credentials(kMchid, kApiV3Key, merchant.url_prefix());
  if (credentials == nullptr) return false;

  // The outbox as intake left it: every event due now.
  std::vector<std::string> ids;
  {
    std::vector<NewEvent> events;
    for (int i = 0; i < kEvents; ++i) {
      events.push_back(event("delivery-" + std::to_string(i), merchant.url_prefix() + "notify"));
    }
    std::vector<IntakeResult> results(events.size());
    open_store(path)->enqueue(events, now_ms(), results);
    for (const auto& r : results) {
      EXPECT_EQ(r.status, IntakeStatus::kCreated) << r.error;
      ids.push_back(r.id);
    }
  }

  NotifySettings settings;
  // Far longer than a delivery here takes, so an event is delivered twice only if an outcome
  // was lost and its lease ran out; short enough for that to happen within kWait.
  settings.lease = seconds{3};
  settings.schedule = {seconds{1}, seconds{1}, seconds{1}};
  settings.jitter = 0;
  settings.attempt_timeout = seconds{2};
  observe::Registry registry(0, 1);
  const NotifyMetrics names(registry);
  auto faulty = std::make_unique<FaultyStore>(open_store(path, false), fail_at);
  const FaultyStore& store = *faulty;
  Dispatcher dispatcher(std::move(faulty), settings, credentials, names, registry.service_shard(0));
  const auto observer = open_store(path);
  dispatcher.start();

  ListFilter delivered;
  delivered.state = EventState::kDelivered;
  delivered.limit = 1000;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (observer->list(delivered).size() < ids.size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));  // the polling pace, not a hand-off
  }
  dispatcher.stop();

  if (const auto call = store.failed_call()) failed_calls.insert(*call);
  const auto arrivals = merchant.arrivals_by_id();
  const bool record_failed = store.failed_call() == FaultyStore::Call::kRecord;
  for (const auto& id : ids) {
    const auto record = observer->find(id);
    if (!record) {
      ADD_FAILURE() << id << " vanished from the outbox";
      continue;
    }
    EXPECT_EQ(state_name(record->state), "delivered") << id << ": " << record->last_error;
    const auto arrived = arrivals.find(id);
    if (arrived == arrivals.end()) {
      ADD_FAILURE() << id << " never reached the merchant";
      continue;
    }
    // The outbox counts attempts it recorded; a lost outcome can only make it count fewer.
    EXPECT_GE(record->attempts, 1u) << id;
    EXPECT_LE(record->attempts, static_cast<unsigned>(arrived->second)) << id;
    if (!record_failed) {
      EXPECT_EQ(arrived->second, 1) << id << " delivered again, yet no record() failed";
    }
  }
  EXPECT_EQ(arrivals.size(), ids.size());
  return store.fault_injected();
}

TEST(FaultInjection, DeliveryLosesNothingWhicheverWriteFails) {
  std::set<FaultyStore::Call> failed_calls;
  for_each_failing_write([&](std::size_t n) { return delivery_run(n, failed_calls); });
  // The first write is a lease and an outcome is recorded before the next lease: both kinds of
  // failure were tried.
  EXPECT_TRUE(failed_calls.contains(FaultyStore::Call::kLeaseDue));
  EXPECT_TRUE(failed_calls.contains(FaultyStore::Call::kRecord));
}

}  // namespace
}  // namespace paygate::notify
