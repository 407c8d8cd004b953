// DegradeSwitch: a core route's page starts degrade at once; it ends only once no core route
// has paged for recover_after (a page in between starts the wait again), and says which route
// paged.
#include "observe/degrade.h"

#include <gtest/gtest.h>

namespace paygate::observe {
namespace {

using Change = DegradeSwitch::Change;
using std::chrono::seconds;

class DegradeSwitchTest : public ::testing::Test {
 protected:
  Change at(int second, std::string_view paging) {
    return degrade_.update(t0_ + seconds(second), paging, seconds(60));
  }

  DegradeSwitch degrade_;
  const DegradeSwitch::Clock::time_point t0_ = DegradeSwitch::Clock::now();
};

TEST_F(DegradeSwitchTest, StaysOffWhileNoCoreRoutePages) {
  EXPECT_EQ(at(0, ""), Change::kNone);
  EXPECT_EQ(at(100, ""), Change::kNone);
  EXPECT_FALSE(degrade_.active());
}

TEST_F(DegradeSwitchTest, StartsAtThePageAndEndsAfterTheHoldTime) {
  EXPECT_EQ(at(0, "pay"), Change::kStarted);
  EXPECT_TRUE(degrade_.active());
  EXPECT_EQ(degrade_.cause(), "pay");
  EXPECT_EQ(at(1, "pay"), Change::kNone);  // still paging
  EXPECT_EQ(at(2, ""), Change::kNone);
  EXPECT_EQ(at(60, ""), Change::kNone);  // 59 s since the last page
  EXPECT_TRUE(degrade_.active());
  EXPECT_EQ(at(61, ""), Change::kEnded);
  EXPECT_FALSE(degrade_.active());
  EXPECT_EQ(at(62, ""), Change::kNone);
}

TEST_F(DegradeSwitchTest, APageDuringTheHoldTimeStartsItAgain) {
  at(0, "pay");
  EXPECT_EQ(at(50, "refund"), Change::kNone);
  EXPECT_EQ(degrade_.cause(), "refund");
  EXPECT_EQ(at(100, ""), Change::kNone);  // 50 s after the second page
  EXPECT_TRUE(degrade_.active());
  EXPECT_EQ(at(110, ""), Change::kEnded);
  EXPECT_EQ(at(120, "pay"), Change::kStarted);
}

}  // namespace
}  // namespace paygate::observe
