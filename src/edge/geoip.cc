#include "edge/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace verge::edge {

namespace fs = std::filesystem;

struct GeoIp::Db {
  MMDB_s mmdb{};
  bool opened = false;
  std::string type;  // metadata database_type
  ~Db() {
    if (opened) MMDB_close(&mmdb);
  }
};

namespace {

// The EU's member states, for a record that has a country but not MaxMind's
// is_in_european_union flag (GeoLite2 writes the flag only when true; a
// database from elsewhere may not have it at all).
bool isEuMember(std::string_view code) {
  static constexpr std::string_view kMembers[] = {
      "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
      "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};
  for (auto m : kMembers) {
    if (m == code) return true;
  }
  return false;
}

// A client address as a sockaddr for MMDB_lookup_sockaddr. IPv4-mapped IPv6
// addresses (a dual-stack listener's view of an IPv4 client) become IPv4,
// where databases keep them; an IPv6 zone ("fe80::1%eth0") is dropped.
bool parseAddress(std::string_view ip, sockaddr_storage& out) {
  size_t zone = ip.find('%');
  if (zone != std::string_view::npos) ip = ip.substr(0, zone);
  char text[INET6_ADDRSTRLEN];
  if (ip.empty() || ip.size() >= sizeof text) return false;
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, text, &a6) != 1) return false;
  if (IN6_IS_ADDR_V4MAPPED(&a6)) {
    v4->sin_family = AF_INET;
    std::memcpy(&v4->sin_addr, &a6.s6_addr[12], 4);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  v6->sin6_family = AF_INET6;
  v6->sin6_addr = a6;
  return true;
}

bool value(MMDB_entry_s entry, const char* const* path, MMDB_entry_data_s& out) {
  return MMDB_aget_value(&entry, &out, path) == MMDB_SUCCESS && out.has_data;
}

// A non-empty string at `path` (empty strings count as absent).
std::optional<std::string> stringAt(const MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s d;
  if (!value(entry, path, d) || d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0)
    return std::nullopt;
  return std::string(d.utf8_string, d.data_size);
}

// An unsigned integer of any of the format's integer types.
std::optional<uint64_t> unsignedAt(const MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s d;
  if (!value(entry, path, d)) return std::nullopt;
  switch (d.type) {
    case MMDB_DATA_TYPE_UINT16:
      return d.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return d.uint32;
    case MMDB_DATA_TYPE_UINT64:
      return d.uint64;
    case MMDB_DATA_TYPE_INT32:
      if (d.int32 >= 0) return static_cast<uint64_t>(d.int32);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

// A coordinate as Cloudflare writes it: a string with 5 decimals.
std::optional<std::string> coordinateAt(const MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s d;
  if (!value(entry, path, d)) return std::nullopt;
  double v;
  if (d.type == MMDB_DATA_TYPE_DOUBLE)
    v = d.double_value;
  else if (d.type == MMDB_DATA_TYPE_FLOAT)
    v = d.float_value;
  else
    return std::nullopt;
  if (!(v >= -180.0 && v <= 180.0)) return std::nullopt;
  char text[32];
  std::snprintf(text, sizeof text, "%.5f", v);
  return std::string(text);
}

// Paths inside a record. A record is read in two steps: the top-level maps
// (each MMDB_aget_value scans the record from its start, skipping what comes
// before the key, so a record of GeoLite2 City with its names in eight
// languages costs about a microsecond per top-level key), then the fields
// inside each of them.
constexpr const char* kCountryMap[] = {"country", nullptr};
constexpr const char* kContinentMap[] = {"continent", nullptr};
constexpr const char* kCityMap[] = {"city", nullptr};
constexpr const char* kPostalMap[] = {"postal", nullptr};
constexpr const char* kLocationMap[] = {"location", nullptr};
constexpr const char* kRegionMap[] = {"subdivisions", "0", nullptr};
constexpr const char* kIsoCode[] = {"iso_code", nullptr};
constexpr const char* kInEu[] = {"is_in_european_union", nullptr};
constexpr const char* kCode[] = {"code", nullptr};
constexpr const char* kEnglishName[] = {"names", "en", nullptr};
constexpr const char* kLatitude[] = {"latitude", nullptr};
constexpr const char* kLongitude[] = {"longitude", nullptr};
constexpr const char* kTimeZone[] = {"time_zone", nullptr};
constexpr const char* kMetro[] = {"metro_code", nullptr};
constexpr const char* kAsn[] = {"autonomous_system_number", nullptr};
constexpr const char* kAsOrg[] = {"autonomous_system_organization", nullptr};

// The map at `path` as an entry to look further into.
std::optional<MMDB_entry_s> mapAt(const MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s d;
  if (!value(entry, path, d) || d.type != MMDB_DATA_TYPE_MAP) return std::nullopt;
  return MMDB_entry_s{entry.mmdb, d.offset};
}

void readCity(const MMDB_entry_s& e, GeoFields& f) {
  if (auto country = mapAt(e, kCountryMap)) {
    f.country = stringAt(*country, kIsoCode);
    if (f.country) {
      MMDB_entry_data_s d;
      if (value(*country, kInEu, d) && d.type == MMDB_DATA_TYPE_BOOLEAN) {
        if (d.boolean) f.isEUCountry = "1";
      } else if (isEuMember(*f.country)) {
        f.isEUCountry = "1";
      }
    }
  }
  if (auto continent = mapAt(e, kContinentMap)) f.continent = stringAt(*continent, kCode);
  if (auto city = mapAt(e, kCityMap)) f.city = stringAt(*city, kEnglishName);
  if (auto postal = mapAt(e, kPostalMap)) f.postalCode = stringAt(*postal, kCode);
  if (auto location = mapAt(e, kLocationMap)) {
    f.latitude = coordinateAt(*location, kLatitude);
    f.longitude = coordinateAt(*location, kLongitude);
    f.timezone = stringAt(*location, kTimeZone);
    if (auto metro = unsignedAt(*location, kMetro))
      f.metroCode = std::to_string(*metro);
    else
      f.metroCode = stringAt(*location, kMetro);
  }
  if (auto region = mapAt(e, kRegionMap)) {
    f.region = stringAt(*region, kEnglishName);
    f.regionCode = stringAt(*region, kIsoCode);
  }
}

void readAsn(const MMDB_entry_s& e, GeoFields& f) {
  if (auto n = unsignedAt(e, kAsn); n && *n <= UINT32_MAX) f.asn = static_cast<uint32_t>(*n);
  f.asOrganization = stringAt(e, kAsOrg);
}

// lookupJson's per-thread cache: the JSON of a (city record, ASN record)
// pair, by the records' offsets in their data sections (plus one, so 0 is
// "no record"). Direct-mapped: a colliding pair replaces the slot's.
struct CachedJson {
  uint64_t owner = 0;  // GeoIp::id_
  uint32_t city = 0, asn = 0;
  std::string json;
};
constexpr size_t kCacheSlots = 1024;
std::atomic<uint64_t> next_geoip_id{1};

// The entry for an address, if the database has one.
bool find(const MMDB_s& mmdb, const sockaddr_storage& address, MMDB_entry_s& entry) {
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s r =
      MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&address), &error);
  if (error != MMDB_SUCCESS || !r.found_entry) return false;
  entry = r.entry;
  return true;
}

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(c));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

std::unique_ptr<GeoIp::Db> GeoIp::openDb(const fs::path& path, bool asn) {
  const std::string name = path.string();
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw GeoIpError(asn, name + ": no such file");
  if (fs::is_directory(status))
    throw GeoIpError(asn, name + ": is a folder, not a MaxMind DB file (.mmdb)");
  if (fs::is_regular_file(status) && fs::file_size(path, ec) == 0 && !ec) {
    throw GeoIpError(asn, name + ": not a valid MaxMind DB file (.mmdb): the file is empty");
  }
  auto db = std::make_unique<GeoIp::Db>();
  errno = 0;
  int rc = MMDB_open(name.c_str(), MMDB_MODE_MMAP, &db->mmdb);
  if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) {
    int err = errno;
    throw GeoIpError(asn,
                     name + ": cannot read it: " + (err ? std::strerror(err) : MMDB_strerror(rc)));
  }
  if (rc != MMDB_SUCCESS) {
    throw GeoIpError(asn, name + ": not a valid MaxMind DB file (.mmdb): " + MMDB_strerror(rc));
  }
  db->opened = true;
  if (db->mmdb.metadata.database_type) db->type = db->mmdb.metadata.database_type;
  // MMDB_open checks the metadata and the sizes; a few lookups, fully
  // decoded, catch a damaged tree or data section now rather than as
  // silently missing fields later.
  for (const char* probe :
       {"1.1.1.1", "8.8.8.8", "81.2.69.160", "127.0.0.1", "2001:4860:4860::8888", "::1"}) {
    sockaddr_storage address;
    parseAddress(probe, address);
    if (address.ss_family == AF_INET6 && db->mmdb.metadata.ip_version != 6) continue;
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s r =
        MMDB_lookup_sockaddr(&db->mmdb, reinterpret_cast<const sockaddr*>(&address), &error);
    if (error == MMDB_SUCCESS && r.found_entry) {
      MMDB_entry_data_list_s* list = nullptr;
      error = MMDB_get_entry_data_list(&r.entry, &list);
      MMDB_free_entry_data_list(list);
    }
    if (error != MMDB_SUCCESS) {
      throw GeoIpError(asn, name + ": the MaxMind DB file is corrupt: " + MMDB_strerror(error));
    }
  }
  return db;
}

bool GeoFields::empty() const {
  return !country && !isEUCountry && !continent && !city && !postalCode && !latitude &&
         !longitude && !timezone && !region && !regionCode && !metroCode && !asn && !asOrganization;
}

std::string GeoFields::json() const {
  std::string out;
  auto add = [&](const char* key, const std::optional<std::string>& v) {
    if (!v) return;
    out += out.empty() ? "{\"" : ",\"";
    out += key;
    out += "\":";
    appendJsonString(out, *v);
  };
  add("country", country);
  add("isEUCountry", isEUCountry);
  add("continent", continent);
  add("city", city);
  add("postalCode", postalCode);
  add("latitude", latitude);
  add("longitude", longitude);
  add("timezone", timezone);
  add("region", region);
  add("regionCode", regionCode);
  add("metroCode", metroCode);
  if (asn) {
    out += out.empty() ? "{\"asn\":" : ",\"asn\":";
    out += std::to_string(*asn);
  }
  add("asOrganization", asOrganization);
  if (!out.empty()) out += '}';
  return out;
}

GeoIp::GeoIp() : id_(next_geoip_id.fetch_add(1, std::memory_order_relaxed)) {}
GeoIp::~GeoIp() = default;

std::shared_ptr<const GeoIp> GeoIp::open(const fs::path& city, const fs::path& asn) {
  if (city.empty() && asn.empty()) throw std::invalid_argument("GeoIp::open: no database");
  std::shared_ptr<GeoIp> g(new GeoIp());
  if (!city.empty()) {
    g->city_ = openDb(city, false);
    if (g->city_->type.find("ASN") != std::string::npos) {
      g->warnings_.push_back(
          city.string() + ": a " + g->city_->type +
          " database where a City or Country database belongs: request.cf gets no location "
          "fields from it");
    }
  }
  if (!asn.empty()) {
    g->asn_ = openDb(asn, true);
    const std::string& type = g->asn_->type;
    if (type.find("ASN") == std::string::npos && type.find("ISP") == std::string::npos) {
      g->warnings_.push_back(
          asn.string() + ": a " + (type.empty() ? std::string("untyped") : type) +
          " database where an ASN database belongs: request.cf gets asn and "
          "asOrganization from it only if it has autonomous_system_number fields");
    }
  }
  return g;
}

std::string GeoIp::describe() const {
  std::string out;
  for (const Db* db : {city_.get(), asn_.get()}) {
    if (!db) continue;
    char date[16] = "";
    time_t epoch = static_cast<time_t>(db->mmdb.metadata.build_epoch);
    tm parts;
    if (gmtime_r(&epoch, &parts)) std::strftime(date, sizeof date, "%Y-%m-%d", &parts);
    if (!out.empty()) out += ", ";
    out += std::string(db->mmdb.filename ? db->mmdb.filename : "?") + " (" +
           (db->type.empty() ? std::string("MaxMind DB") : db->type) + ", built " + date + ")";
  }
  return out;
}

std::string GeoIp::lookupJson(std::string_view ip) const {
  sockaddr_storage address;
  if (!parseAddress(ip, address)) return {};
  MMDB_entry_s city{}, asn{};
  uint32_t city_key = city_ && find(city_->mmdb, address, city) ? city.offset + 1 : 0;
  uint32_t asn_key = asn_ && find(asn_->mmdb, address, asn) ? asn.offset + 1 : 0;
  if (!city_key && !asn_key) return {};
  thread_local std::unique_ptr<CachedJson[]> cache;
  if (!cache) cache = std::make_unique<CachedJson[]>(kCacheSlots);
  CachedJson& slot = cache[(city_key * 0x9E3779B1u ^ asn_key * 0x85EBCA6Bu) % kCacheSlots];
  if (slot.owner != id_ || slot.city != city_key || slot.asn != asn_key) {
    GeoFields f;
    if (city_key) readCity(city, f);
    if (asn_key) readAsn(asn, f);
    slot.owner = id_;
    slot.city = city_key;
    slot.asn = asn_key;
    slot.json = f.json();
  }
  return slot.json;
}

GeoFields GeoIp::lookup(std::string_view ip) const {
  GeoFields f;
  sockaddr_storage address;
  if (!parseAddress(ip, address)) return f;
  MMDB_entry_s entry;
  if (city_ && find(city_->mmdb, address, entry)) readCity(entry, f);
  if (asn_ && find(asn_->mmdb, address, entry)) readAsn(entry, f);
  return f;
}

}  // namespace verge::edge
