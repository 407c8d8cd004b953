#include "config/etcd_load.h"

#include <filesystem>

#include "config/etcd_client.h"

namespace paygate::config {
namespace {

LoadResult source_error(const std::string& source, std::string message) {
  LoadResult result;
  result.errors.push_back(ConfigError{source, 0, 0, "", std::move(message)});
  return result;
}

}  // namespace

LoadResult load_etcd_document(const EtcdUrl& url, const std::optional<EtcdValue>& document,
                              std::uint64_t generation) {
  if (!document) return source_error(url.text, "the key " + url.key + " does not exist in etcd");
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  LoadOptions options;
  options.directory = ec ? std::string() : cwd.string();
  LoadResult result = load_string(document->value, url.text, generation, options);
  if (!result.files.empty() && result.files.front() == url.text) {
    result.files.erase(result.files.begin());
  }
  return result;
}

SourceLoad load_source(const std::string& source, std::uint64_t generation,
                       std::chrono::milliseconds timeout) {
  if (!is_etcd_url(source)) return {load_file(source, generation)};
  const EtcdUrlParse parsed = parse_etcd_url(source);
  if (!parsed.url) return {source_error(source, parsed.error)};
  const EtcdRangeReply reply = fetch_etcd_range(*parsed.url, timeout);
  if (!reply.error.empty()) return {source_error(source, "cannot read the key: " + reply.error)};
  SourceLoad out{load_etcd_document(*parsed.url, reply.value, generation), reply.revision, 0};
  if (reply.value) out.document_revision = reply.value->mod_revision;
  return out;
}

}  // namespace paygate::config
