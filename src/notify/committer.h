#pragma once
// Committer: the outbox's writer. Intake calls from any thread queue their event; a writer lane
// takes everything queued at once, commits it in one transaction (one fsync for the whole group,
// so throughput does not collapse to the disk's fsync rate) and hands each result back on the
// submitter's executor.
//
// Each lane is a thread with its own outbox connection. With one lane, the next group waits
// while the current one commits; a server that runs each connection's commits in a process of
// its own (PostgreSQL) takes a second lane's group while the first one's WAL flush is under way,
// so the round trip and the flush no longer hold up the groups queued behind them. SQLite has a
// single writer: it gets one lane.
//
// Lane 0 also runs the admin queries, and once a second prunes finished events and refreshes
// the backlog gauges. A query sees every intake acknowledged before it was submitted.

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "notify/metrics.h"
#include "notify/settings.h"
#include "notify/store.h"

namespace paygate::notify {

// One writer thread's connection and the metric shard it writes (a shard has one writer).
struct CommitterLane {
  std::unique_ptr<Store> store;
  observe::Shard* shard;
};

class Committer {
 public:
  using Done = std::function<void(IntakeResult)>;
  using Job = std::function<void(Store&)>;

  // on_commit: called on a lane's thread after each batch that created events (from several
  // threads at once when there are several lanes).
  Committer(std::vector<CommitterLane> lanes, const NotifySettings& settings,
            const NotifyMetrics& names, std::function<void()> on_commit);
  // One lane.
  Committer(std::unique_ptr<Store> store, const NotifySettings& settings,
            const NotifyMetrics& names, observe::Shard& shard, std::function<void()> on_commit);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void start();
  void stop();  // finishes what is queued, then joins

  // `done` runs on `executor` after the event is committed (or refused).
  void submit(NewEvent event, boost::asio::any_io_executor executor, Done done);
  void run(Job job);

 private:
  struct Intake {
    NewEvent event;
    boost::asio::any_io_executor executor;
    Done done;
  };

  // A writer thread, its connection, and handles on its shard, resolved once.
  struct Lane {
    Lane(CommitterLane lane, const NotifyMetrics& names);
    std::unique_ptr<Store> store;
    std::array<observe::Counter*, 4> results{};  // by IntakeStatus
    observe::Counter* commits;
    std::thread thread;
  };

  void loop(Lane& lane);
  void first_lane_loop();
  // Takes what is queued (intakes; jobs too for lane 0) once there is something, `until` has
  // passed or the committer stops; false when stopping with nothing left.
  bool take(bool with_jobs, std::vector<Intake>& batch, std::vector<Job>& jobs,
            std::optional<std::chrono::steady_clock::time_point> until);
  void commit(Lane& lane, std::vector<Intake>& batch);
  void housekeeping();
  void warn_full();

  NotifySettings settings_;
  std::function<void()> on_commit_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  // Lane 0's gauges (its shard).
  observe::Gauge* due_;
  observe::Gauge* pending_;
  observe::Gauge* failed_;
  observe::Gauge* oldest_due_;
  std::chrono::steady_clock::time_point last_prune_{};
  // Steady-clock ms of the last warning (at most one per 10 s), "long ago" at first.
  std::atomic<std::int64_t> last_full_warning_{std::numeric_limits<std::int64_t>::min() / 2};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Intake> intakes_;
  std::vector<Job> jobs_;
  bool stopping_ = false;
};

// Awaitable operations for coroutines (co_await commit_event(...)). They are plain functions
// returning Asio's lazy awaitable, not coroutines: their arguments are moved into the
// initiation, never kept in a coroutine frame.

// The commit of one event, resumed on the awaiting coroutine's executor.
inline auto commit_event(Committer& committer, NewEvent event) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(IntakeResult)>(
      [&committer, event = std::move(event)](auto handler) mutable {
        auto executor = boost::asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        committer.submit(std::move(event), executor,
                         [shared](IntakeResult result) { (*shared)(std::move(result)); });
      },
      boost::asio::use_awaitable);
}

// query(store) run on the committer's lane 0; an exception yields Result{} (and is logged there).
template <typename Result>
auto query_store(Committer& committer, std::function<Result(Store&)> query) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Result)>(
      [&committer, query = std::move(query)](auto handler) mutable {
        auto executor = boost::asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        committer.run([shared, executor, query = std::move(query)](Store& store) mutable {
          Result result{};
          try {
            result = query(store);
          } catch (const std::exception&) {
            // The caller answers with what it has; the store's own log line says why.
          }
          // The handler must be released on its own thread (Asio's frame allocator is
          // per-thread), so this job gives up its reference.
          boost::asio::post(executor, [shared = std::move(shared),
                                       result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      boost::asio::use_awaitable);
}

}  // namespace paygate::notify
