#include "core/uri_password.h"

namespace paygate::core {
namespace {

constexpr std::string_view kHidden = "***";

// user:password@ between the scheme and the host.
void redact_user_info(std::string& uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return;
  const auto authority = scheme_end + 3;
  const auto authority_end = uri.find_first_of("/?", authority);
  const auto at = uri.rfind('@', authority_end == std::string::npos ? uri.size() : authority_end);
  if (at == std::string::npos || at < authority) return;
  const auto colon = uri.find(':', authority);
  if (colon == std::string::npos || colon > at) return;
  uri.replace(colon + 1, at - colon - 1, kHidden);
}

void redact_password_parameter(std::string& uri) {
  auto query = uri.find('?');
  while (query != std::string::npos) {
    const auto start = query + 1;
    const auto end = uri.find('&', start);
    const auto length = (end == std::string::npos ? uri.size() : end) - start;
    if (std::string_view(uri).substr(start, length).starts_with("password=")) {
      uri.replace(start + 9, length - 9, kHidden);
    }
    query = uri.find('&', start);
  }
}

}  // namespace

bool is_postgres_uri(std::string_view text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

std::string redact_uri_password(std::string_view uri) {
  std::string out(uri);
  if (!is_postgres_uri(out)) return out;
  redact_user_info(out);
  redact_password_parameter(out);
  return out;
}

}  // namespace paygate::core
