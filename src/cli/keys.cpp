#include "cli/keys.h"

#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/input.h"
#include "crypto/aead.h"
#include "crypto/generate.h"
#include "crypto/random.h"
#include "tls/certificate_authority.h"

namespace paygate::cli {

namespace {

constexpr mode_t kSecretMode = 0600;
constexpr mode_t kPublicMode = 0644;
constexpr std::size_t kMaxMchidLength = 32;

struct KeysNewOptions {
  std::string dir;
  std::string mchid;
  std::string algorithm = "rsa";
  std::string role = "merchant";
  int days = 3650;
  std::vector<std::string> names{"localhost", "127.0.0.1"};  // --role tls: the server's names
};

struct OutputFile {
  std::string path;
  std::string content;
  mode_t mode;
  std::string_view what;
};

// The mchid becomes part of file names and the subject, so only a plain identifier is taken.
bool valid_mchid(std::string_view mchid) {
  if (mchid.empty() || mchid.size() > kMaxMchidLength) return false;
  for (char c : mchid) {
    bool plain = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '_' || c == '-';
    if (!plain) return false;
  }
  return true;
}

std::optional<std::string> new_apiv3_key() {
  std::string key(crypto::ApiV3Key::kSize, '\0');
  if (!crypto::random_alphanumeric(key)) return std::nullopt;
  return key + "\n";
}

// Everything to write, built before anything touches the disk.
std::optional<std::vector<OutputFile>> build_files(const KeysNewOptions& options,
                                                   const crypto::GeneratedIdentity& identity) {
  std::string base = options.dir + "/" + options.mchid + "_" + options.role;
  auto key_pem = crypto::private_key_pem(identity.key);
  if (!key_pem) return std::nullopt;
  std::vector<OutputFile> files;
  files.push_back({base + ".key.pem", std::move(*key_pem), kSecretMode, "private key"});
  files.push_back({base + ".cert.pem", identity.certificate.pem(), kPublicMode, "certificate"});
  if (options.role == "platform") {
    auto pub_pem = crypto::public_key_pem(identity.certificate.public_key());
    if (!pub_pem) return std::nullopt;
    files.push_back({base + ".pub.pem", std::move(*pub_pem), kPublicMode, "public key"});
  } else {
    auto apiv3 = new_apiv3_key();
    if (!apiv3) return std::nullopt;
    std::string path = options.dir + "/" + options.mchid + ".apiv3";
    files.push_back({path, std::move(*apiv3), kSecretMode, "APIv3 key"});
  }
  return files;
}

// All or nothing as far as can be checked up front: refuse if any target already exists.
bool write_files(const std::vector<OutputFile>& files) {
  for (const auto& file : files) {
    if (std::filesystem::exists(file.path)) {
      std::cerr << file.path << " already exists; not replacing it\n";
      return false;
    }
  }
  for (const auto& file : files) {
    std::string problem = write_new_file(file.path, file.content, file.mode);
    if (!problem.empty()) {
      std::cerr << "cannot write " << file.path << ": " << problem << "\n";
      return false;
    }
    std::cout << "wrote " << file.path << " (" << file.what;
    if (file.mode == kSecretMode) std::cout << ", mode 0600";
    std::cout << ")\n";
  }
  return true;
}

bool make_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (!error) return true;
  std::cerr << "cannot create --dir " << dir << ": " << error.message() << "\n";
  return false;
}

// --role tls: a throw-away CA and a server certificate it signs, for a TLS listener
// (tls-server.*) and the clients that trust it (--cacert tls-ca.cert.pem).
int tls_keys_new(const KeysNewOptions& options) {
  std::string error;
  const std::chrono::seconds validity = std::chrono::days(options.days);
  auto ca = tls::make_authority("paygate throw-away CA", validity, error);
  auto server = ca ? tls::make_certificate(*ca, options.names, validity, error) : std::nullopt;
  if (!server) {
    std::cerr << "cannot generate: " << error << "\n";
    return kExitUsage;
  }
  const std::string base = options.dir + "/tls-";
  const std::vector<OutputFile> files{
      {base + "ca.cert.pem", ca->certificate, kPublicMode, "CA certificate, for --cacert"},
      {base + "ca.key.pem", ca->key, kSecretMode, "CA private key"},
      {base + "server.cert.pem", server->certificate + ca->certificate, kPublicMode,
       "server certificate chain"},
      {base + "server.key.pem", server->key, kSecretMode, "server private key"}};
  if (!make_dir(options.dir)) return kExitUsage;
  return write_files(files) ? kExitOk : kExitUsage;
}

int keys_new(const KeysNewOptions& options) {
  if (options.role == "tls") return tls_keys_new(options);
  if (!valid_mchid(options.mchid)) {
    std::cerr << "--mchid must be 1-32 characters of [0-9A-Za-z_-]\n";
    return kExitUsage;
  }
  crypto::CertificateSpec spec;
  spec.algorithm =
      options.algorithm == "sm2" ? crypto::KeyAlgorithm::kSm2 : crypto::KeyAlgorithm::kRsa;
  spec.common_name =
      options.role == "platform" ? "paygate platform for " + options.mchid : options.mchid;
  spec.validity_days = options.days;
  auto identity = crypto::generate_self_signed(spec);
  if (!identity) {
    std::cerr << "cannot generate: " << identity.error().detail << "\n";
    return kExitUsage;
  }
  auto files = build_files(options, *identity);
  if (!files) {
    std::cerr << "cannot encode the generated keys\n";
    return kExitUsage;
  }
  if (!make_dir(options.dir)) return kExitUsage;
  std::cout << "serial: " << identity->certificate.serial_hex() << "\n";
  return write_files(*files) ? kExitOk : kExitUsage;
}

}  // namespace

CliCommand add_keys_command(CLI::App& cli) {
  auto options = std::make_shared<KeysNewOptions>();
  auto* keys = cli.add_subcommand("keys", "make keys and certificates for demos and tests");
  keys->require_subcommand(1);
  auto* create = keys->add_subcommand("new", "generate a key pair and a self-signed certificate");
  create->add_option("--dir", options->dir, "directory for the files")->required();
  create->add_option("--mchid", options->mchid, "merchant id (merchant and platform roles)");
  create->add_option("--algorithm", options->algorithm, "rsa (RSA-2048) or sm2")
      ->check(CLI::IsMember({"rsa", "sm2"}));
  create->add_option("--days", options->days, "certificate validity in days")
      ->check(CLI::Range(1, 36500));
  create
      ->add_option("--role", options->role,
                   "merchant (adds an APIv3 key), platform, or tls (a CA and a server "
                   "certificate for a TLS listener)")
      ->check(CLI::IsMember({"merchant", "platform", "tls"}));
  create->add_option("--name", options->names,
                     "--role tls: a DNS name or IP address of the server (repeatable; default "
                     "localhost and 127.0.0.1)");
  return {keys, [options] { return keys_new(*options); }};
}

}  // namespace paygate::cli
