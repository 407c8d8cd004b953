#pragma once
// Access to tests/data/crypto/ (see its README.md for how each file was made).

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

namespace paygate::crypto::test {

inline std::string data_path(const std::string& name) {
  return std::string(PAYGATE_TEST_DATA) + "/crypto/" + name;
}

inline std::string read_data(const std::string& name) {
  std::ifstream in(data_path(name), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A "name=value" per line vector file.
inline std::map<std::string, std::string> read_vector(const std::string& name) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(read_data(name));
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find('=');
    if (at != std::string::npos) fields[line.substr(0, at)] = line.substr(at + 1);
  }
  return fields;
}

}  // namespace paygate::crypto::test
