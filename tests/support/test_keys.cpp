#include "support/test_keys.h"

#include <fstream>
#include <iterator>
#include <sstream>

namespace paygate::test {

std::string data_path(std::string_view name) {
  return std::string(PAYGATE_TEST_DATA) + "/crypto/" + std::string(name);
}

std::string read_data(std::string_view name) {
  std::ifstream in(data_path(name), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::map<std::string, std::string> read_vector(std::string_view name) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(read_data(name));
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find('=');
    if (at != std::string::npos) fields[line.substr(0, at)] = line.substr(at + 1);
  }
  return fields;
}

crypto::Result<crypto::GeneratedIdentity> generate_identity(std::string_view common_name,
                                                            crypto::KeyAlgorithm algorithm) {
  crypto::CertificateSpec spec;
  spec.algorithm = algorithm;
  spec.common_name = std::string(common_name);
  return crypto::generate_self_signed(spec);
}

}  // namespace paygate::test
