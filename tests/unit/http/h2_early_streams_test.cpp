// H2EarlyStreams: the streams whose HEADERS began in TLS early data, however the early data and
// the bytes after it are cut.
#include "http/h2_early_streams.h"

#include <gtest/gtest.h>

#include <string>

#include "http/h2_connection.h"

namespace paygate::http {
namespace {

// A frame header and `length` octets of payload.
std::string frame(unsigned char type, std::int32_t stream, std::size_t length) {
  std::string f;
  f += static_cast<char>(length >> 16);
  f += static_cast<char>(length >> 8);
  f += static_cast<char>(length);
  f += static_cast<char>(type);
  f += '\0';  // flags
  f += static_cast<char>(stream >> 24);
  f += static_cast<char>(stream >> 16);
  f += static_cast<char>(stream >> 8);
  f += static_cast<char>(stream);
  return f + std::string(length, 'p');
}
constexpr unsigned char kData = 0x0, kHeaders = 0x1, kSettings = 0x4;

const std::string kEarly = std::string(kH2Preface) + frame(kSettings, 0, 12) +
                           frame(kHeaders, 1, 30) + frame(kHeaders, 3, 20) + frame(kData, 3, 5);

TEST(H2EarlyStreams, StreamsOpenedInEarlyDataAreEarlyAndLaterOnesAreNot) {
  H2EarlyStreams streams;
  streams.received(kEarly, true);
  streams.received(frame(kHeaders, 5, 10), false);
  EXPECT_TRUE(streams.early(1));
  EXPECT_TRUE(streams.early(3));
  EXPECT_FALSE(streams.early(5));
}

TEST(H2EarlyStreams, NothingIsEarlyWithoutEarlyData) {
  H2EarlyStreams streams;
  streams.received(std::string(kH2Preface) + frame(kHeaders, 1, 10), false);
  EXPECT_FALSE(streams.early(1));
}

TEST(H2EarlyStreams, EveryCutOfTheEarlyDataGivesTheSameAnswer) {
  for (std::size_t cut = 0; cut <= kEarly.size(); ++cut) {
    H2EarlyStreams streams;
    streams.received(kEarly.substr(0, cut), true);
    streams.received(kEarly.substr(cut), true);
    streams.received(frame(kHeaders, 5, 0), false);
    EXPECT_TRUE(streams.early(3)) << cut;
    EXPECT_FALSE(streams.early(5)) << cut;
  }
}

TEST(H2EarlyStreams, AHeadersFrameBegunInEarlyDataIsEarlyWhereverItsHeaderEnds) {
  const std::string late = frame(kHeaders, 7, 4) + frame(kHeaders, 9, 4);
  for (std::size_t begun = 1; begun < 9; ++begun) {
    H2EarlyStreams streams;
    streams.received(kEarly + late.substr(0, begun), true);
    // The rest of its header may come a byte at a time.
    for (std::size_t i = begun; i < late.size(); ++i) streams.received(late.substr(i, 1), false);
    EXPECT_TRUE(streams.early(7)) << begun;
    EXPECT_FALSE(streams.early(9)) << begun;
  }
}

TEST(H2EarlyStreams, EarlyDataEndingInsideAPayloadOrThePrefaceMarksNothingAfter) {
  H2EarlyStreams in_payload;
  in_payload.received(kEarly.substr(0, kEarly.size() - 2), true);
  in_payload.received(kEarly.substr(kEarly.size() - 2) + frame(kHeaders, 5, 0), false);
  EXPECT_TRUE(in_payload.early(3));
  EXPECT_FALSE(in_payload.early(5));

  H2EarlyStreams in_preface;
  in_preface.received(kH2Preface.substr(0, 10), true);
  in_preface.received(std::string(kH2Preface.substr(10)) + frame(kHeaders, 1, 0), false);
  EXPECT_FALSE(in_preface.early(1));
}

}  // namespace
}  // namespace paygate::http
