#pragma once
// Checks across sections of a Document, after every section was read: unique names, routes that
// name a cluster, route steps that have the keys they need, admin and listener addresses that do
// not collide, endpoints that resolve, key files that load. Each reports every problem to
// Diagnostics. Single thread; resolve_endpoints() blocks on DNS, load_key_material() on files.

#include <chrono>

#include "config/document.h"
#include "config/load_options.h"

namespace paygate::config {

void check_unique_names(const Document& document, Diagnostics& diagnostics);
// Fills each Route::cluster; reports routes naming no known cluster.
void link_routes(Document& document, Diagnostics& diagnostics);
void check_listen_addresses(const Document& document, Diagnostics& diagnostics);
// A method a route names must be let in by some listener's `methods`, or the route is dead.
void check_route_methods(const Document& document, Diagnostics& diagnostics);
// verify: merchant needs merchants, sign: platform needs platform keys, allowed_routes name
// existing routes.
void check_route_steps(const Document& document, Diagnostics& diagnostics);
// An app known by its client certificate needs a listener that verifies client certificates
// (tls.client_ca_file): otherwise no request could ever be that app.
void check_app_certificates(const Document& document, Diagnostics& diagnostics);
// Fills document.credentials when merchants or platform keys are configured
// (credentials/credentials.h); problems and warnings point at the setting they concern. Called
// only on an otherwise valid Document.
void load_key_material(Document& document, const LoadOptions& options, Diagnostics& diagnostics);
// Fills document.listener_tls: a TLS context for each listener with a tls section, built from
// its files as of `now` (an expired certificate is an error at its key); and the notifications'
// TLS client context (notifications.ca_file, or the system's bundle).
void load_tls_contexts(Document& document, std::chrono::sys_seconds now, Diagnostics& diagnostics);
// Fills every EndpointSettings::address.
void resolve_endpoints(Document& document, const LoadOptions& options, Diagnostics& diagnostics);

}  // namespace paygate::config
