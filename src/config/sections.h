#pragma once
// The section readers: one function per part of the schema (docs/config.md), each reading its
// fields through a MapReader into a Document. Internal to config/; single thread.

#include <yaml-cpp/node/node.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/document.h"
#include "config/node_reader.h"
#include "crypto/secret_buffer.h"

namespace paygate::config {

// Top level: workers, drain_timeout, io_backend, listener or listeners, admin, log, reload,
// platform, merchants, clusters, routes.
void read_document(const YAML::Node& root, Document& document, Diagnostics& diagnostics);

// `first`: the process-wide keys (telemetry, merchant_label_limit) are read from the first
// listener and refused on the others.
void read_listener(MapReader& map, const std::string& directory, bool first,
                   http::ListenerSettings& listener, Where& port_place, Where& tls_place);
// listeners[].tls; file paths resolved against `directory`.
void read_server_tls(MapReader& map, const std::string& directory, tls::ServerSettings& tls);
// clusters[].tls; file paths resolved against `directory`.
void read_client_tls(MapReader& map, const std::string& directory, tls::ClientSettings& tls);
void read_admin(MapReader& map, const std::string& directory, admin::AdminSettings& admin,
                Where& port_place);
void read_log(MapReader& map, observe::LogSettings& log);
void read_cluster(const YAML::Node& node, const Where& where, Document& document,
                  Diagnostics& diagnostics);
void read_route(const YAML::Node& node, const Where& where, Document& document,
                Diagnostics& diagnostics);
// File paths are resolved against document.directory.
void read_platform(MapReader& map, Document& document);
// The merchant section: the merchant role's identities, platform keys and apps.
void read_merchant_role(MapReader& map, Document& document);
void read_notifications(MapReader& map, Document& document);
// merchant.callbacks: the callbacks outbox (read by read_merchant_role()).
void read_callbacks(MapReader& map, Document& document);
// After notifications and merchants: stress.notifications starts from the notification settings.
void read_stress(MapReader& map, Document& document);
void read_redis(MapReader& map, Document& document);
void read_merchant(const YAML::Node& node, const Where& where, Document& document,
                   Diagnostics& diagnostics);

// A file path as written in the config, made relative to the config file's directory (absolute
// paths and an empty directory leave it as it is).
std::string resolve_path(const std::string& directory, const std::string& path);

// An outbox's `store` (a file path, resolved as above, or a postgresql:// URI kept as it is and
// checked by libpq's parser) and `store_schema` (PostgreSQL only; `default_schema` when absent).
void read_store(MapReader& map, const std::string& directory, notify::NotifySettings& n,
                const std::string& default_schema);

// Shared checks. Each reports to the map's Diagnostics and returns whether the value is valid.
bool check_name(MapReader& map, std::string_view key, const std::string& name);
bool check_ip_address(MapReader& map, std::string_view key, const std::string& address);
// `methods`, when present: a list of methods paygate knows, replacing the set's default
// (listener.methods, routes[].mirror.methods). CONNECT and TRACE are refused.
void read_method_set(MapReader& map, http::MethodSet& methods);

// An address block: 10.0.0.0/8, ::1/128, or one address (/32, /128); no bits set past the prefix.
std::optional<steps::AddressBlock> parse_address_block(std::string_view text);
// `key`, when present: a list of address blocks (trusted_sources, allowed_sources).
void read_address_blocks(MapReader& map, std::string_view key,
                         std::vector<steps::AddressBlock>& blocks);
// Where paygate may POST a notification: an http:// or https:// URL without query or fragment.
bool is_notify_url(std::string_view url);

// The bearer token of an internal listener (admin, notifications intake): `token_env` (a
// variable name) or `token_file` (its first line), never inline. Leaves `token` empty when
// neither is given. `key` names another pair: forward_token reads forward_token_env/_file.
void read_bearer_token(MapReader& map, const std::string& directory, crypto::SecretBuffer& token,
                       std::string_view key = "token");
// An internal listener bound beyond loopback must ask for a token: reports `address` otherwise.
void require_token_off_loopback(MapReader& map, const std::string& address);

}  // namespace paygate::config
