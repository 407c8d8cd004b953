#include "core/error.h"

namespace paygate::core {

namespace {
struct KindInfo {
  int status;
  std::string_view code;
};

KindInfo info(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest: return {400, "PARAM_ERROR"};
    case ErrorKind::kUnauthorized: return {401, "SIGN_ERROR"};
    case ErrorKind::kForbidden: return {403, "NO_AUTH"};
    case ErrorKind::kNotFound: return {404, "RESOURCE_NOT_EXISTS"};
    case ErrorKind::kMethodNotAllowed: return {405, "METHOD_NOT_ALLOWED"};
    case ErrorKind::kTimeout: return {408, "REQUEST_TIMEOUT"};
    case ErrorKind::kPayloadTooLarge: return {413, "PAYLOAD_TOO_LARGE"};
    case ErrorKind::kExpectationFailed: return {417, "EXPECTATION_FAILED"};
    case ErrorKind::kUriTooLong: return {414, "URI_TOO_LONG"};
    case ErrorKind::kUnprocessable: return {422, "INVALID_REQUEST"};
    case ErrorKind::kTooEarly:
      return {425, "TOO_EARLY"};
    case ErrorKind::kRateLimited: return {429, "FREQUENCY_LIMITED"};
    case ErrorKind::kHeaderTooLarge: return {431, "HEADER_TOO_LARGE"};
    case ErrorKind::kInternal: return {500, "SYSTEM_ERROR"};
    case ErrorKind::kNotImplemented: return {501, "NOT_IMPLEMENTED"};
    case ErrorKind::kBadGateway: return {502, "BAD_GATEWAY"};
    case ErrorKind::kUnavailable: return {503, "SERVICE_UNAVAILABLE"};
    // WeChat Pay's own answer when it is busy: clients retry SYSTEM_ERROR with the same request.
    case ErrorKind::kOverloaded:
      return {503, "SYSTEM_ERROR"};
    case ErrorKind::kGatewayTimeout: return {504, "GATEWAY_TIMEOUT"};
    case ErrorKind::kVersionNotSupported: return {505, "HTTP_VERSION_NOT_SUPPORTED"};
  }
  return {500, "SYSTEM_ERROR"};
}
}  // namespace

int http_status(ErrorKind kind) { return info(kind).status; }
std::string_view wechatpay_code(ErrorKind kind) { return info(kind).code; }

}  // namespace paygate::core
