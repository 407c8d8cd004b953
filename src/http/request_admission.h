#pragma once
// RequestAdmission: what every server connection (HTTP/1.1 or an HTTP/2 stream) does with a
// request head once it is parsed, and how it refuses one. Admitting a request brings its path to
// normal form (http/path_normaliser.h), takes the client's X-Request-Id or makes one, continues
// or starts the W3C trace, and checks the method against the listener's (a method no listener
// lets in is never forwarded, whatever the routes say: RFC 9110 sections 15.5.6, 15.6.2).
// A refusal is a complete HTTP/1.1 error response in the WeChat Pay shape, ending the connection;
// an HTTP/2 stream translates it like any answer (http/h2_response.h).

#include <boost/beast/core/error.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/exchange.h"
#include "http/head_scan.h"
#include "http/parser.h"
#include "http/settings.h"

namespace paygate::http {

struct Refusal {
  core::ErrorKind kind = core::ErrorKind::kBadRequest;
  std::string_view message;  // for the client
  std::string_view reason;   // the metric label (observe/metric_names.h, kReject*)
  std::string_view allow;    // the Allow field of a 405
};

struct RequestAdmission {
  // Why scan_head refused a head (http/head_scan.h): 414, 431, 505 or 400.
  static Refusal scan_failure(HeadVerdict verdict);
  // After a complete head was parsed into `head`: nullopt to serve it, else why not.
  static std::optional<Refusal> admit(RequestHead& head, const ServerLimits& limits,
                                      Exchange& exchange);
  // 501 for an unknown method, 405 for one the listener does not let in, else nullopt.
  static std::optional<Refusal> check_method(const RequestHead& head, const ServerLimits& limits);
  // Why `parser` stopped with `ec` (413 for a body over the limit, 417, 400 with the reason).
  static Refusal parse_failure(const boost::beast::error_code& ec, const RequestParser* parser,
                               const RequestHead& head, const ServerLimits& limits);
  // Writes the refusal into `out` (replacing it) and records its status on the exchange. The
  // answer to HEAD is the head alone, like any answer to HEAD (RFC 9110 section 9.3.2).
  static void write(const Refusal& refusal, Verb method, Exchange& exchange, std::string& out);
};

}  // namespace paygate::http
