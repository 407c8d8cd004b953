#pragma once
// RoutePipelines: one configuration snapshot compiled for one worker: every route's pipeline
// of request and response steps (steps/pipeline.h), plus the gateway's own GET /v3/certificates
// (when merchants are configured) and the pipeline of requests no route matches (404).
//
// Compiling a route, in the order its steps run:
//   early_data        ->  TooEarly (425 for early requests a replay could harm), first, once a
//                         listener has taken TLS early data; `refuse` on every verify: merchant
//                         route
//   verify: merchant  ->  RequireSignedPath, AuthenticateMerchant, then SharedAdmission with
//                         a redis section (nonces and limits of the cluster), else RateLimit
//                         when any merchant has a limit
//   sign: merchant    ->  AuthenticateApp (the calling app and the identity Forward signs each
//                         try as)
//   verify: platform  ->  VerifyReply, a reply check (the platform's signature on the answer)
//   encrypt           ->  EncryptFields (sensitive fields to the platform key), after
//                         AuthenticateApp
//   verify: bill_hash ->  CheckBillHash (the file Forward relays is judged against the
//                         hash_value the app names)
//   idempotent_by     ->  BusinessKey (a body naming out_trade_no may be retried)
//   stress (top level)->  StressRoute: stress traffic goes to routes[].stress_cluster through
//                         the route's Forward (or is refused without one), skipping the rest
//   degradable        ->  Degrade (the fallback or 503 while a core route's SLO pages)
//   fault             ->  InjectFault (delays and aborts for drills)
//   split             ->  Split (chooses the cluster and version), then Forward to it
//   canary            ->  Split between the route's cluster and the canary's, at the share the
//                         canary controller sets (canary/controller.h)
//   cluster           ->  Forward (the action: relay, or fetch whole when there are response steps)
//   respond           ->  Respond (the action instead of Forward: the configured answer)
//   receive: callbacks->  RequireMethod (POST), ReceiveCallback (the action instead of Forward:
//                         verify, decrypt, keep in the callbacks outbox, acknowledge)
//   sign: platform    ->  SignReply, a response step
//   mirror            ->  Mirror just before Forward, and CompareWithShadow, a response step
// A new step is one more line here, its class in steps/ and its key in config/.
//
// Built by the worker when it adopts a snapshot (allocates; worker thread), then immutable and
// shared by the requests that started on it, which keep it alive. WorkerSteps is what the steps
// of every snapshot share on one worker.

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "admission/replay_guard.h"
#include "canary/shares.h"
#include "config/snapshot.h"
#include "http/message_head.h"
#include "observe/degrade.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"
#include "proxy/forwarder.h"
#include "proxy/upstreams.h"
#include "redis/connection.h"
#include "steps/certificates_endpoint.h"
#include "steps/merchant_auth.h"
#include "steps/merchant_metrics.h"
#include "steps/pipeline.h"
#include "steps/platform_trust.h"
#include "steps/receive_callback.h"
#include "steps/request_metrics.h"
#include "steps/shadow_traffic.h"
#include "steps/split.h"
#include "wechatpay/client.h"

namespace paygate::app {

// What every worker shares with the process, handed down as one: the replay store, where the
// canary controller sets each canary's share, the degrade switch, the platform keys the merchant
// role trusts and its callbacks outbox. Each outlives the workers.
struct ProcessShared {
  admission::ReplayGuard& replay_guard;
  canary::Shares& canary_shares;
  const observe::DegradeSwitch& degrade;
  steps::PlatformTrust& platform_trust;  // the merchant role's: what replies are verified against
  steps::CallbackOutbox* callbacks = nullptr;  // merchant.callbacks' outbox; null: not running
};

// One per worker, for the worker's life: connection pools, the forwarder, the signature
// verifier and the certificates' AEAD context (OpenSSL contexts reused, not rebuilt per
// snapshot), and the metric handles.
struct WorkerSteps {
  WorkerSteps(observe::Shard& shard, const observe::EngineMetrics& names,
              const ProcessShared& shared, http::Watchdog& watchdog)
      : metrics(shard, names),
        forwarder(metrics),
        auth(shared.replay_guard),
        canary_shares(shared.canary_shares),
        degrade(shared.degrade),
        platform_trust(shared.platform_trust),
        callbacks(shared.callbacks),
        shadow(forwarder, watchdog, shard, names.shadow_requests),
        executor(watchdog.executor()) {}

  proxy::WorkerUpstreams upstreams;
  steps::RequestMetrics metrics;
  proxy::Forwarder forwarder;
  steps::MerchantAuth auth;
  steps::CertificatesEndpoint certificates;
  canary::Shares& canary_shares;  // the process's: where the canary controller sets each share
  const observe::DegradeSwitch& degrade;  // the process's
  steps::PlatformTrust& platform_trust;   // the process's
  steps::CallbackOutbox* callbacks;       // the process's, or null
  steps::ShadowTraffic shadow;  // copies of mirrored requests (routes[].mirror)
  wechatpay::RequestSigner request_signer;     // sign: merchant
  wechatpay::ResponseVerifier reply_verifier;  // verify: platform
  boost::asio::any_io_executor executor;       // the worker's
  std::unique_ptr<redis::Connection> redis;    // the redis section's; opened on first use
  // A snapshot of this process let a listener take TLS early data: every later one keeps the
  // TooEarly step, because a request read as early data under a listener that took it may be
  // routed after a reload that turned it off.
  bool early_data_seen = false;
};

class RoutePipelines {
 public:
  RoutePipelines(std::shared_ptr<const config::Snapshot> snapshot, WorkerSteps& worker);
  RoutePipelines(const RoutePipelines&) = delete;
  RoutePipelines& operator=(const RoutePipelines&) = delete;

  // The pipeline for a request: GET /v3/certificates when merchants are configured, else the
  // route the table matches, else the 404 of unmatched requests. Allocates nothing.
  const steps::RoutePipeline& select(const http::RequestHead& request) const;

 private:
  // `clusters`: this worker's state of every cluster of the snapshot, in its order.
  steps::RoutePipeline compile(const config::Route& route,
                               const std::vector<proxy::ClusterState*>& clusters,
                               WorkerSteps& worker);
  std::vector<steps::VersionChoice> version_choices(
      const config::Route& route, const std::vector<proxy::ClusterState*>& clusters,
      WorkerSteps& worker) const;
  steps::RoutePipeline compile_certificates(WorkerSteps& worker);
  void adopt_merchant_role(const credentials::MerchantRole& role, WorkerSteps& worker);
  steps::RequestStep* degrade(const config::Route& route, WorkerSteps& worker);
  steps::RequestStep* shared_admission(const config::Snapshot& s, WorkerSteps& worker);
  steps::RequestStep* inject_fault(const config::Route& route, WorkerSteps& worker);
  void add_too_early(steps::RoutePipeline& pipeline, steps::EarlyData policy) const;
  void add_mirror(steps::RoutePipeline& pipeline, const config::Route& route,
                  const std::vector<proxy::ClusterState*>& clusters, WorkerSteps& worker);
  void add_stress(steps::RoutePipeline& pipeline, std::size_t at, const config::Route& route,
                  steps::RequestStep* forward, const std::vector<proxy::ClusterState*>& clusters,
                  WorkerSteps& worker);
  // Takes ownership of a step; returns it for a pipeline to point at.
  template <typename Step>
  Step* own(std::unique_ptr<Step> step);

  std::shared_ptr<const config::Snapshot> snapshot_;
  std::vector<std::shared_ptr<canary::Share>> canary_shares_;  // kept for the Split steps
  // The snapshot held once more, for this worker's shadow copies (steps::ShadowTarget) to keep
  // alive: their count moves this worker's reference, never the one every worker shares.
  std::shared_ptr<const std::shared_ptr<const config::Snapshot>> snapshot_hold_;
  std::vector<std::unique_ptr<steps::RequestStep>> request_steps_;
  std::vector<std::unique_ptr<steps::ResponseStep>> response_steps_;
  std::vector<std::unique_ptr<steps::ReplyCheck>> reply_checks_;
  std::vector<std::unique_ptr<steps::VersionChoice>> stress_choices_;  // where StressRoutes send
  steps::RequestStep* require_signed_path_ = nullptr;
  // After AuthenticateMerchant: SharedAdmission with a redis section (the cluster's nonces and
  // limits), else RateLimit when any merchant has a limit, else null.
  steps::RequestStep* admit_merchant_ = nullptr;
  // TooEarly per routes[].early_data policy (steps::EarlyData); null until a listener takes
  // early data (WorkerSteps::early_data_seen).
  std::array<steps::RequestStep*, 2> too_early_{};
  steps::ResponseStep* sign_reply_ = nullptr;         // null without a platform key
  // The merchant role's steps, null without a merchant section.
  steps::RequestStep* authenticate_app_ = nullptr;
  steps::ReplyCheck* verify_reply_ = nullptr;
  std::vector<steps::RoutePipeline> routes_;          // parallel to snapshot_->routes
  std::optional<steps::RoutePipeline> certificates_;  // when merchants are configured
  steps::RoutePipeline unmatched_;
  std::vector<steps::MerchantSeries*> merchant_series_;  // parallel to credentials' merchants
};

}  // namespace paygate::app
