#include "cli/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "core/bounded_read.h"
#include "crypto/certificate.h"
#include "wechatpay/message.h"

namespace paygate::cli {

namespace {

// Large enough for any WeChat Pay API body; a bound so a wrong file cannot exhaust memory.
constexpr std::size_t kMaxBodyFileBytes = 16 << 20;

std::optional<std::string> read_body_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open --body-file " << path << "\n";
    return std::nullopt;
  }
  std::string body;
  switch (core::read_bounded(in, kMaxBodyFileBytes, body)) {
    case core::BoundedRead::kFailed:
      std::cerr << "cannot read --body-file " << path << "\n";
      return std::nullopt;
    case core::BoundedRead::kTooLarge:
      std::cerr << "--body-file " << path << " is larger than 16 MiB\n";
      return std::nullopt;
    case core::BoundedRead::kOk:
      break;
  }
  return body;
}

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

void add_body_options(CLI::App& command, BodyOptions& body) {
  auto* text = command.add_option("--body", body.text, "request or response body, exact bytes");
  auto* file = command.add_option("--body-file", body.file, "read the body from this file");
  text->excludes(file);
}

std::optional<std::string> read_body(const BodyOptions& body) {
  if (!body.file.empty()) return read_body_file(body.file);
  return body.text;
}

std::optional<std::int64_t> read_timestamp(std::string_view text, std::string_view option) {
  std::int64_t seconds = 0;
  if (wechatpay::parse_timestamp(text, seconds)) return seconds;
  std::cerr << option << " must be Unix seconds (decimal digits), not \"" << text << "\"\n";
  return std::nullopt;
}

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::optional<std::string> read_signed_url(std::string_view text) {
  if (text.starts_with("/")) return std::string(text);
  auto url = boost::urls::parse_uri(text);
  if (url && (url->scheme() == "http" || url->scheme() == "https")) {
    std::string target(url->encoded_target());
    return target.empty() ? "/" : target;
  }
  std::cerr << "--url must be PATH?QUERY starting with '/' or an absolute http(s) URL, not \""
            << text << "\"\n";
  return std::nullopt;
}

std::optional<crypto::PublicKey> read_public_key(const std::string& cert_file,
                                                 const std::string& public_key_file) {
  if (!cert_file.empty()) {
    auto certificate = crypto::Certificate::from_file(cert_file);
    if (certificate) return certificate->public_key();
    std::cerr << certificate.error().detail << "\n";
    return std::nullopt;
  }
  auto key = crypto::PublicKey::from_file(public_key_file);
  if (key) return *key;
  std::cerr << key.error().detail << "\n";
  return std::nullopt;
}

std::string write_new_file(const std::string& path, std::string_view content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return std::strerror(errno);
  std::string problem;
  if (::fchmod(fd, mode) != 0 || !write_all(fd, content)) problem = std::strerror(errno);
  if (::close(fd) != 0 && problem.empty()) problem = std::strerror(errno);
  return problem;
}

std::optional<wechatpay::PlatformKeys> read_platform_certificates(
    const std::vector<std::string>& files, std::string* first_serial) {
  wechatpay::PlatformKeys keys;
  for (const auto& file : files) {
    auto certificate = crypto::Certificate::from_file(file);
    if (!certificate) {
      std::cerr << certificate.error().detail << "\n";
      return std::nullopt;
    }
    if (first_serial != nullptr && first_serial->empty()) *first_serial = certificate->serial_hex();
    keys.add(*certificate);
  }
  return keys;
}

}  // namespace paygate::cli
