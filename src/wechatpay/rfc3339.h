#pragma once
// RFC 3339 times as WeChat Pay writes them ("2018-06-08T10:34:56+08:00"). Pure; any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::wechatpay {

// Beijing time, the offset WeChat Pay uses: "YYYY-MM-DDTHH:MM:SS+08:00".
std::string format_rfc3339_beijing(std::chrono::sys_seconds time);

// "YYYY-MM-DDTHH:MM:SS" + ("Z" | "+HH:MM" | "-HH:MM"), optional ".fraction" ignored.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);

}  // namespace paygate::wechatpay
