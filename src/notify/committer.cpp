#include "notify/committer.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

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

std::vector<CommitterLane> one_lane(std::unique_ptr<Store> store, observe::Shard& shard) {
  std::vector<CommitterLane> lanes;
  lanes.push_back({std::move(store), &shard});
  return lanes;
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Committer::Lane::Lane(CommitterLane lane, const NotifyMetrics& names)
    : store(std::move(lane.store)), commits(lane.shard->counter(names.commits, {"intake"})) {
  for (auto status : {IntakeStatus::kCreated, IntakeStatus::kExisting, IntakeStatus::kStoreFull,
                      IntakeStatus::kStoreError}) {
    results[static_cast<std::size_t>(status)] =
        lane.shard->counter(names.intakes, {result_label(status)});
  }
}

Committer::Committer(std::vector<CommitterLane> lanes, const NotifySettings& settings,
                     const NotifyMetrics& names, std::function<void()> on_commit)
    : settings_(settings), on_commit_(std::move(on_commit)) {
  if (lanes.empty()) throw std::invalid_argument("a committer needs at least one lane");
  observe::Shard& first = *lanes.front().shard;
  due_ = first.gauge(names.due, {});
  pending_ = first.gauge(names.pending, {});
  failed_ = first.gauge(names.failed, {});
  oldest_due_ = first.gauge(names.oldest_due, {});
  for (auto& lane : lanes) lanes_.push_back(std::make_unique<Lane>(std::move(lane), names));
}

Committer::Committer(std::unique_ptr<Store> store, const NotifySettings& settings,
                     const NotifyMetrics& names, observe::Shard& shard,
                     std::function<void()> on_commit)
    : Committer(one_lane(std::move(store), shard), settings, names, std::move(on_commit)) {}

Committer::~Committer() { stop(); }

void Committer::start() {
  lanes_[0]->thread = std::thread([this] { first_lane_loop(); });
  for (std::size_t i = 1; i < lanes_.size(); ++i) {
    lanes_[i]->thread = std::thread([this, lane = lanes_[i].get()] { loop(*lane); });
  }
}

void Committer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

void Committer::submit(NewEvent event, boost::asio::any_io_executor executor, Done done) {
  {
    std::lock_guard lock(mutex_);
    intakes_.push_back({std::move(event), std::move(executor), std::move(done)});
  }
  wake_.notify_one();  // any idle lane may take it
}

void Committer::run(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();  // only lane 0 takes jobs: it must be among those woken
}

bool Committer::take(bool with_jobs, std::vector<Intake>& batch, std::vector<Job>& jobs,
                     std::optional<std::chrono::steady_clock::time_point> until) {
  std::unique_lock lock(mutex_);
  auto work = [&] { return !intakes_.empty() || (with_jobs && !jobs_.empty()); };
  auto woken = [&] { return stopping_ || work(); };
  if (until) {
    wake_.wait_until(lock, *until, woken);
  } else {
    wake_.wait(lock, woken);
  }
  if (stopping_ && !work()) return false;
  batch.swap(intakes_);
  if (with_jobs) jobs.swap(jobs_);
  return true;
}

// Lanes after the first: intakes only.
void Committer::loop(Lane& lane) {
  std::vector<Intake> batch;
  std::vector<Job> no_jobs;
  while (take(false, batch, no_jobs, std::nullopt)) {
    if (!batch.empty()) commit(lane, batch);
    batch.clear();
  }
}

void Committer::first_lane_loop() {
  Lane& lane = *lanes_[0];
  std::vector<Intake> batch;
  std::vector<Job> jobs;
  auto next_housekeeping = std::chrono::steady_clock::now();
  while (take(true, batch, jobs, next_housekeeping)) {
    if (!batch.empty()) commit(lane, batch);
    for (auto& job : jobs) job(*lane.store);
    batch.clear();
    jobs.clear();
    if (std::chrono::steady_clock::now() >= next_housekeeping) {
      housekeeping();
      next_housekeeping = std::chrono::steady_clock::now() + kHousekeepingPeriod;
    }
  }
}

// A full outbox refuses every intake until space returns: say so, but not once per event (nor
// once per lane).
void Committer::warn_full() {
  const auto now = steady_ms();
  auto last = last_full_warning_.load();
  if (now - last < 10'000 || !last_full_warning_.compare_exchange_strong(last, now)) return;
  spdlog::warn("notify: the outbox is full (max_store_size or the disk): intakes are answered "
               "503 and not stored until space is freed");
}

void Committer::commit(Lane& lane, std::vector<Intake>& batch) {
  std::vector<NewEvent> events;
  events.reserve(batch.size());
  for (auto& intake : batch) events.push_back(std::move(intake.event));
  std::vector<IntakeResult> results(batch.size());
  lane.store->enqueue(events, now_ms(), results);
  lane.commits->inc();
  bool created = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    created = created || results[i].status == IntakeStatus::kCreated;
    lane.results[static_cast<std::size_t>(results[i].status)]->inc();
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
      const auto pruned =
          lanes_[0]->store->prune(now - settings_.retention, now - settings_.dead_letter_retention);
      if (pruned > 0) spdlog::debug("notify: pruned {} finished events", pruned);
    }
    Store& store = *lanes_[0]->store;
    store.checkpoint();
    const StoreStats stats = store.stats(now);
    due_->set(static_cast<double>(stats.due));
    pending_->set(static_cast<double>(stats.pending));
    failed_->set(static_cast<double>(stats.failed));
    oldest_due_->set(stats.oldest_due_seconds);
  } catch (const std::exception& e) {
    spdlog::error("notify: outbox housekeeping failed: {}", e.what());
  }
}

}  // namespace paygate::notify
