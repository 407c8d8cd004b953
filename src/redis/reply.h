#pragma once
// Reply: one reply of the Redis server as hiredis's reader builds it, owned. Read its fields
// (type, integer, str/len, element/elements) through the helpers below.

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

struct redisReply;  // <hiredis/hiredis.h>

namespace paygate::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// The reply is an error ("-ERR ..."): its text; else nothing.
std::optional<std::string_view> error_of(const redisReply& reply);
// An integer reply, or an array's element `index` that is one; else nothing.
std::optional<long long> integer_of(const redisReply& reply);
std::optional<long long> integer_at(const redisReply& reply, std::size_t index);
// A status or bulk string reply ("OK", a value); else nothing.
std::optional<std::string_view> text_of(const redisReply& reply);

}  // namespace paygate::redis
