#pragma once
// The JSON messages of etcd's v3 gRPC gateway that the configuration source speaks: the request
// bodies of /v3/kv/range and /v3/watch, the range reply, and the watch stream (a sequence of JSON
// objects `{"result": {...}}` or `{"error": {...}}`, split across reads anywhere). Keys and values
// travel base64-encoded; int64 fields arrive as JSON strings. Every byte is untrusted: sizes are
// bounded and a message that is not exactly what etcd sends is an error, never a guess.
// Pure values and functions; an EtcdWatchStream belongs to one reader.

#include <boost/json/stream_parser.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygate::config {

// One document as etcd holds it: the YAML and the revision that last wrote it.
struct EtcdValue {
  std::string value;
  std::int64_t mod_revision = 0;
};

struct EtcdRangeReply {
  std::int64_t revision = 0;       // the store's revision when read: watch from revision + 1
  std::optional<EtcdValue> value;  // empty: the key does not exist
  std::string error;               // not empty: the reply was refused, and why
};

struct EtcdWatchMessage {
  enum class Kind {
    kCreated,    // the watch is in place
    kPut,        // the key was written: `value`
    kDeleted,    // the key was deleted
    kProgress,   // no event (a progress notification): `revision` moved
    kCompacted,  // start_revision is compacted away: read the key again
    kCanceled,   // the server ended the watch: `detail`
    kError,      // an error object or an unreadable message: `detail`
  };
  Kind kind = Kind::kError;
  std::int64_t revision = 0;  // the header's (or the event's mod_revision for kPut/kDeleted)
  std::int64_t compact_revision = 0;
  EtcdValue value;
  std::string detail;
};

// Base64 of the document plus the JSON around it.
inline constexpr std::size_t kMaxEtcdDocumentBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxEtcdMessageBytes = kMaxEtcdDocumentBytes / 3 * 4 + 64 * 1024;

std::string etcd_range_request(std::string_view key);
std::string etcd_watch_request(std::string_view key, std::int64_t start_revision);
EtcdRangeReply parse_etcd_range_reply(std::string_view body);
// One parsed JSON value of the watch stream -> what it says.
EtcdWatchMessage read_etcd_watch_message(const boost::json::value& message);

// Splits the watch stream into messages, whatever the read boundaries.
class EtcdWatchStream {
 public:
  // Appends the messages `bytes` completes to `out`. After a kError for malformed or oversized
  // input the stream is unusable: the caller drops the connection.
  void feed(std::string_view bytes, std::vector<EtcdWatchMessage>& out);

 private:
  boost::json::stream_parser parser_;
  std::size_t message_bytes_ = 0;  // fed into the message being parsed
  bool broken_ = false;
};

}  // namespace paygate::config
