#include "steps/encrypt_fields.h"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "crypto/sensitive.h"
#include "steps/pipeline.h"

namespace paygate::steps {

namespace json = boost::json;

EncryptFields::EncryptFields(std::vector<std::string> pointers, const PlatformTrust& trust,
                             observe::Counter* encrypted)
    : pointers_(std::move(pointers)), trust_(trust), encrypted_(encrypted) {}

boost::asio::awaitable<Next> EncryptFields::on_request(http::Exchange& ex,
                                                       RequestContext& context) {
  const TrustedKeys& keys = trust_.keys();
  if (keys.encryption_serial.empty()) {
    co_await answer_error(ex, context, core::ErrorKind::kUnavailable,
                          "no platform key to encrypt sensitive fields to");
    co_return Next::kAnswered;
  }
  thread_local std::string body;
  thread_local std::string problem;
  if (!encrypt(ex.body(), keys, body, problem)) {
    co_await answer_error(ex, context, core::ErrorKind::kBadRequest, problem);
    co_return Next::kAnswered;
  }
  ex.replace_body(body);
  context.signing.encrypted_for(keys.encryption_serial);
  co_return Next::kContinue;
}

bool EncryptFields::encrypt(std::string_view body, const TrustedKeys& keys, std::string& out,
                            std::string& problem) {
  std::array<unsigned char, 4096> buffer;
  json::monotonic_resource arena(buffer.data(), buffer.size());
  boost::system::error_code ec;
  json::value document = json::parse(body, ec, &arena);
  if (ec || !document.is_object()) {
    problem = "the body must be a JSON object to encrypt its sensitive fields";
    return false;
  }
  std::size_t encrypted = 0;
  for (const std::string& pointer : pointers_) {
    boost::system::error_code missing;
    json::value* field = document.find_pointer(pointer, missing);
    if (field == nullptr) continue;  // an optional field this request does not carry
    const json::string* plain = field->if_string();
    if (plain == nullptr) {
      problem = "the sensitive field at " + pointer + " must be a string";
      return false;
    }
    auto sealed = crypto::encrypt_sensitive(keys.encryption_key, *plain);
    if (!sealed) {
      problem =
          "the sensitive field at " + pointer + " cannot be encrypted: " + sealed.error().detail;
      return false;
    }
    *field = json::string(*sealed, &arena);
    ++encrypted;
  }
  out = json::serialize(document);
  if (encrypted_ != nullptr) encrypted_->inc(encrypted);
  return true;
}

}  // namespace paygate::steps
