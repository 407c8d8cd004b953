#include "notify/committer.h"

#include <spdlog/spdlog.h>

namespace paygate::notify {
namespace {


std::string_view result_label(IntakeStatus status) {
  switch (status) {
    case IntakeStatus::kCreated: return "created";
    case IntakeStatus::kExisting: return "existing";
    case IntakeStatus::kStoreFull: return "store_full";
    case IntakeStatus::kStoreError: return "store_error";
  }
  return "store_error";
}

constexpr auto kHousekeepingPeriod = std::chrono::seconds(1);
constexpr auto kPrunePeriod = std::chrono::seconds(1);  // each prune deletes a bounded batch

}  // namespace

Committer::Committer(std::unique_ptr<Store> store, const NotifySettings& settings,
                     const NotifyMetrics& names, observe::Shard& shard,
                     std::function<void()> on_commit)
    : store_(std::move(store)),
      settings_(settings),
      on_commit_(std::move(on_commit)),
      commits_(shard.counter(names.commits, {"intake"})),
      due_(shard.gauge(names.due, {})),
      pending_(shard.gauge(names.pending, {})),
      failed_(shard.gauge(names.failed, {})),
      oldest_due_(shard.gauge(names.oldest_due, {})) {
  for (auto status : {IntakeStatus::kCreated, IntakeStatus::kExisting, IntakeStatus::kStoreFull,
                      IntakeStatus::kStoreError}) {
    results_[static_cast<std::size_t>(status)] =
        shard.counter(names.intakes, {result_label(status)});
  }
}

Committer::~Committer() { stop(); }

void Committer::start() { thread_ = std::thread([this] { loop(); }); }

void Committer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Committer::submit(NewEvent event, boost::asio::any_io_executor executor, Done done) {
  {
    std::lock_guard lock(mutex_);
    intakes_.push_back({std::move(event), std::move(executor), std::move(done)});
  }
  wake_.notify_one();
}

void Committer::run(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void Committer::loop() {
  std::vector<Intake> batch;
  std::vector<Job> jobs;
  auto next_housekeeping = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_housekeeping,
                       [&] { return stopping_ || !intakes_.empty() || !jobs_.empty(); });
      if (stopping_ && intakes_.empty() && jobs_.empty()) return;
      batch.swap(intakes_);
      jobs.swap(jobs_);
    }
    if (!batch.empty()) commit(batch);
    for (auto& job : jobs) job(*store_);
    batch.clear();
    jobs.clear();
    if (std::chrono::steady_clock::now() >= next_housekeeping) {
      housekeeping();
      next_housekeeping = std::chrono::steady_clock::now() + kHousekeepingPeriod;
    }
  }
}

// A full outbox refuses every intake until space returns: say so, but not once per event.
void Committer::warn_full() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_full_warning_ < std::chrono::seconds(10)) return;
  last_full_warning_ = now;
  spdlog::warn("notify: the outbox is full (max_store_size or the disk): intakes are answered "
               "503 and not stored until space is freed");
}

void Committer::commit(std::vector<Intake>& batch) {
  std::vector<NewEvent> events;
  events.reserve(batch.size());
  for (auto& intake : batch) events.push_back(std::move(intake.event));
  std::vector<IntakeResult> results(batch.size());
  store_->enqueue(events, now_ms(), results);
  commits_->inc();
  bool created = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    created = created || results[i].status == IntakeStatus::kCreated;
    results_[static_cast<std::size_t>(results[i].status)]->inc();
    if (results[i].status == IntakeStatus::kStoreError) {
      spdlog::error("notify: intake not stored: {}", results[i].error);
    } else if (results[i].status == IntakeStatus::kStoreFull) {
      warn_full();
    }
    boost::asio::post(batch[i].executor, [done = std::move(batch[i].done),
                                          result = std::move(results[i])]() mutable {
      done(std::move(result));
    });
  }
  if (created && on_commit_) on_commit_();
}

void Committer::housekeeping() {
  try {
    const auto now = now_ms();
    if (std::chrono::steady_clock::now() - last_prune_ >= kPrunePeriod) {
      last_prune_ = std::chrono::steady_clock::now();
      const auto pruned = store_->prune(now - settings_.retention, now - settings_.dead_letter_retention);
      if (pruned > 0) spdlog::debug("notify: pruned {} finished events", pruned);
    }
    store_->checkpoint();
    const StoreStats stats = store_->stats(now);
    due_->set(static_cast<double>(stats.due));
    pending_->set(static_cast<double>(stats.pending));
    failed_->set(static_cast<double>(stats.failed));
    oldest_due_->set(stats.oldest_due_seconds);
  } catch (const std::exception& e) {
    spdlog::error("notify: outbox housekeeping failed: {}", e.what());
  }
}

}  // namespace paygate::notify
