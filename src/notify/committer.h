#pragma once
// Committer: the outbox's writer thread. Intake calls from any thread queue their event; the
// thread takes everything queued at once, commits it in one transaction (one fsync for the whole
// group, so throughput does not collapse to the disk's fsync rate) and hands each result back on
// the submitter's executor. Admin queries run on the same thread, in order with the intakes.
// Once a second it also prunes finished events and refreshes the backlog gauges.

#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "notify/metrics.h"
#include "notify/settings.h"
#include "notify/store.h"

namespace paygate::notify {

class Committer {
 public:
  using Done = std::function<void(IntakeResult)>;
  using Job = std::function<void(Store&)>;

  // on_commit: called on the committer thread after each batch that created events.
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

  void loop();
  void commit(std::vector<Intake>& batch);
  void housekeeping();
  void warn_full();

  std::unique_ptr<Store> store_;
  NotifySettings settings_;
  std::function<void()> on_commit_;
  // Handles on this thread's shard, resolved once.
  std::array<observe::Counter*, 4> results_{};  // by IntakeStatus
  observe::Counter* commits_;
  observe::Gauge* due_;
  observe::Gauge* pending_;
  observe::Gauge* failed_;
  observe::Gauge* oldest_due_;
  std::chrono::steady_clock::time_point last_prune_{};
  std::chrono::steady_clock::time_point last_full_warning_{};  // at most one per 10 s

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Intake> intakes_;
  std::vector<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
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

// query(store) run on the committer thread; an exception yields Result{} (and is logged there).
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
