// listener / listeners and their tls sections: the shorthand and the list, the checks across
// listeners, and TLS contexts built from the named files with errors at the key that names them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/parse.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace paygate::config {

// Shows an error by its path and message when a matcher fails (found by argument lookup).
void PrintTo(const ConfigError& e, std::ostream* os);
void PrintTo(const ConfigError& e, std::ostream* os) { *os << e.path << ": " << e.message; }

namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr LoadOptions kNoDns{.resolve_names = false};

ParseResult parse(std::string_view yaml) { return parse_document(yaml, "t.yaml", kNoDns); }

auto error_at(std::string path, std::string message_part) {
  return AllOf(Field(&ConfigError::path, path),
               Field(&ConfigError::message, HasSubstr(message_part)));
}

// A CA, a leaf for gw.test and a second for other.test, written as files.
class ListenersTest : public ::testing::Test {
 protected:
  ListenersTest()
      : ca_(test::make_test_ca("test ca")),
        leaf_(test::make_test_leaf(ca_, {"gw.test"})),
        other_(test::make_test_leaf(ca_, {"other.test"})) {
    dir_.write("gw.pem", leaf_.certificate);
    dir_.write("gw.key", leaf_.key);
    dir_.write("other.pem", other_.certificate);
    dir_.write("other.key", other_.key);
    dir_.write("ca.pem", ca_.certificate);
  }

  // A config whose second listener serves `tls` (YAML flow mapping entries).
  std::string with_tls(const std::string& tls) const {
    return "listeners:\n  - {address: 127.0.0.1, port: 8080}\n"
           "  - {address: 127.0.0.1, port: 8443, tls: {" +
           tls + "}}\n";
  }
  std::string path(const char* name) const { return dir_.file(name); }
  std::string certificate(const char* cert, const char* key) const {
    return "{certificate_file: " + path(cert) + ", key_file: " + path(key) + "}";
  }

  test::TempDir dir_;
  test::PemPair ca_, leaf_, other_;
};

TEST_F(ListenersTest, TheShorthandAndTheListReadTheSameWay) {
  const auto one = parse("listener: {port: 9000, limits: {max_body: 1KiB}}\n");
  ASSERT_THAT(one.errors, IsEmpty());
  ASSERT_THAT(one.document.listeners, SizeIs(1));
  EXPECT_EQ(one.document.listeners[0].port, 9000);
  EXPECT_EQ(one.document.listeners[0].limits.max_body_bytes, 1024u);

  const auto two = parse("listeners:\n  - {port: 9000}\n  - {port: 9001, address: 127.0.0.1}\n");
  ASSERT_THAT(two.errors, IsEmpty());
  ASSERT_THAT(two.document.listeners, SizeIs(2));
  EXPECT_EQ(two.document.listeners[1].address, "127.0.0.1");
  EXPECT_FALSE(two.document.listeners[1].tls);

  EXPECT_THAT(parse("").document.listeners, SizeIs(1));  // the default one
}

TEST_F(ListenersTest, ListenersAreCheckedAcrossEachOther) {
  EXPECT_THAT(parse("listener: {port: 1}\nlisteners: [{port: 2}]\n").errors,
              ElementsAre(error_at("listeners", "not both")));
  EXPECT_THAT(parse("listeners: []\n").errors,
              ElementsAre(error_at("listeners", "at least one listener")));
  EXPECT_THAT(parse("listeners: [{port: 9000}, {port: 9000, address: 127.0.0.1}]\n").errors,
              ElementsAre(error_at("listeners[1].port", "two listeners on the same")));
  EXPECT_THAT(parse("listeners: [{port: 9000}, {port: 9001}]\nadmin: {port: 9001}\n").errors,
              ElementsAre(error_at("admin.port", "(0.0.0.0:9001)")));
  // Process-wide keys are read from the first listener only.
  EXPECT_THAT(parse("listeners: [{port: 1}, {port: 2, telemetry: false}]\n").errors,
              ElementsAre(error_at("listeners[1].telemetry", "first listener only")));
}

TEST_F(ListenersTest, ARouteMethodNoListenerLetsInIsAnError) {
  const std::string routes =
      "clusters: [{name: pay, endpoints: ['127.0.0.1:9000']}]\n"
      "routes: [{name: r, prefix: /, cluster: pay, methods: [GET, PROPFIND]}]\n";
  EXPECT_THAT(
      parse(routes).errors,
      ElementsAre(error_at("routes[0].methods", "'PROPFIND' is refused by every listener")));
  EXPECT_THAT(
      parse("listeners: [{port: 1}, {port: 2, methods: [GET, PROPFIND]}]\n" + routes).errors,
      IsEmpty());
}

TEST_F(ListenersTest, TlsSettingsAreReadWithTheirDefaults) {
  const auto result = parse(with_tls("certificates: [" + certificate("gw.pem", "gw.key") + ", " +
                                     certificate("other.pem", "other.key") +
                                     "], min_version: '1.3', session_tickets: false, "
                                     "ticket_key_rotation: 2h, session_cache_size: 0"));
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& tls = result.document.listeners[1].tls;
  ASSERT_TRUE(tls);
  ASSERT_THAT(tls->certificates, SizeIs(2));
  EXPECT_EQ(tls->certificates[1].files.key_file, path("other.key"));
  EXPECT_EQ(tls->min_version, tls::Version::kTls13);
  EXPECT_EQ(tls->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_FALSE(tls->session_tickets);
  EXPECT_EQ(tls->ticket_key_rotation, std::chrono::hours(2));
  EXPECT_EQ(tls->session_cache_size, 0u);
  // The contexts are built once, with the document.
  ASSERT_THAT(result.document.listener_tls, SizeIs(2));
  EXPECT_FALSE(result.document.listener_tls[0]);
  ASSERT_TRUE(result.document.listener_tls[1]);
  EXPECT_THAT(result.document.listener_tls[1]->certificates(), SizeIs(2));
}

TEST_F(ListenersTest, TlsSettingsOutsideWhatIsServedAreErrors) {
  EXPECT_THAT(parse(with_tls("min_version: '1.2'")).errors,
              ElementsAre(error_at("listeners[1].tls.certificates", "missing required key")));
  EXPECT_THAT(parse(with_tls("certificates: []")).errors,
              ElementsAre(error_at("listeners[1].tls.certificates", "at least one")));
  const std::string cert = "certificates: [" + certificate("gw.pem", "gw.key") + "], ";
  EXPECT_THAT(parse(with_tls(cert + "min_version: '1.1'")).errors,
              ElementsAre(error_at("listeners[1].tls.min_version", "1.2, 1.3")));
  EXPECT_THAT(parse(with_tls(cert + "alpn: [spdy/3]")).errors,
              ElementsAre(error_at("listeners[1].tls.alpn", "got 'spdy/3'")));
  EXPECT_THAT(parse(with_tls(cert + "alpn: [http/1.1, http/1.1]")).errors,
              ElementsAre(error_at("listeners[1].tls.alpn", "listed twice")));
  EXPECT_THAT(parse(with_tls(cert + "ticket_key_rotation: 1s")).errors,
              ElementsAre(error_at("listeners[1].tls.ticket_key_rotation", "between")));
  EXPECT_THAT(parse(with_tls("certificates: [{certificate_file: a.pem}]")).errors,
              ElementsAre(error_at("listeners[1].tls.certificates[0].key_file", "missing")));
}

TEST_F(ListenersTest, EarlyDataIsOffUnlessEnabledAndBoundedWhenOn) {
  const std::string cert = "certificates: [" + certificate("gw.pem", "gw.key") + "]";
  const auto defaults = parse(with_tls(cert));
  ASSERT_THAT(defaults.errors, IsEmpty());
  EXPECT_FALSE(defaults.document.listeners[1].tls->early_data.enabled);
  EXPECT_EQ(defaults.document.listeners[1].tls->early_data.max_bytes, 16'384u);

  const auto on = parse(with_tls(cert + ", early_data: {enabled: true, max_bytes: 4KiB}"));
  ASSERT_THAT(on.errors, IsEmpty());
  EXPECT_TRUE(on.document.listeners[1].tls->early_data.enabled);
  EXPECT_EQ(on.document.listeners[1].tls->early_data.max_bytes, 4096u);
  ASSERT_TRUE(on.document.listener_tls[1]);
}

TEST_F(ListenersTest, EarlyDataSettingsThatCannotWorkAreErrors) {
  const std::string cert = "certificates: [" + certificate("gw.pem", "gw.key") + "], ";
  EXPECT_THAT(parse(with_tls(cert + "early_data: {enabled: true, max_bytes: 1MiB}")).errors,
              ElementsAre(error_at("listeners[1].tls.early_data.max_bytes", "between")));
  EXPECT_THAT(parse(with_tls(cert + "early_data: {enabled: yes please}")).errors,
              ElementsAre(error_at("listeners[1].tls.early_data.enabled", "")));
  EXPECT_THAT(parse(with_tls(cert + "early_data: {enable: true}")).errors,
              ElementsAre(error_at("listeners[1].tls.early_data.enable", "")));
  // Without the session cache no ticket could be used once only: no early data either.
  EXPECT_THAT(
      parse(with_tls(cert + "session_cache_size: 0, early_data: {enabled: true}")).errors,
      ElementsAre(error_at("listeners[1].tls.early_data.enabled", "session_cache_size is 0")));
  EXPECT_THAT(parse(with_tls(cert + "session_cache_size: 0, early_data: {enabled: false}")).errors,
              IsEmpty());
}

TEST_F(ListenersTest, FileProblemsPointAtTheKeyThatNamesTheFile) {
  auto errors =
      parse(with_tls("certificates: [" + certificate("gw.pem", "other.key") + "]")).errors;
  ASSERT_THAT(errors, ElementsAre(error_at("listeners[1].tls.certificates[0].key_file",
                                           "is not the key of the certificate")));
  EXPECT_THAT(errors[0].message, HasSubstr(path("other.key")));

  errors = parse(with_tls("certificates: [" + certificate("nope.pem", "gw.key") + "]")).errors;
  EXPECT_THAT(errors, ElementsAre(error_at("listeners[1].tls.certificates[0].certificate_file",
                                           path("nope.pem"))));

  const auto expired = test::make_test_leaf(ca_, {"gw.test"}, std::chrono::seconds(-60));
  dir_.write("expired.pem", expired.certificate);
  dir_.write("expired.key", expired.key);
  errors =
      parse(with_tls("certificates: [" + certificate("expired.pem", "expired.key") + "]")).errors;
  EXPECT_THAT(errors, ElementsAre(error_at("listeners[1].tls.certificates[0].certificate_file",
                                           "has expired")));

  errors = parse(with_tls("certificates: [" + certificate("gw.pem", "gw.key") +
                          "], client_ca_file: " + path("no-ca.pem")))
               .errors;
  EXPECT_THAT(errors, ElementsAre(error_at("listeners[1].tls.client_ca_file", "no-ca.pem")));
}

TEST_F(ListenersTest, TheShorthandNamesItsKeysAsWritten) {
  const auto errors = parse("listener: {port: 8443, tls: {certificates: [" +
                            certificate("gw.pem", "other.key") + "]}}\n")
                          .errors;
  EXPECT_THAT(errors,
              ElementsAre(error_at("listener.tls.certificates[0].key_file", "not the key")));
}

TEST_F(ListenersTest, Http2SettingsAreReadWithSafeDefaults) {
  const auto defaults = parse("listener: {port: 8080}\n");
  ASSERT_THAT(defaults.errors, IsEmpty());
  const http::Http2Settings& d = defaults.document.listeners[0].limits.http2;
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.max_concurrent_streams, 100u);
  EXPECT_EQ(d.initial_window_size, 65'535u);
  EXPECT_EQ(d.max_frame_size, 16'384u);
  EXPECT_EQ(d.max_resets_per_second, 100u);
  const auto set = parse(
      "listener: {port: 8080, http2: {max_concurrent_streams: 8, initial_window_size: 1048576, "
      "max_frame_size: 32768, max_resets_per_second: 10, max_control_frames_per_second: 20, "
      "max_continuation_frames: 4, header_table_size: 0}}\n");
  ASSERT_THAT(set.errors, IsEmpty());
  const http::Http2Settings& h2 = set.document.listeners[0].limits.http2;
  EXPECT_EQ(h2.max_concurrent_streams, 8u);
  EXPECT_EQ(h2.initial_window_size, 1'048'576u);
  EXPECT_EQ(h2.max_frame_size, 32'768u);
  EXPECT_EQ(h2.max_resets_per_second, 10u);
  EXPECT_EQ(h2.max_control_frames_per_second, 20u);
  EXPECT_EQ(h2.max_continuation_frames, 4u);
  EXPECT_EQ(h2.header_table_size, 0u);
}

TEST_F(ListenersTest, Http2SettingsOutsideTheProtocolsBoundsAreErrors) {
  // RFC 9113 section 6.5.2: frames of 16 KiB at least, 16 MiB at most.
  EXPECT_THAT(parse("listener: {port: 8080, http2: {max_frame_size: 1024}}\n").errors,
              ElementsAre(error_at("listener.http2.max_frame_size", "between")));
  EXPECT_THAT(parse("listener: {port: 8080, http2: {max_concurrent_streams: 0}}\n").errors,
              ElementsAre(error_at("listener.http2.max_concurrent_streams", "between")));
  EXPECT_THAT(parse("listener: {port: 8080, http2: {streams: 5}}\n").errors,
              ElementsAre(error_at("listener.http2.streams", "unknown key")));
}

TEST_F(ListenersTest, AlpnOffersH2OnlyWhereTheListenerSpeaksIt) {
  const std::string cert = "certificates: [" + certificate("gw.pem", "gw.key") + "]";
  const auto only_h1 =
      parse("listeners:\n  - {address: 127.0.0.1, port: 8443, http2: {enabled: false}, tls: {" +
            cert + "}}\n");
  ASSERT_THAT(only_h1.errors, IsEmpty());
  EXPECT_EQ(only_h1.document.listeners[0].tls->alpn, std::vector<std::string>{"http/1.1"});
  EXPECT_THAT(parse("listeners:\n  - {address: 127.0.0.1, port: 8443, http2: {enabled: false}, "
                    "tls: {" +
                    cert + ", alpn: [h2]}}\n")
                  .errors,
              ElementsAre(error_at("listeners[0].tls.alpn", "http2.enabled is false")));
  const auto h1_first = parse(with_tls(cert + ", alpn: [http/1.1, h2]"));
  ASSERT_THAT(h1_first.errors, IsEmpty());
  EXPECT_EQ(h1_first.document.listeners[1].tls->alpn, (std::vector<std::string>{"http/1.1", "h2"}));
}

TEST_F(ListenersTest, ClusterTlsIsReadAndItsContextBuiltOnce) {
  const auto result = parse(
      "clusters:\n  - {name: pay, endpoints: ['10.0.0.1:443'], tls: {sni: pay.internal, "
      "ca_file: " +
      path("ca.pem") +
      ", min_version: '1.3', client_certificate: "
      "{certificate_file: " +
      path("gw.pem") + ", key_file: " + path("gw.key") +
      "}}}\n  - {name: plain, endpoints: ['10.0.0.2:80']}\n");
  ASSERT_THAT(result.errors, IsEmpty());
  const auto& pay = result.document.clusters[0];
  ASSERT_TRUE(pay.tls);
  EXPECT_EQ(pay.tls->server_name, "pay.internal");
  EXPECT_EQ(pay.tls->ca_file, path("ca.pem"));
  EXPECT_TRUE(pay.tls->verify);
  EXPECT_EQ(pay.tls->min_version, tls::Version::kTls13);
  EXPECT_EQ(pay.tls->client_certificate.key_file, path("gw.key"));
  EXPECT_TRUE(pay.tls_context);
  EXPECT_FALSE(result.document.clusters[1].tls);
  EXPECT_FALSE(result.document.clusters[1].tls_context);
}

TEST_F(ListenersTest, ClusterTlsFilesThatCannotBeUsedAreErrorsAtTheirKey) {
  dir_.write("junk.pem", "not a certificate\n");
  EXPECT_THAT(parse("clusters:\n  - {name: pay, endpoints: ['10.0.0.1:443'], tls: {ca_file: " +
                    path("junk.pem") + "}}\n")
                  .errors,
              ElementsAre(error_at("clusters[0].tls.ca_file", "junk.pem")));
  EXPECT_THAT(parse("clusters:\n  - {name: pay, endpoints: ['10.0.0.1:443'], tls: "
                    "{client_certificate: {certificate_file: " +
                    path("gw.pem") + ", key_file: " + path("other.key") + "}}}\n")
                  .errors,
              ElementsAre(error_at("clusters[0].tls.client_certificate.key_file", "other.key")));
  EXPECT_THAT(parse("clusters:\n  - {name: pay, endpoints: ['10.0.0.1:443'], tls: "
                    "{client_certificate: {certificate_file: " +
                    path("gw.pem") + "}}}\n")
                  .errors,
              ElementsAre(error_at("clusters[0].tls.client_certificate.key_file", "missing")));
}

}  // namespace
}  // namespace paygate::config
