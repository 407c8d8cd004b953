// load_etcd_document and load_source: a document from etcd is checked like a file named by its
// URL, its relative paths resolve against the working directory, and a missing key or a bad URL
// is an error that says so. No etcd is needed: the reads that reach one are the integration
// tests' (tests/integration/test_config_etcd.py).
#include "config/etcd_load.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace paygate::config {
namespace {

constexpr std::string_view kDocument = R"(listener: {address: 127.0.0.1, port: 18080}
admin: {address: 127.0.0.1, port: 18081}
state_file: state/paygate.db
clusters:
  - name: b
    endpoints: ["127.0.0.1:9"]
routes:
  - name: all
    prefix: /
    cluster: b
)";

EtcdUrl url() { return *parse_etcd_url("etcd://127.0.0.1:2379/paygate/config").url; }

TEST(EtcdLoad, DocumentLoadsLikeAFileNamedByTheUrl) {
  const LoadResult result = load_etcd_document(url(), EtcdValue{std::string(kDocument), 7}, 3);
  ASSERT_TRUE(result.snapshot) << (result.errors.empty() ? "" : to_string(result.errors[0]));
  EXPECT_EQ(result.snapshot->generation, 3u);
  EXPECT_EQ(result.snapshot->source_path, "etcd://127.0.0.1:2379/paygate/config");
  // Relative to the working directory: the URL has no directory to be relative to.
  EXPECT_EQ(result.snapshot->process.state_file,
            (std::filesystem::current_path() / "state/paygate.db").string());
  // The URL is not a file to watch.
  for (const auto& file : result.files) EXPECT_NE(file, url().text);
}

TEST(EtcdLoad, ErrorsNameTheUrlAndTheLine) {
  std::string bad(kDocument);
  bad.replace(bad.rfind("cluster: b"), 10, "cluster: nosuch");
  const LoadResult result = load_etcd_document(url(), EtcdValue{bad, 8}, 2);
  ASSERT_FALSE(result.snapshot);
  ASSERT_FALSE(result.errors.empty());
  const std::string message = to_string(result.errors[0]);
  EXPECT_EQ(message.rfind("etcd://127.0.0.1:2379/paygate/config:10:", 0), 0u) << message;
  EXPECT_NE(message.find("routes[0].cluster"), std::string::npos) << message;
}

TEST(EtcdLoad, MissingKeyIsAnError) {
  const LoadResult result = load_etcd_document(url(), std::nullopt, 2);
  ASSERT_FALSE(result.snapshot);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(to_string(result.errors[0]).find("the key /paygate/config does not exist"),
            std::string::npos);
}

TEST(EtcdLoad, BadUrlIsRefusedBeforeAnyRead) {
  const SourceLoad load = load_source("etcd://127.0.0.1:99999/k", 1);
  ASSERT_FALSE(load.result.snapshot);
  ASSERT_EQ(load.result.errors.size(), 1u);
  EXPECT_NE(to_string(load.result.errors[0]).find("is not an etcd URL"), std::string::npos);
}

}  // namespace
}  // namespace paygate::config
