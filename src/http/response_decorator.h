#pragma once
// ResponseDecorator: adds header fields computed from the complete response body (the platform
// signature). When an exchange has one, every response it sends is whole: bodies are read
// completely before the head is written. Worker-thread confined. Header-only on purpose:
// steps/ implements it without linking the HTTP engine.

#include <string>
#include <string_view>

namespace paygate::http {

class ResponseDecorator {
 public:
  virtual ~ResponseDecorator() = default;
  // Appends complete field lines ("Name: value\r\n") to `head`.
  virtual void decorate(std::string_view body, std::string& head) = 0;
};

}  // namespace paygate::http
