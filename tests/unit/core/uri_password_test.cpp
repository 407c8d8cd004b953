#include "core/uri_password.h"

#include <gtest/gtest.h>

namespace paygate::core {
namespace {

TEST(UriPassword, RecognisesPostgresqlUris) {
  EXPECT_TRUE(is_postgres_uri("postgresql://db/pay"));
  EXPECT_TRUE(is_postgres_uri("postgres://db/pay"));
  EXPECT_FALSE(is_postgres_uri("/var/lib/paygate/outbox.db"));
  EXPECT_FALSE(is_postgres_uri("postgresql.db"));
}

TEST(UriPassword, HidesTheUserInfoPassword) {
  EXPECT_EQ(redact_uri_password("postgresql://paygate:s3cret@db:5432/pay"),
            "postgresql://paygate:***@db:5432/pay");
  // '@' and ':' inside the password: everything up to the last '@' of the authority.
  EXPECT_EQ(redact_uri_password("postgres://u:p@ss:w@db/pay?sslmode=require"),
            "postgres://u:***@db/pay?sslmode=require");
}

TEST(UriPassword, HidesAPasswordParameter) {
  EXPECT_EQ(redact_uri_password("postgresql://u@db/pay?sslmode=require&password=s3cret&x=1"),
            "postgresql://u@db/pay?sslmode=require&password=***&x=1");
  EXPECT_EQ(redact_uri_password("postgresql:///pay?password=s3cret"),
            "postgresql:///pay?password=***");
}

TEST(UriPassword, LeavesEverythingElseAlone) {
  EXPECT_EQ(redact_uri_password("postgresql://u@db:5432/pay?passfile=/etc/pgpass"),
            "postgresql://u@db:5432/pay?passfile=/etc/pgpass");
  EXPECT_EQ(redact_uri_password("postgresql://db/pay"), "postgresql://db/pay");
  EXPECT_EQ(redact_uri_password("/var/lib/a:b@c.db"), "/var/lib/a:b@c.db");
}

}  // namespace
}  // namespace paygate::core
