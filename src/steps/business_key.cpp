#include "steps/business_key.h"

#include <array>
#include <boost/json/value.hpp>

namespace paygate::steps {

BusinessKey::BusinessKey(std::vector<std::string> members) : members_(std::move(members)) {}

boost::asio::awaitable<Next> BusinessKey::on_request(http::Exchange& ex, RequestContext& context) {
  context.retry_safe = names_a_key(ex.body());
  co_return Next::kContinue;
}

bool BusinessKey::names_a_key(std::string_view body) {
  if (body.empty()) return false;
  bool found = false;
  {
    // A small body's values live in this frame's buffer; a larger one spills to the heap.
    std::array<unsigned char, 4096> buffer;
    boost::json::monotonic_resource arena(buffer.data(), buffer.size());
    parser_.reset(&arena);
    boost::system::error_code ec;
    parser_.write(body.data(), body.size(), ec);  // the whole text: a cut one fails
    if (!ec) {
      const boost::json::value value = parser_.release();
      if (const boost::json::object* object = value.if_object()) {
        for (const std::string& member : members_) {
          const auto it = object->find(member);
          const boost::json::string* key = it == object->end() ? nullptr : it->value().if_string();
          if (key != nullptr && !key->empty()) found = true;
        }
      }
    }
  }
  parser_.reset();  // points at no arena of a frame that is gone
  return found;
}

}  // namespace paygate::steps
