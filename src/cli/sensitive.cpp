#include "cli/sensitive.h"

#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "cli/input.h"
#include "crypto/base64.h"
#include "crypto/sensitive.h"

namespace paygate::cli {

namespace {

// Far above any sensitive field; a bound so a wrong pipe cannot exhaust memory.
constexpr std::size_t kMaxInputBytes = 1 << 20;

struct EncryptOptions {
  std::string cert_file;
  std::string public_key_file;
  std::optional<std::string> plaintext;
};

struct DecryptOptions {
  std::string key_file;
  std::optional<std::string> ciphertext;
};

// The positional value if given, else stdin without one trailing "\n" (or "\r\n").
std::optional<std::string> read_input(const std::optional<std::string>& given) {
  if (given) return *given;
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  if (text.size() > kMaxInputBytes) {
    std::cerr << "input larger than 1 MiB\n";
    return std::nullopt;
  }
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  return text;
}

int encrypt(const EncryptOptions& options) {
  auto key = read_public_key(options.cert_file, options.public_key_file);
  auto plaintext = read_input(options.plaintext);
  if (!key || !plaintext) return kExitUsage;
  auto ciphertext = crypto::encrypt_sensitive(*key, *plaintext);
  if (!ciphertext) {
    std::cerr << ciphertext.error().detail << "\n";
    return kExitUsage;
  }
  std::cout << *ciphertext << "\n";
  return kExitOk;
}

int decrypt(const DecryptOptions& options) {
  auto key = crypto::PrivateKey::from_file(options.key_file);
  if (!key) std::cerr << key.error().detail << "\n";
  auto ciphertext = read_input(options.ciphertext);
  if (!key || !ciphertext) return kExitUsage;
  std::string scratch;
  if (!crypto::base64_decode(*ciphertext, scratch)) {
    std::cerr << "the ciphertext is not base64\n";
    return kExitUsage;
  }
  auto plaintext = crypto::decrypt_sensitive(*key, *ciphertext);
  if (!plaintext) {
    std::cerr << plaintext.error().detail << "\n";
    return kExitCheckFailed;
  }
  std::cout << *plaintext << "\n";
  return kExitOk;
}

}  // namespace

CliCommand add_encrypt_command(CLI::App& cli) {
  auto options = std::make_shared<EncryptOptions>();
  auto* command = cli.add_subcommand("encrypt", "encrypt a sensitive field, print base64");
  auto* key = command->add_option_group("key", "exactly one of");
  key->add_option("--cert", options->cert_file, "receiver's certificate (PEM)");
  key->add_option("--public-key", options->public_key_file, "receiver's public key (PEM)");
  key->require_option(1);
  command->add_option("plaintext", options->plaintext, "the value (default: read stdin)");
  return {command, [options] { return encrypt(*options); }};
}

CliCommand add_decrypt_command(CLI::App& cli) {
  auto options = std::make_shared<DecryptOptions>();
  auto* command = cli.add_subcommand("decrypt", "decrypt a base64 sensitive field");
  command->add_option("--key", options->key_file, "receiver's private key (PEM)")->required();
  command->add_option("ciphertext", options->ciphertext, "base64 (default: read stdin)");
  return {command, [options] { return decrypt(*options); }};
}

}  // namespace paygate::cli
