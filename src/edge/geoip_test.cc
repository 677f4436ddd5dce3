#include "edge/geoip.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

// The test databases, written at build time by tests/integration/mmdb_writer.py
// (see write_test_dbs there for what they hold).
#ifndef VERGE_GEOIP_TEST_DIR
#error "VERGE_GEOIP_TEST_DIR must name the folder of the test .mmdb files"
#endif

namespace verge::edge {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = VERGE_GEOIP_TEST_DIR;
const fs::path kCity = kDir / "city.mmdb";
const fs::path kAsn = kDir / "asn.mmdb";

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path writeTemp(const std::string& name, const std::string& bytes) {
  fs::path dir = fs::temp_directory_path() / ("verge-geoip-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

std::string openError(const fs::path& city, const fs::path& asn, bool* which = nullptr) {
  try {
    GeoIp::open(city, asn);
  } catch (const GeoIpError& e) {
    if (which) *which = e.asn;
    return e.what();
  }
  return "(opened)";
}

TEST(GeoIp, EveryFieldOfACityAndAsnRecord) {
  auto geo = GeoIp::open(kCity, kAsn);
  GeoFields f = geo->lookup("127.0.0.1");
  EXPECT_EQ(f.country, "DE");
  EXPECT_EQ(f.isEUCountry, "1");
  EXPECT_EQ(f.continent, "EU");
  EXPECT_EQ(f.city, "Berlin");  // the English name, not the first one
  EXPECT_EQ(f.postalCode, "10178");
  EXPECT_EQ(f.latitude, "52.52440");
  EXPECT_EQ(f.longitude, "13.41050");
  EXPECT_EQ(f.timezone, "Europe/Berlin");
  EXPECT_EQ(f.region, "Land Berlin");
  EXPECT_EQ(f.regionCode, "BE");
  EXPECT_EQ(f.metroCode, std::nullopt);
  EXPECT_EQ(f.asn, 64500u);
  EXPECT_EQ(f.asOrganization, "Example Transit");
  EXPECT_EQ(
      f.json(),
      R"({"country":"DE","isEUCountry":"1","continent":"EU","city":"Berlin","postalCode":"10178",)"
      R"("latitude":"52.52440","longitude":"13.41050","timezone":"Europe/Berlin","region":"Land Berlin",)"
      R"("regionCode":"BE","asn":64500,"asOrganization":"Example Transit"})");
}

TEST(GeoIp, IPv6AndMetroCodeAndNegativeCoordinates) {
  auto geo = GeoIp::open(kCity, kAsn);
  GeoFields f = geo->lookup("::1");
  EXPECT_EQ(f.country, "US");
  EXPECT_EQ(f.isEUCountry, std::nullopt);
  EXPECT_EQ(f.city, "Austin");
  EXPECT_EQ(f.latitude, "30.27130");
  EXPECT_EQ(f.longitude, "-97.74260");
  EXPECT_EQ(f.metroCode, "635");
  EXPECT_EQ(f.region, "Texas");
  EXPECT_EQ(f.regionCode, "TX");
  EXPECT_EQ(f.asn, 64501u);
  EXPECT_EQ(f.asOrganization, "Example IPv6");
}

TEST(GeoIp, WhatTheRecordLacksIsAbsent) {
  auto geo = GeoIp::open(kCity, kAsn);
  GeoFields gb = geo->lookup("127.0.0.2");
  EXPECT_EQ(gb.country, "GB");
  EXPECT_EQ(gb.json(), R"({"country":"GB"})");
  // Not in either database.
  EXPECT_TRUE(geo->lookup("127.0.0.3").empty());
  EXPECT_EQ(geo->lookup("127.0.0.3").json(), "");
  EXPECT_TRUE(geo->lookup("10.1.2.3").empty());
  EXPECT_TRUE(geo->lookup("2001:db8::1").empty());
  // An ASN without an organisation; a 32-bit ASN.
  GeoFields fr = geo->lookup("127.0.0.4");
  EXPECT_EQ(fr.asn, 4200000000u);
  EXPECT_EQ(fr.asOrganization, std::nullopt);
}

TEST(GeoIp, EuMembershipWithoutTheFlagComesFromTheCountry) {
  auto geo = GeoIp::open(kCity, {});
  EXPECT_EQ(geo->lookup("127.0.0.4").isEUCountry, "1");           // FR, no is_in_european_union
  EXPECT_EQ(geo->lookup("127.0.0.2").isEUCountry, std::nullopt);  // GB
}

TEST(GeoIp, NetworksAndAddressForms) {
  auto geo = GeoIp::open(kCity, {});
  EXPECT_EQ(geo->lookup("192.0.2.1").city, "Austin");
  EXPECT_EQ(geo->lookup("192.0.2.127").city, "Austin");
  EXPECT_EQ(geo->lookup("192.0.2.128").city, "Berlin");  // the more specific /25
  EXPECT_EQ(geo->lookup("192.0.2.255").city, "Berlin");
  // A dual-stack listener's IPv4-mapped form is looked up as IPv4.
  EXPECT_EQ(geo->lookup("::ffff:127.0.0.1").country, "DE");
  EXPECT_EQ(geo->lookup("::FFFF:192.0.2.200").city, "Berlin");
  EXPECT_EQ(geo->lookup("::1%lo").country, "US");
  for (const char* bad : {"", "not an ip", "127.0.0.1:80", "999.1.1.1", "[::1]", "127.0.0.1 "}) {
    EXPECT_TRUE(geo->lookup(bad).empty()) << bad;
  }
  // No ASN database: no asn fields.
  EXPECT_EQ(geo->lookup("127.0.0.1").asn, std::nullopt);
}

TEST(GeoIp, AsnDatabaseAlone) {
  auto geo = GeoIp::open({}, kAsn);
  EXPECT_EQ(geo->lookupJson("127.0.0.1"), R"({"asn":64500,"asOrganization":"Example Transit"})");
  EXPECT_TRUE(geo->warnings().empty());
}

TEST(GeoIp, CachedJsonIsTheRecordsOwn) {
  // lookupJson keeps each record pair's JSON per thread: every instance,
  // address and repetition must still get its own answer.
  auto both = GeoIp::open(kCity, kAsn);
  auto city_only = GeoIp::open(kCity, {});
  auto asn_only = GeoIp::open({}, kAsn);
  for (int round = 0; round < 3; ++round) {
    for (const char* ip : {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "::1", "192.0.2.1",
                           "192.0.2.200", "::ffff:127.0.0.1"}) {
      for (const auto* geo : {both.get(), city_only.get(), asn_only.get()}) {
        EXPECT_EQ(geo->lookupJson(ip), geo->lookup(ip).json()) << ip << " round " << round;
      }
    }
  }
  EXPECT_EQ(city_only->lookupJson("127.0.0.2"), R"({"country":"GB"})");
  EXPECT_EQ(asn_only->lookupJson("127.0.0.2"), "");
}

TEST(GeoIp, StringsAreEscapedInJson) {
  GeoFields f;
  f.city = "Qu\"o\\te\n\x01";
  EXPECT_EQ(f.json(), R"({"city":"Qu\"o\\te\n\u0001"})");
}

TEST(GeoIp, UnusableFilesNameTheFileAndTheProblem) {
  bool asn = false;
  fs::path missing = kDir / "nope.mmdb";
  EXPECT_EQ(openError(missing, {}, &asn), missing.string() + ": no such file");
  EXPECT_FALSE(asn);
  EXPECT_EQ(openError(kCity, missing, &asn), missing.string() + ": no such file");
  EXPECT_TRUE(asn);
  EXPECT_EQ(openError(kDir, {}), kDir.string() + ": is a folder, not a MaxMind DB file (.mmdb)");

  fs::path garbage = writeTemp("garbage.mmdb", "this is not a database at all\n");
  EXPECT_EQ(
      openError(garbage, {}),
      garbage.string() +
          ": not a valid MaxMind DB file (.mmdb): The MaxMind DB file contains invalid metadata");
  fs::path empty = writeTemp("empty.mmdb", "");
  EXPECT_NE(openError(empty, {}).find(empty.string() + ": not a valid MaxMind DB file (.mmdb): "),
            std::string::npos);

  // Cut in half: the metadata at the end is gone.
  std::string good = readFile(kCity);
  fs::path truncated = writeTemp("truncated.mmdb", good.substr(0, good.size() / 2));
  EXPECT_NE(openError(truncated, {}).find(truncated.string() + ": not a valid MaxMind DB file"),
            std::string::npos);

  // Valid metadata over a damaged search tree: the start-up probes see it.
  std::string damaged = good;
  for (size_t i = 0; i < 96 * 6 && i < damaged.size(); ++i) damaged[i] = '\xff';
  fs::path bad_tree = writeTemp("bad-tree.mmdb", damaged);
  std::string error = openError(bad_tree, {});
  EXPECT_NE(error.find(bad_tree.string() + ": the MaxMind DB file is corrupt: "), std::string::npos)
      << error;
}

TEST(GeoIp, DatabaseInTheWrongRoleIsWarnedAbout) {
  auto swapped = GeoIp::open(kAsn, kCity);
  ASSERT_EQ(swapped->warnings().size(), 2u);
  EXPECT_NE(swapped->warnings()[0].find(
                "a GeoLite2-ASN database where a City or Country database belongs"),
            std::string::npos);
  EXPECT_NE(swapped->warnings()[1].find("a GeoLite2-City database where an ASN database belongs"),
            std::string::npos);
  EXPECT_TRUE(GeoIp::open(kCity, kAsn)->warnings().empty());
  EXPECT_NE(GeoIp::open(kCity, kAsn)->describe().find("(GeoLite2-City, built "), std::string::npos);
}

// A rough bound on the per-request cost, to notice a slowdown by orders of
// magnitude (not a benchmark): one City and one ASN lookup with every field.
TEST(GeoIp, LookupIsCheap) {
  auto geo = GeoIp::open(kCity, kAsn);
  constexpr int kRounds = 20000;
  size_t total = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) total += geo->lookupJson(i % 2 ? "127.0.0.1" : "::1").size();
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      kRounds;
  EXPECT_GT(total, 0u);
  std::printf("geoip lookup + JSON: %.2f us\n", us);
  EXPECT_LT(us, 200.0);  // sanitizer builds are slow; a release build takes a few microseconds
}

}  // namespace
}  // namespace verge::edge
