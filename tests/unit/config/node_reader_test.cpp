#include "config/node_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace paygate::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

struct Fields {
  std::chrono::milliseconds timeout{1000};
  std::optional<std::chrono::milliseconds> deadline;
  std::size_t limit = 10;
  unsigned count = 1;
  std::string name = "default";
  bool flag = false;
  std::vector<std::string> items;
  int colour = 0;
};

// Reads `yaml` as a map of every kind of field; returns the errors.
std::vector<ConfigError> read(const std::string& yaml, Fields& fields) {
  Diagnostics diagnostics{"t.yaml"};
  read_map(YAML::Load(yaml), Where{1, 1, "section"}, diagnostics, [&](MapReader& map) {
    map.duration("timeout", fields.timeout, {milliseconds{1}, milliseconds{60'000}});
    map.duration("deadline", fields.deadline, {milliseconds{1}, milliseconds{60'000}});
    map.size("limit", fields.limit, {1, 1024});
    map.count("count", fields.count, {1, 5});
    map.string("name", fields.name);
    map.boolean("flag", fields.flag);
    map.strings("items", fields.items);
    map.choice("colour", fields.colour, {{"red", 1}, {"blue", 2}});
  });
  return diagnostics.take();
}

TEST(MapReader, AbsentKeysKeepDefaults) {
  Fields fields;
  EXPECT_TRUE(read("{}", fields).empty());
  EXPECT_EQ(fields.timeout, milliseconds{1000});
  EXPECT_EQ(fields.deadline, std::nullopt);
  EXPECT_EQ(fields.name, "default");
}

TEST(MapReader, NullReadsAsEmptyMap) {
  Fields fields;
  EXPECT_TRUE(read("", fields).empty());
}

TEST(MapReader, ReadsEveryKind) {
  Fields fields;
  auto errors = read(
      "{timeout: 2s, deadline: 5ms, limit: 1KiB, count: 3, name: x, flag: true, items: [a, b],"
      " colour: blue}",
      fields);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(fields.timeout, milliseconds{2000});
  EXPECT_EQ(fields.deadline, milliseconds{5});
  EXPECT_EQ(fields.limit, 1024u);
  EXPECT_EQ(fields.count, 3u);
  EXPECT_EQ(fields.name, "x");
  EXPECT_TRUE(fields.flag);
  EXPECT_EQ(fields.items, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fields.colour, 2);
}

TEST(MapReader, UnknownKeyListsAllowedKeys) {
  Fields fields;
  auto errors = read("{nmae: x}", fields);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "section.nmae");
  EXPECT_EQ(errors[0].message,
            "unknown key 'nmae' (allowed: timeout, deadline, limit, count, name, flag, items, "
            "colour)");
}

TEST(MapReader, DuplicateKeyIsReported) {
  Fields fields;
  auto errors = read("name: a\nname: b\n", fields);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_THAT(errors[0].message, HasSubstr("duplicate key (first at line 1)"));
  EXPECT_EQ(fields.name, "a");
}

TEST(MapReader, EveryBadValueIsReportedWithItsPosition) {
  Fields fields;
  auto errors = read(
      "timeout: 10\nlimit: 1MB\ncount: 9\nflag: yes\nitems: a\ncolour: green\nname: [x]\n",
      fields);
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors[0].path, "section.timeout");
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[0].column, 10);
  EXPECT_THAT(errors[0].message, HasSubstr("expected a duration"));
  EXPECT_THAT(errors[1].message, HasSubstr("expected a size"));
  EXPECT_EQ(errors[2].message, "must be between 1 and 5, got 9");
  // In the order the fields are read, not the file's.
  EXPECT_EQ(errors[3].message, "expected a string, got a sequence");
  EXPECT_EQ(errors[4].message, "expected true or false, got 'yes'");
  EXPECT_EQ(errors[5].message, "expected a sequence, got 'a'");
  EXPECT_EQ(errors[6].message, "expected one of red, blue, got 'green'");
  EXPECT_EQ(fields.count, 1u);
}

TEST(MapReader, RangesAreCheckedInTheirUnits) {
  Fields fields;
  auto errors = read("{timeout: 2m, limit: 2KiB}", fields);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "must be between 1ms and 1m, got 2m");
  EXPECT_EQ(errors[1].message, "must be between 1B and 1KiB, got 2KiB");
}

TEST(MapReader, NonMapIsReportedOnce) {
  Fields fields;
  auto errors = read("[1, 2]", fields);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a mapping, got a sequence");
}

TEST(MapReader, RequireReportsMissingKeyAtTheMap) {
  Diagnostics diagnostics{"t.yaml"};
  read_map(YAML::Load("{a: 1}"), Where{3, 4, "m"}, diagnostics,
           [](MapReader& map) { map.require("b"); map.require("a"); });
  auto errors = diagnostics.take();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(to_string(errors[0]), "t.yaml:3:4: m.b: missing required key 'b'");
}

TEST(Diagnostics, StopsCollectingAtTheCap) {
  Diagnostics diagnostics{"t.yaml"};
  for (int i = 0; i < 1000; ++i) diagnostics.add(Where{}, "bad");
  EXPECT_EQ(diagnostics.errors().size(), Diagnostics::kMaxErrors + 1);
  EXPECT_THAT(diagnostics.errors().back().message, HasSubstr("too many errors"));
}

TEST(ConfigError, ToStringLeavesOutUnknownParts) {
  EXPECT_EQ(to_string({"demo.yaml", 12, 5, "routes[2].cluster", "no cluster named 'x'"}),
            "demo.yaml:12:5: routes[2].cluster: no cluster named 'x'");
  EXPECT_EQ(to_string({"demo.yaml", 0, 0, "", "cannot open"}), "demo.yaml: cannot open");
}

}  // namespace
}  // namespace paygate::config
