#pragma once
// Checks across sections of a Document, after every section was read: unique names, routes that
// name a cluster, admin and listener addresses that do not collide, endpoints that resolve.
// Each reports every problem to Diagnostics. Single thread; resolve_endpoints() blocks on DNS.

#include "config/document.h"
#include "config/load_options.h"

namespace paygate::config {

void check_unique_names(const Document& document, Diagnostics& diagnostics);
// Fills document.route_cluster; reports routes naming no known cluster.
void link_routes(Document& document, Diagnostics& diagnostics);
void check_listen_addresses(const Document& document, Diagnostics& diagnostics);
// Fills every EndpointSettings::address.
void resolve_endpoints(Document& document, const LoadOptions& options, Diagnostics& diagnostics);

}  // namespace paygate::config
