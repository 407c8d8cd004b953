// The etcd JSON gateway messages: request bodies as etcd reads them, range replies and the watch
// stream as etcd 3.4 writes them (captured shapes), split at every byte, and the refusals.
#include "config/etcd_messages.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "crypto/base64.h"

namespace paygate::config {
namespace {

namespace json = boost::json;
using Kind = EtcdWatchMessage::Kind;

std::string b64(std::string_view text) { return crypto::base64_encode(text); }

TEST(EtcdRequests, RangeAndWatchBodies) {
  EXPECT_EQ(json::parse(etcd_range_request("/paygate/config")),
            json::parse(R"({"key":")" + b64("/paygate/config") + R"("})"));
  EXPECT_EQ(
      json::parse(etcd_watch_request("/k", 42)),
      json::parse(R"({"create_request":{"key":")" + b64("/k") + R"(","start_revision":"42"}})"));
  EXPECT_EQ(json::parse(etcd_watch_request("/k", 0)),
            json::parse(R"({"create_request":{"key":")" + b64("/k") + R"("}})"));
}

std::string range_reply(std::string_view value, int mod_revision, int revision) {
  return R"({"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437",)"
         R"("revision":")" +
         std::to_string(revision) + R"(","raft_term":"2"},"kvs":[{"key":")" + b64("/k") +
         R"(","create_revision":"2","mod_revision":")" + std::to_string(mod_revision) +
         R"(","version":"3","value":")" + b64(value) + R"("}],"count":"1"})";
}

TEST(EtcdRangeReply, ValueAndRevisions) {
  const auto reply = parse_etcd_range_reply(range_reply("server: {}\n", 7, 9));
  ASSERT_EQ(reply.error, "");
  EXPECT_EQ(reply.revision, 9);
  ASSERT_TRUE(reply.value);
  EXPECT_EQ(reply.value->value, "server: {}\n");
  EXPECT_EQ(reply.value->mod_revision, 7);
}

TEST(EtcdRangeReply, MissingKeyIsNoValue) {
  const auto reply = parse_etcd_range_reply(R"({"header":{"revision":"5"}})");
  EXPECT_EQ(reply.error, "");
  EXPECT_EQ(reply.revision, 5);
  EXPECT_FALSE(reply.value);
}

TEST(EtcdRangeReply, EmptyValueIsLeftOut) {
  const auto reply = parse_etcd_range_reply(
      R"({"header":{"revision":"5"},"kvs":[{"key":"L2s=","mod_revision":"4"}],"count":"1"})");
  ASSERT_EQ(reply.error, "");
  ASSERT_TRUE(reply.value);
  EXPECT_EQ(reply.value->value, "");
}

TEST(EtcdRangeReply, Refusals) {
  EXPECT_NE(parse_etcd_range_reply("not json").error, "");
  EXPECT_NE(parse_etcd_range_reply("[]").error, "");
  EXPECT_NE(parse_etcd_range_reply(R"({"kvs":[]})").error.find("header revision"),
            std::string::npos);
  EXPECT_NE(parse_etcd_range_reply(R"({"header":{"revision":"x"}})").error, "");
  EXPECT_NE(parse_etcd_range_reply(R"({"header":{"revision":"-3"}})").error, "");
  EXPECT_NE(parse_etcd_range_reply(
                R"({"header":{"revision":"5"},"kvs":[{"mod_revision":"4","value":"!!"}]})")
                .error.find("unreadable"),
            std::string::npos);
  EXPECT_NE(parse_etcd_range_reply(R"({"header":{"revision":"5"},"kvs":[{},{}]})").error, "");
  const auto error = parse_etcd_range_reply(
      R"({"error":"etcdserver: request timed out","code":14,"message":"etcdserver: request timed out"})");
  EXPECT_NE(error.error.find("request timed out"), std::string::npos);
  EXPECT_NE(parse_etcd_range_reply(std::string(kMaxEtcdMessageBytes + 1, ' ')).error, "");
}

// The stream of a watch created at revision 3, then a put, a delete, a compaction.
const std::string kHeader = R"("header":{"cluster_id":"1","member_id":"2","raft_term":"2",)";
std::string watch_stream() {
  return R"({"result":{)" + kHeader + R"("revision":"3"},"created":true}})" + "\n" +
         R"({"result":{)" + kHeader + R"("revision":"4"},"events":[{"kv":{"key":")" + b64("/k") +
         R"(","create_revision":"2","mod_revision":"4","version":"2","value":")" +
         b64("routes: []\n") + R"("}}]}})" + "\n" + R"({"result":{)" + kHeader +
         R"("revision":"5"},"events":[{"type":"DELETE","kv":{"key":")" + b64("/k") +
         R"(","mod_revision":"5"}}]}})" + "\n" + R"({"result":{)" + kHeader +
         R"("revision":"9"},"compact_revision":"6","canceled":true}})" + "\n";
}

void expect_watch_stream(const std::vector<EtcdWatchMessage>& messages) {
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].kind, Kind::kCreated);
  EXPECT_EQ(messages[0].revision, 3);
  EXPECT_EQ(messages[1].kind, Kind::kPut);
  EXPECT_EQ(messages[1].revision, 4);
  EXPECT_EQ(messages[1].value.value, "routes: []\n");
  EXPECT_EQ(messages[2].kind, Kind::kDeleted);
  EXPECT_EQ(messages[2].revision, 5);
  EXPECT_EQ(messages[3].kind, Kind::kCompacted);
  EXPECT_EQ(messages[3].compact_revision, 6);
}

TEST(EtcdWatchStream, WholeStream) {
  EtcdWatchStream stream;
  std::vector<EtcdWatchMessage> messages;
  stream.feed(watch_stream(), messages);
  expect_watch_stream(messages);
}

TEST(EtcdWatchStream, SplitAtEveryByte) {
  const std::string text = watch_stream();
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    EtcdWatchStream stream;
    std::vector<EtcdWatchMessage> messages;
    stream.feed(std::string_view(text).substr(0, cut), messages);
    stream.feed(std::string_view(text).substr(cut), messages);
    expect_watch_stream(messages);
    if (HasFatalFailure()) FAIL() << "cut at " << cut;
  }
}

TEST(EtcdWatchStream, OneByteAtATime) {
  const std::string text = watch_stream();
  EtcdWatchStream stream;
  std::vector<EtcdWatchMessage> messages;
  for (char c : text) stream.feed(std::string_view(&c, 1), messages);
  expect_watch_stream(messages);
}

TEST(EtcdWatchStream, CancelProgressAndErrors) {
  EtcdWatchStream stream;
  std::vector<EtcdWatchMessage> messages;
  stream.feed(
      R"({"result":{"header":{"revision":"12"}}})"
      R"({"result":{"header":{"revision":"12"},"canceled":true,"cancel_reason":"gone"}})"
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}})",
      messages);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].kind, Kind::kProgress);
  EXPECT_EQ(messages[0].revision, 12);
  EXPECT_EQ(messages[1].kind, Kind::kCanceled);
  EXPECT_EQ(messages[1].detail, "gone");
  EXPECT_EQ(messages[2].kind, Kind::kError);
  EXPECT_NE(messages[2].detail.find("no leader"), std::string::npos);
}

TEST(EtcdWatchStream, MalformedMessagesAreErrors) {
  for (const std::string text :
       {R"({"result":{"header":{"revision":"1"},"events":[{"type":"PUT"}]}})",
        R"({"result":{"header":{"revision":"1"},"events":[{"type":"X","kv":{}}]}})",
        R"({"result":{"header":{"revision":"1"},"events":{}}})", R"({"result":{}})",
        R"({"result":{"header":{"revision":1.5}}})", R"([1,2])", R"({"other":1})"}) {
    EtcdWatchStream stream;
    std::vector<EtcdWatchMessage> messages;
    stream.feed(text, messages);
    ASSERT_EQ(messages.size(), 1u) << text;
    EXPECT_EQ(messages[0].kind, Kind::kError) << text;
  }
}

TEST(EtcdWatchStream, NotJsonBreaksTheStream) {
  EtcdWatchStream stream;
  std::vector<EtcdWatchMessage> messages;
  stream.feed("<html>", messages);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, Kind::kError);
  stream.feed(R"({"result":{"header":{"revision":"1"}}})", messages);
  EXPECT_EQ(messages.size(), 1u);  // nothing more is read from a broken stream
}

TEST(EtcdWatchStream, OversizedMessageIsRefused) {
  EtcdWatchStream stream;
  std::vector<EtcdWatchMessage> messages;
  stream.feed(R"({"result":{"pad":")", messages);
  const std::string chunk(64 * 1024, 'a');
  for (std::size_t fed = 0; fed <= kMaxEtcdMessageBytes && messages.empty(); fed += chunk.size()) {
    stream.feed(chunk, messages);
  }
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, Kind::kError);
  EXPECT_NE(messages[0].detail.find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace paygate::config
