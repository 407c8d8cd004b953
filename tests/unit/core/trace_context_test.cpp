#include "core/trace_context.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace paygate::core {
namespace {

constexpr std::string_view kSpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ContinuesTheCallersTraceWithANewSpan) {
  TraceContext trace;
  ASSERT_TRUE(trace.continue_from(kSpecExample));
  EXPECT_EQ(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(trace.span_id(), "00f067aa0ba902b7");
  EXPECT_EQ(trace.span_id().size(), 16u);
  const std::string_view out = trace.traceparent();
  EXPECT_EQ(out.size(), 55u);
  EXPECT_TRUE(out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
  EXPECT_TRUE(out.ends_with("-01"));
}

TEST(TraceContext, KeepsOnlyTheSampledFlag) {
  TraceContext trace;
  ASSERT_TRUE(trace.continue_from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  EXPECT_TRUE(trace.traceparent().ends_with("-00"));
  ASSERT_TRUE(trace.continue_from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff"));
  EXPECT_TRUE(trace.traceparent().ends_with("-01"));
}

TEST(TraceContext, AcceptsAHigherVersionAndAnswersInVersion00) {
  TraceContext trace;
  ASSERT_TRUE(
      trace.continue_from("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
  EXPECT_TRUE(trace.traceparent().starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
}

TEST(TraceContext, RefusesMalformedValuesAndKeepsWhatItHad) {
  TraceContext trace;
  trace.start();
  const std::string before(trace.traceparent());
  for (std::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 must be 55
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later version, no '-'
       }) {
    EXPECT_FALSE(trace.continue_from(bad)) << bad;
    EXPECT_EQ(trace.traceparent(), before) << bad;
  }
}

TEST(TraceContext, AdoptsABareTraceId) {
  TraceContext trace;
  EXPECT_FALSE(trace.adopt_trace_id("4bf92f3577b34da6"));
  EXPECT_FALSE(trace.adopt_trace_id("00000000000000000000000000000000"));
  ASSERT_TRUE(trace.adopt_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(trace.traceparent().ends_with("-01"));
}

TEST(TraceContext, StartedTracesAreValidAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    TraceContext trace;
    EXPECT_TRUE(trace.empty());
    trace.start();
    ASSERT_FALSE(trace.empty());
    TraceContext echo;
    ASSERT_TRUE(echo.continue_from(trace.traceparent())) << trace.traceparent();
    EXPECT_EQ(echo.trace_id(), trace.trace_id());
    ids.insert(std::string(trace.trace_id()));
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(TraceContext, EmptyUntilSet) {
  TraceContext trace;
  EXPECT_EQ(trace.traceparent(), "");
  EXPECT_EQ(trace.trace_id(), "");
  trace.start();
  trace.clear();
  EXPECT_TRUE(trace.empty());
  EXPECT_EQ(trace.span_id(), "");
}

}  // namespace
}  // namespace paygate::core
