// A Committer with several lanes (the PostgreSQL outbox's): batches commit on two lanes at once,
// each intake is answered with what its own batch's commit did (a failed batch refuses only its
// own intakes), admin jobs run on lane 0, and stop() answers everything queued. The stores are
// made up: each lane's enqueue() waits at a gate until the test lets it through, so that which
// batches are in flight together is the test's choice, not the scheduler's. Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notify/committer.h"
#include "support/sample_event.h"

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;

constexpr auto kWait = seconds(10);  // the bound on every wait for another thread

// What the lanes' stores share: how many enqueue() calls are inside at once, and a gate they
// wait at until opened.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t inside = 0;
  std::size_t most_inside = 0;
  bool open = false;

  void enter() {
    std::unique_lock lock(mutex);
    most_inside = std::max(most_inside, ++inside);
    changed.notify_all();
    changed.wait_for(lock, kWait, [&] { return open; });
    --inside;
  }
  bool wait_inside(std::size_t count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, [&] { return inside >= count; });
  }
  void let_through() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

// A lane's made-up outbox: creates every event under "<name>-<key>", or refuses the whole batch
// as a store whose commit failed.
class GatedStore final : public Store {
 public:
  GatedStore(std::string name, Gate& gate, bool fails)
      : name_(std::move(name)), gate_(gate), fails_(fails) {}

  void enqueue(std::span<const NewEvent> events, TimePoint,
               std::span<IntakeResult> results) override {
    gate_.enter();
    for (std::size_t i = 0; i < events.size(); ++i) {
      results[i] =
          fails_
              ? IntakeResult{IntakeStatus::kStoreError, {}, name_ + ": commit failed"}
              : IntakeResult{IntakeStatus::kCreated, name_ + "-" + events[i].idempotency_key, {}};
    }
  }
  std::vector<EventRecord> lease_due(TimePoint, TimePoint, std::size_t,
                                     std::span<const std::string>) override {
    return {};
  }
  void record(std::span<const Outcome>) override {}
  std::optional<EventRecord> find(std::string_view) override { return std::nullopt; }
  std::vector<EventRecord> list(const ListFilter&) override { return {}; }
  bool retry_now(std::string_view, TimePoint) override { return false; }
  std::size_t prune(TimePoint, TimePoint) override { return 0; }
  StoreStats stats(TimePoint) override { return {}; }
  std::uint64_t commits() const override { return 0; }
  void checkpoint() override {}

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Gate& gate_;
  bool fails_;
};

// Two lanes on the gated stores; answers arrive on `io`'s thread.
class CommitterLanesTest : public ::testing::Test {
 protected:
  void start(bool second_lane_fails = false) {
    std::vector<CommitterLane> lanes;
    lanes.push_back(
        {std::make_unique<GatedStore>("lane0", gate_, false), &registry_.service_shard(0)});
    lanes.push_back({std::make_unique<GatedStore>("lane1", gate_, second_lane_fails),
                     &registry_.service_shard(1)});
    committer_ = std::make_unique<Committer>(std::move(lanes), NotifySettings{}, names_, [] {});
    committer_->start();
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    gate_.let_through();
    if (committer_) committer_->stop();
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
  }

  std::future<IntakeResult> submit(const std::string& key) {
    auto answer = std::make_shared<std::promise<IntakeResult>>();
    auto future = answer->get_future();
    committer_->submit(test::sample_event("1230000109", key, "https://m.example.com/n"),
                       io_.get_executor(),
                       [answer](IntakeResult result) { answer->set_value(std::move(result)); });
    return future;
  }

  static IntakeResult await(std::future<IntakeResult>& future) {
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within " << kWait.count() << " s";
      return {IntakeStatus::kStoreError, {}, "no answer"};
    }
    return future.get();
  }

  Gate gate_;
  observe::Registry registry_{0, 2};
  const NotifyMetrics names_{registry_};
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread io_thread_;
  std::unique_ptr<Committer> committer_;  // stopped before the io_context goes
};

TEST_F(CommitterLanesTest, ABatchCommitsWhileAnotherIsInFlight) {
  start();
  auto first = submit("k1");
  ASSERT_TRUE(gate_.wait_inside(1));  // one lane holds k1's batch at the gate
  auto second = submit("k2");
  EXPECT_TRUE(gate_.wait_inside(2)) << "the second batch waited for the first commit";
  gate_.let_through();

  const IntakeResult a = await(first), b = await(second);
  EXPECT_EQ(a.status, IntakeStatus::kCreated);
  EXPECT_EQ(b.status, IntakeStatus::kCreated);
  // Each lane committed one of them.
  const std::set<std::string> lanes = {a.id.substr(0, 5), b.id.substr(0, 5)};
  EXPECT_EQ(lanes, (std::set<std::string>{"lane0", "lane1"}));
  EXPECT_EQ(gate_.most_inside, 2u);
}

TEST_F(CommitterLanesTest, AFailedBatchRefusesOnlyItsOwnIntakes) {
  start(/*second_lane_fails=*/true);
  auto first = submit("k1");
  ASSERT_TRUE(gate_.wait_inside(1));
  auto second = submit("k2");
  ASSERT_TRUE(gate_.wait_inside(2));
  gate_.let_through();

  const IntakeResult a = await(first), b = await(second);
  // Whichever lane took which: the failed lane's intake is refused, never acknowledged, and the
  // other one is acknowledged with its own lane's id.
  const IntakeResult& refused = a.status == IntakeStatus::kStoreError ? a : b;
  const IntakeResult& created = a.status == IntakeStatus::kStoreError ? b : a;
  EXPECT_EQ(refused.status, IntakeStatus::kStoreError);
  EXPECT_EQ(refused.error, "lane1: commit failed");
  EXPECT_TRUE(refused.id.empty());
  EXPECT_EQ(created.status, IntakeStatus::kCreated);
  EXPECT_TRUE(created.id.starts_with("lane0-")) << created.id;

  // Each lane counts on its own shard; the scrape sums them.
  committer_->stop();
  const std::string text = registry_.render();
  EXPECT_NE(text.find("paygate_notify_intakes_total{result=\"created\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("paygate_notify_intakes_total{result=\"store_error\"} 1\n"),
            std::string::npos)
      << text;
}

TEST_F(CommitterLanesTest, AdminJobsRunOnLaneZero) {
  gate_.let_through();
  start();
  std::promise<std::string> seen;
  committer_->run([&](Store& store) { seen.set_value(dynamic_cast<GatedStore&>(store).name()); });
  auto future = seen.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(future.get(), "lane0");
}

TEST_F(CommitterLanesTest, StopAnswersEverythingQueued) {
  gate_.let_through();
  start();
  std::vector<std::future<IntakeResult>> answers;
  for (int i = 0; i < 200; ++i) {
    std::string key = "k";  // not "k" + std::to_string(i): GCC 12 -O3 warns (-Wrestrict) there
    key += std::to_string(i);
    answers.push_back(submit(key));
  }
  committer_->stop();
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(answer.get().status, IntakeStatus::kCreated);
  }
}

}  // namespace
}  // namespace paygate::notify
