// Geolocation of client addresses for request.cf, from MaxMind DB files
// (.mmdb: GeoLite2 / GeoIP2 City or Country, and ASN), read with Debian's
// libmaxminddb. The files are mmap'd read-only and looked up from any
// thread without locks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace verge::edge {

// A database that cannot be used: what() names the file and what is wrong
// ("/srv/geo.mmdb: not a MaxMind DB file: ..."); `asn` says which of the two.
class GeoIpError : public std::runtime_error {
 public:
  GeoIpError(bool asn, const std::string& message) : std::runtime_error(message), asn(asn) {}
  bool asn;
};

// The request.cf fields an address has, as Cloudflare names and types them;
// a field the databases do not have for it is nullopt.
struct GeoFields {
  std::optional<std::string> country;      // ISO 3166-1 alpha-2, "DE"
  std::optional<std::string> isEUCountry;  // "1" when the country is in the EU, else absent
  std::optional<std::string> continent;    // "EU", "NA", ...
  std::optional<std::string> city;         // English name
  std::optional<std::string> postalCode;
  std::optional<std::string> latitude;    // a string, 5 decimals: "52.52440"
  std::optional<std::string> longitude;   // "-97.74260"
  std::optional<std::string> timezone;    // "Europe/Berlin"
  std::optional<std::string> region;      // first subdivision's English name, "Texas"
  std::optional<std::string> regionCode;  // first subdivision's ISO 3166-2 code, "TX"
  std::optional<std::string> metroCode;   // "635"
  std::optional<uint32_t> asn;            // from the ASN database
  std::optional<std::string> asOrganization;

  bool empty() const;
  // The fields as a JSON object ("{"country":"DE",...}"); "" when empty().
  std::string json() const;
};

class GeoIp {
 public:
  // Opens the databases: `city` (a City or Country database) and/or `asn`
  // (an ASN database); an empty path is left out, but not both. Throws
  // GeoIpError for a file that is missing, unreadable, not a MaxMind DB or
  // corrupt.
  static std::shared_ptr<const GeoIp> open(const std::filesystem::path& city,
                                           const std::filesystem::path& asn);
  ~GeoIp();
  GeoIp(const GeoIp&) = delete;
  GeoIp& operator=(const GeoIp&) = delete;

  // The fields for a client address ("203.0.113.7", "2001:db8::1",
  // "::ffff:203.0.113.7"); all absent for an address the databases do not
  // have, or that is not an address.
  GeoFields lookup(std::string_view ip) const;
  // lookup(ip).json(): what the runtime adds to request.cf. The tree
  // lookups are done every time; the fields of a database record (many
  // addresses share one, e.g. all of a city's) are read once per thread and
  // kept in a small per-thread cache, so a request usually costs two tree
  // walks and a string copy.
  std::string lookupJson(std::string_view ip) const;

  // Start-up notes: a database whose type does not fit its role (an ASN
  // database given as the city database, ...).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // "GeoLite2-City 2024-05-14" per open database, for the start-up line.
  std::string describe() const;

 private:
  struct Db;
  static std::unique_ptr<Db> openDb(const std::filesystem::path& path, bool asn);
  GeoIp();
  std::unique_ptr<Db> city_, asn_;
  std::vector<std::string> warnings_;
  uint64_t id_;  // tells this instance's entries in the per-thread cache from another's
};

}  // namespace verge::edge
