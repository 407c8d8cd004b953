#include "cli/notify.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "http/one_shot_client.h"

namespace paygate::cli {

using http::HeaderList;
using http::HttpCall;
using http::HttpReply;
using http::parse_http_url;
using http::send_http;
namespace {

struct NotifyOptions {
  std::string url = "http://127.0.0.1:9902";
  std::string token_file;
  std::string token_env;
  std::string id;
  std::string state;
  std::string mchid;
  unsigned limit = 0;
};

bool read_token(const NotifyOptions& options, std::string& token) {
  if (!options.token_env.empty()) {
    const char* value = std::getenv(options.token_env.c_str());
    if (value == nullptr || *value == '\0') {
      std::cerr << "environment variable " << options.token_env << " is not set\n";
      return false;
    }
    token = value;
  } else if (!options.token_file.empty()) {
    std::ifstream in(options.token_file);
    if (!in || !std::getline(in, token) || token.empty()) {
      std::cerr << "cannot read a token from " << options.token_file << "\n";
      return false;
    }
  }
  return true;
}

int call(const NotifyOptions& options, std::string method, std::string path) {
  std::string token;
  if (!read_token(options, token)) return kExitUsage;
  auto base = parse_http_url(options.url + path);
  if (!base) {
    std::cerr << "--url: " << base.error() << "\n";
    return kExitUsage;
  }
  HttpCall request;
  request.method = std::move(method);
  request.url = *base;
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  auto reply = send_http(request);
  if (!reply) {
    std::cerr << options.url << ": " << reply.error().detail << "\n";
    return kExitUsage;
  }
  std::cout << reply->body << "\n";
  if (reply->status == 404) return kExitCheckFailed;
  return reply->status < 300 ? kExitOk : kExitUsage;
}

std::string list_query(const NotifyOptions& options) {
  std::string query;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    query += query.empty() ? '?' : '&';
    query += name;
    query += '=';
    query += value;
  };
  add("state", options.state);
  add("mchid", options.mchid);
  add("limit", options.limit > 0 ? std::to_string(options.limit) : std::string());
  return query;
}

}  // namespace

CliCommand add_notify_command(CLI::App& cli) {
  auto options = std::make_shared<NotifyOptions>();
  auto* notify = cli.add_subcommand("notify", "inspect and retry durable notifications");
  notify->require_subcommand(1);
  notify->add_option("--url", options->url, "internal listener of paygate")->capture_default_str();
  notify->add_option("--token-file", options->token_file, "file holding the bearer token");
  notify->add_option("--token-env", options->token_env, "environment variable holding it");
  auto* status = notify->add_subcommand("status", "show one notification");
  status->add_option("id", options->id, "event id (EV-...)")->required();
  auto* retry = notify->add_subcommand("retry", "deliver one notification again now");
  retry->add_option("id", options->id, "event id (EV-...)")->required();
  auto* list = notify->add_subcommand("list", "recent notifications, newest first");
  list->add_option("--state", options->state, "pending, delivered or failed")
      ->check(CLI::IsMember({"pending", "delivered", "failed"}));
  list->add_option("--mchid", options->mchid, "only this merchant");
  list->add_option("--limit", options->limit, "at most this many (1-1000)")
      ->check(CLI::Range(1, 1000));
  return {notify, [=] {
            if (*status) return call(*options, "GET", "/internal/notifications/" + options->id);
            if (*retry) {
              return call(*options, "POST", "/internal/notifications/" + options->id + "/retry");
            }
            return call(*options, "GET", "/internal/notifications" + list_query(*options));
          }};
}

}  // namespace paygate::cli
