#include "app/route_pipelines.h"

#include <type_traits>
#include <utility>

#include "observe/metric_names.h"
#include "steps/answer_with.h"
#include "steps/authenticate_app.h"
#include "steps/authenticate_merchant.h"
#include "steps/business_key.h"
#include "steps/check_bill_hash.h"
#include "steps/degrade.h"
#include "steps/encrypt_fields.h"
#include "steps/forward.h"
#include "steps/inject_fault.h"
#include "steps/mirror.h"
#include "steps/rate_limit.h"
#include "steps/receive_callback.h"
#include "steps/respond.h"
#include "steps/serve_certificates.h"
#include "steps/shared_admission.h"
#include "steps/sign_reply.h"
#include "steps/split.h"
#include "steps/stress_route.h"
#include "steps/too_early.h"
#include "steps/verify_reply.h"
#include "wechatpay/headers.h"

namespace paygate::app {

namespace {

proxy::ForwardTarget target_of(const config::Route& route, const config::Snapshot& snapshot,
                               std::size_t cluster_index, proxy::ClusterState& state) {
  const proxy::ClusterSettings& cluster = snapshot.clusters[cluster_index];
  proxy::ForwardTarget target;
  target.cluster = &cluster;
  target.state = &state;
  target.total_timeout = route.action.timeout.value_or(cluster.total_timeout);
  target.priority = route.steps.priority;
  if (route.match.kind == router::PathKind::kPrefix) target.matched_prefix = route.match.pattern;
  target.rewrite_prefix = route.action.rewrite_prefix;
  target.idempotent = route.action.idempotent;
  // The reply's one set of Wechatpay-* fields is the gateway's signature, never the upstream's.
  if (route.steps.sign_platform) target.replaced_reply_prefix = wechatpay::kSignatureFieldPrefix;
  // A fault trigger is the gateway's business, never the backend's.
  if (route.fault) target.dropped_request_field = route.fault->header;
  return target;
}

// What an injected delay is cut to: the route's timeout (none on a route that answers itself;
// on a split, the shortest of its clusters').
http::Clock::duration timeout_of(const config::Route& route, const config::Snapshot& snapshot) {
  if (route.answers_itself()) return http::Clock::duration::max();
  if (route.action.timeout) return *route.action.timeout;
  if (!route.action.split) return snapshot.clusters[route.cluster].total_timeout;
  http::Clock::duration shortest = http::Clock::duration::max();
  for (const proxy::WeightedCluster& entry : route.action.split->clusters) {
    shortest =
        std::min<http::Clock::duration>(shortest, snapshot.clusters[entry.index].total_timeout);
  }
  return shortest;
}

bool takes_early_data(const config::Snapshot& snapshot) {
  for (const auto& listener : snapshot.listeners) {
    if (listener.tls && listener.tls->early_data.enabled) return true;
  }
  return false;
}

}  // namespace

template <typename Step>
Step* RoutePipelines::own(std::unique_ptr<Step> step) {
  Step* raw = step.get();
  if constexpr (std::is_base_of_v<steps::RequestStep, Step>) {
    request_steps_.push_back(std::move(step));
  } else if constexpr (std::is_base_of_v<steps::ReplyCheck, Step>) {
    reply_checks_.push_back(std::move(step));
  } else {
    response_steps_.push_back(std::move(step));
  }
  return raw;
}

RoutePipelines::RoutePipelines(std::shared_ptr<const config::Snapshot> snapshot,
                               WorkerSteps& worker)
    : snapshot_(std::move(snapshot)) {
  const config::Snapshot& s = *snapshot_;
  const credentials::Credentials* credentials = s.credentials.get();
  worker.metrics.set_telemetry(s.listeners.front().telemetry);
  merchant_series_ = worker.metrics.merchants().series_by_merchant(
      s.merchants, credentials, s.listeners.front().merchant_label_limit);
  // Every cluster gets its pools now, also one no route names yet.
  std::vector<proxy::ClusterState*> clusters;
  for (const proxy::ClusterSettings& c : s.clusters) clusters.push_back(&worker.upstreams.adopt(c));
  require_signed_path_ = own(std::make_unique<steps::RequireSignedPath>());
  worker.early_data_seen = worker.early_data_seen || takes_early_data(s);
  if (worker.early_data_seen) {
    for (const steps::EarlyData policy : {steps::EarlyData::kSafe, steps::EarlyData::kRefuse}) {
      too_early_[static_cast<std::size_t>(policy)] =
          own(std::make_unique<steps::TooEarly>(policy, worker.metrics));
    }
  }
  if (s.redis) {
    admit_merchant_ = shared_admission(s, worker);
  } else if (s.rate_limiter) {
    admit_merchant_ = own(std::make_unique<steps::RateLimit>(*s.rate_limiter, worker.metrics));
  }
  if (credentials && credentials->signing_identity()) {
    sign_reply_ = own(std::make_unique<steps::SignReply>(*credentials, worker.executor));
  }
  if (s.merchant_keys) adopt_merchant_role(*s.merchant_keys, worker);
  for (const config::Route& route : s.routes) routes_.push_back(compile(route, clusters, worker));
  if (credentials) certificates_ = compile_certificates(worker);
  unmatched_.request_steps.push_back(own(std::make_unique<steps::AnswerError>(
      core::ErrorKind::kNotFound, "no route matches this request")));
  unmatched_.metrics = &worker.metrics.unmatched();
}

// The worker's Redis connection is opened for the first snapshot with a redis section and kept:
// its server is fixed at start-up, like the listeners (app/process.cpp warns on a change).
steps::RequestStep* RoutePipelines::shared_admission(const config::Snapshot& s,
                                                     WorkerSteps& worker) {
  if (!worker.redis) {
    worker.redis = std::make_unique<redis::Connection>(worker.executor, s.redis->server);
  }
  const std::size_t merchants = s.credentials ? s.credentials->merchants().size() : 0;
  return own(std::make_unique<steps::SharedAdmission>(*worker.redis, *s.redis, s.rate_limiter.get(),
                                                      merchants, s.platform.clock_skew,
                                                      worker.metrics));
}

void RoutePipelines::adopt_merchant_role(const credentials::MerchantRole& role,
                                         WorkerSteps& worker) {
  authenticate_app_ =
      own(std::make_unique<steps::AuthenticateApp>(role, worker.request_signer, worker.metrics));
  verify_reply_ = own(std::make_unique<steps::VerifyReply>(worker.platform_trust, role.clock_skew(),
                                                           worker.reply_verifier, worker.metrics));
}

steps::RoutePipeline RoutePipelines::compile(const config::Route& route,
                                             const std::vector<proxy::ClusterState*>& clusters,
                                             WorkerSteps& worker) {
  const config::Snapshot& s = *snapshot_;
  steps::RoutePipeline pipeline;
  pipeline.name = route.name();
  pipeline.metrics = &worker.metrics.route(route.name(), route.slo);
  add_too_early(pipeline, route.steps.early_data);
  if (route.steps.verify_merchant) {
    pipeline.request_steps.push_back(require_signed_path_);
    pipeline.request_steps.push_back(own(std::make_unique<steps::AuthenticateMerchant>(
        worker.auth, s.credentials.get(), route.name(), worker.metrics, merchant_series_)));
    if (admit_merchant_) pipeline.request_steps.push_back(admit_merchant_);
  }
  if (route.steps.sign_merchant) pipeline.request_steps.push_back(authenticate_app_);
  if (!route.steps.encrypt.empty()) {
    pipeline.request_steps.push_back(
        own(std::make_unique<steps::EncryptFields>(route.steps.encrypt, worker.platform_trust,
                                                   worker.metrics.fields_encrypted(route.name()))));
  }
  if (route.steps.verify_bill_hash) {
    pipeline.request_steps.push_back(own(std::make_unique<steps::CheckBillHash>(worker.metrics)));
  }
  if (!route.action.idempotent_by.empty()) {
    pipeline.request_steps.push_back(
        own(std::make_unique<steps::BusinessKey>(route.action.idempotent_by)));
  }
  if (route.steps.verify_platform) pipeline.reply_checks.push_back(verify_reply_);
  if (route.steps.sign_platform && sign_reply_) pipeline.response_steps.push_back(sign_reply_);
  // Stress traffic leaves the production pipeline here, once its merchant is known; its step
  // needs the route's Forward, made last, so it is put in its place then.
  const std::size_t stress_at = pipeline.request_steps.size();
  if (route.degradable) pipeline.request_steps.push_back(degrade(route, worker));
  if (route.fault) pipeline.request_steps.push_back(inject_fault(route, worker));
  if (route.respond) {
    add_stress(pipeline, stress_at, route, nullptr, clusters, worker);
    pipeline.request_steps.push_back(own(std::make_unique<steps::Respond>(*route.respond)));
    return pipeline;
  }
  if (route.receives_callbacks) {
    // No StressRoute: a callback is the platform's, verified as such, never stress traffic.
    pipeline.request_steps.push_back(own(std::make_unique<steps::RequireMethod>(
        http::Verb::post, "callbacks are POSTed to this route")));
    pipeline.request_steps.push_back(own(std::make_unique<steps::ReceiveCallback>(
        *s.merchant_keys, worker.platform_trust, worker.reply_verifier, worker.callbacks,
        worker.metrics)));
    return pipeline;
  }
  add_mirror(pipeline, route, clusters, worker);
  std::vector<steps::VersionChoice> choices = version_choices(route, clusters, worker);
  if (route.canary) {
    // The baseline and the canary, the canary's share set by the controller at run time.
    canary_shares_.push_back(worker.canary_shares.of(route.name()));
    pipeline.request_steps.push_back(
        own(std::make_unique<steps::Split>(route.action.sticky, choices, *canary_shares_.back())));
  } else if (!choices.empty()) {
    pipeline.request_steps.push_back(
        own(std::make_unique<steps::Split>(*route.action.split, route.action.sticky, choices)));
  } else {
    pipeline.upstream = &worker.metrics.upstream(s.clusters[route.cluster].name);
  }
  // Reply checks and response steps need the whole answer before its head goes out.
  const auto mode = pipeline.response_steps.empty() && pipeline.reply_checks.empty()
                        ? steps::Forward::Mode::kRelay
                        : steps::Forward::Mode::kFetch;
  // After a Split, Forward goes where it chose; the target here is for routes without one.
  const proxy::ForwardTarget target =
      choices.empty() ? target_of(route, s, route.cluster, *clusters[route.cluster])
                      : choices.front().target;
  steps::RequestStep* forward =
      own(std::make_unique<steps::Forward>(worker.forwarder, target, mode, worker.metrics));
  pipeline.request_steps.push_back(forward);
  add_stress(pipeline, stress_at, route, forward, clusters, worker);
  return pipeline;
}

// With a stress section, every route has a StressRoute step at `at`: a route that forwards
// sends stress traffic to its stress cluster through its `forward` (or refuses it without one);
// one that answers by itself (forward null) answers it, counted as stress.
void RoutePipelines::add_stress(steps::RoutePipeline& pipeline, std::size_t at,
                                const config::Route& route, steps::RequestStep* forward,
                                const std::vector<proxy::ClusterState*>& clusters,
                                WorkerSteps& worker) {
  if (!snapshot_->stress) return;
  using Action = steps::StressRoute::Action;
  std::unique_ptr<steps::StressRoute> step;
  if (!forward) {
    step = std::make_unique<steps::StressRoute>(*snapshot_->stress, Action::kAnswerHere);
  } else if (route.stress_cluster.empty()) {
    step = std::make_unique<steps::StressRoute>(*snapshot_->stress, Action::kRefuse);
  } else {
    const std::size_t cluster = route.stress_cluster_index;
    auto& choice = *stress_choices_.emplace_back(std::make_unique<steps::VersionChoice>());
    choice.target = target_of(route, *snapshot_, cluster, *clusters[cluster]);
    choice.upstream = &worker.metrics.upstream(snapshot_->clusters[cluster].name);
    step = std::make_unique<steps::StressRoute>(*snapshot_->stress, Action::kForward, &choice,
                                                forward);
  }
  pipeline.request_steps.insert(pipeline.request_steps.begin() + static_cast<std::ptrdiff_t>(at),
                                own(std::move(step)));
}

steps::RequestStep* RoutePipelines::degrade(const config::Route& route, WorkerSteps& worker) {
  const auto retry_after =
      std::chrono::ceil<std::chrono::seconds>(snapshot_->process.degrade_recover_after);
  return own(std::make_unique<steps::Degrade>(worker.degrade, *route.degradable,
                                              worker.metrics.degraded(route.name()), retry_after));
}

steps::RequestStep* RoutePipelines::inject_fault(const config::Route& route, WorkerSteps& worker) {
  const steps::InjectFault::Counters counters{
      worker.metrics.faults_injected(route.name(), observe::names::kFaultDelay),
      worker.metrics.faults_injected(route.name(), observe::names::kFaultAbort)};
  return own(
      std::make_unique<steps::InjectFault>(*route.fault, timeout_of(route, *snapshot_), counters));
}

// The versions a split route chooses from, in configured order; a canary route's baseline and
// canary; none for other routes.
std::vector<steps::VersionChoice> RoutePipelines::version_choices(
    const config::Route& route, const std::vector<proxy::ClusterState*>& clusters,
    WorkerSteps& worker) const {
  std::vector<steps::VersionChoice> choices;
  auto add = [&](std::size_t cluster, const std::string& version) {
    steps::VersionChoice choice;
    choice.target = target_of(route, *snapshot_, cluster, *clusters[cluster]);
    choice.target.version = version;
    choice.version = version;
    choice.metrics = &worker.metrics.version(route.name(), version);
    choice.upstream = &worker.metrics.upstream(snapshot_->clusters[cluster].name);
    choices.push_back(choice);
  };
  if (route.canary) {
    add(route.cluster, route.canary->baseline_version);
    add(route.canary->cluster_index, route.canary->version);
  } else if (route.action.split) {
    for (const proxy::WeightedCluster& entry : route.action.split->clusters) {
      add(entry.index, entry.version);
    }
  }
  return choices;
}

// GET /v3/certificates: any merchant may call it (no allow-list), within its rate limit.
steps::RoutePipeline RoutePipelines::compile_certificates(WorkerSteps& worker) {
  const credentials::Credentials& credentials = *snapshot_->credentials;
  steps::RoutePipeline pipeline;
  pipeline.name = steps::kCertificatesPath;
  pipeline.metrics = &worker.metrics.route(std::string(steps::kCertificatesPath), std::nullopt);
  add_too_early(pipeline, steps::EarlyData::kRefuse);  // a signed request
  pipeline.request_steps.push_back(
      own(std::make_unique<steps::RequireMethod>(http::Verb::get, "use GET")));
  pipeline.request_steps.push_back(require_signed_path_);
  pipeline.request_steps.push_back(own(std::make_unique<steps::AuthenticateMerchant>(
      worker.auth, &credentials, "", worker.metrics, merchant_series_)));
  if (admit_merchant_) pipeline.request_steps.push_back(admit_merchant_);
  if (snapshot_->stress) {
    pipeline.request_steps.push_back(own(std::make_unique<steps::StressRoute>(
        *snapshot_->stress, steps::StressRoute::Action::kAnswerHere)));
  }
  pipeline.request_steps.push_back(
      own(std::make_unique<steps::ServeCertificates>(worker.certificates, credentials)));
  if (sign_reply_) pipeline.response_steps.push_back(sign_reply_);
  return pipeline;
}

// The copy goes after every check of the route, so only requests the primary serves are copied,
// with the merchant they verified as. Its shadow gets the cluster's try_timeout in all.
void RoutePipelines::add_mirror(steps::RoutePipeline& pipeline, const config::Route& route,
                                const std::vector<proxy::ClusterState*>& clusters,
                                WorkerSteps& worker) {
  if (!route.mirror) return;
  const proxy::ClusterSettings& shadow = snapshot_->clusters[route.mirror_cluster];
  steps::ShadowTarget target;
  if (!snapshot_hold_) snapshot_hold_ = std::make_shared<const decltype(snapshot_)>(snapshot_);
  target.settings = std::shared_ptr<const steps::MirrorSettings>(snapshot_hold_, &*route.mirror);
  target.forward =
      target_of(route, *snapshot_, route.mirror_cluster, *clusters[route.mirror_cluster]);
  target.forward.total_timeout = shadow.try_timeout;
  target.route = &worker.shadow.route(route.name());
  pipeline.request_steps.push_back(
      own(std::make_unique<steps::Mirror>(worker.shadow, std::move(target))));
  pipeline.response_steps.push_back(own(std::make_unique<steps::CompareWithShadow>(worker.shadow)));
}

void RoutePipelines::add_too_early(steps::RoutePipeline& pipeline, steps::EarlyData policy) const {
  steps::RequestStep* step = too_early_[static_cast<std::size_t>(policy)];
  if (step) pipeline.request_steps.push_back(step);
}

const steps::RoutePipeline& RoutePipelines::select(const http::RequestHead& request) const {
  if (certificates_ && request.path == steps::kCertificatesPath) return *certificates_;
  const router::Request input{request.method_text, request.host, request.path,
                              request.fields.all()};
  router::Match match;
  if (snapshot_->table->match(input, match)) return routes_[match.route];
  return unmatched_;
}

}  // namespace paygate::app
