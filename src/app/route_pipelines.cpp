#include "app/route_pipelines.h"

#include <type_traits>
#include <utility>

#include "steps/answer_with.h"
#include "steps/authenticate_merchant.h"
#include "steps/forward.h"
#include "steps/rate_limit.h"
#include "steps/respond.h"
#include "steps/serve_certificates.h"
#include "steps/sign_reply.h"
#include "steps/split.h"
#include "steps/too_early.h"
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
  // The reply's one set of Wechatpay-* fields is the gateway's signature, never the upstream's.
  if (route.steps.sign_platform) target.replaced_reply_prefix = wechatpay::kSignatureFieldPrefix;
  return target;
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
  if (s.rate_limiter) {
    rate_limit_ = own(std::make_unique<steps::RateLimit>(*s.rate_limiter, worker.metrics));
  }
  if (credentials && credentials->signing_identity()) {
    sign_reply_ = own(std::make_unique<steps::SignReply>(*credentials));
  }
  for (const config::Route& route : s.routes) routes_.push_back(compile(route, clusters, worker));
  if (credentials) certificates_ = compile_certificates(worker);
  unmatched_.request_steps.push_back(own(std::make_unique<steps::AnswerError>(
      core::ErrorKind::kNotFound, "no route matches this request")));
  unmatched_.metrics = &worker.metrics.unmatched();
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
    if (rate_limit_) pipeline.request_steps.push_back(rate_limit_);
  }
  if (route.steps.sign_platform && sign_reply_) pipeline.response_steps.push_back(sign_reply_);
  if (route.respond) {
    pipeline.request_steps.push_back(own(std::make_unique<steps::Respond>(*route.respond)));
    return pipeline;
  }
  std::vector<steps::VersionChoice> choices = version_choices(route, clusters, worker);
  if (!choices.empty()) {
    pipeline.request_steps.push_back(
        own(std::make_unique<steps::Split>(*route.action.split, choices)));
  } else {
    pipeline.upstream = &worker.metrics.upstream(s.clusters[route.cluster].name);
  }
  // Response steps need the whole answer before its head goes out.
  const auto mode =
      pipeline.response_steps.empty() ? steps::Forward::Mode::kRelay : steps::Forward::Mode::kFetch;
  // After a Split, Forward goes where it chose; the target here is for routes without one.
  const proxy::ForwardTarget target =
      choices.empty() ? target_of(route, s, route.cluster, *clusters[route.cluster])
                      : choices.front().target;
  pipeline.request_steps.push_back(
      own(std::make_unique<steps::Forward>(worker.forwarder, target, mode, worker.metrics)));
  return pipeline;
}

// The versions a split route chooses from, in configured order; none without a split.
std::vector<steps::VersionChoice> RoutePipelines::version_choices(
    const config::Route& route, const std::vector<proxy::ClusterState*>& clusters,
    WorkerSteps& worker) const {
  std::vector<steps::VersionChoice> choices;
  if (!route.action.split) return choices;
  for (const proxy::WeightedCluster& entry : route.action.split->clusters) {
    steps::VersionChoice choice;
    choice.target = target_of(route, *snapshot_, entry.index, *clusters[entry.index]);
    choice.target.version = entry.version;
    choice.version = entry.version;
    choice.metrics = &worker.metrics.version(route.name(), entry.version);
    choice.upstream = &worker.metrics.upstream(snapshot_->clusters[entry.index].name);
    choices.push_back(choice);
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
  if (rate_limit_) pipeline.request_steps.push_back(rate_limit_);
  pipeline.request_steps.push_back(
      own(std::make_unique<steps::ServeCertificates>(worker.certificates, credentials)));
  if (sign_reply_) pipeline.response_steps.push_back(sign_reply_);
  return pipeline;
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
