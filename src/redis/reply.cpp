#include "redis/reply.h"

#include <hiredis/hiredis.h>

namespace paygate::redis {

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

std::optional<std::string_view> error_of(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ERROR) return std::nullopt;
  return std::string_view(reply.str, reply.len);
}

std::optional<long long> integer_of(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_INTEGER) return std::nullopt;
  return reply.integer;
}

std::optional<long long> integer_at(const redisReply& reply, std::size_t index) {
  if (reply.type != REDIS_REPLY_ARRAY || index >= reply.elements) return std::nullopt;
  return integer_of(*reply.element[index]);
}

std::optional<std::string_view> text_of(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_STATUS && reply.type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string_view(reply.str, reply.len);
}

}  // namespace paygate::redis
