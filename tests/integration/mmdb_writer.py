"""A small writer of MaxMind DB files (.mmdb), for tests.

The format (MaxMind DB File Format Specification, version 2.0) is a binary
search tree over the bits of an address, a 16-byte separator, a data section
of typed values, and a metadata map after the marker b"\\xab\\xcd\\xefMaxMind.com".
This writes IPv4 or IPv6 trees with 24-, 28- or 32-bit records; IPv4
networks in an IPv6 tree go under ::/96, where readers (libmaxminddb) look
IPv4 addresses up.

    w = MMDBWriter(database_type="GeoLite2-City")
    w.insert("127.0.0.1/32", {"country": {"iso_code": "DE"}, "location": {"latitude": 52.5}})
    w.write("city.mmdb")

Python values map to MaxMind types: str -> utf8_string, bool -> boolean,
float -> double, int -> uint32 (uint64 when larger, int32 when negative),
dict -> map, list -> array, bytes -> bytes. Uint16(...), Uint32(...),
Uint64(...), Int32(...) and Float(...) pick a type explicitly, as MaxMind's
own databases do (metro_code is a uint16, autonomous_system_number a uint32).

Run as a script, it writes the databases the tests use into a folder:
    python3 mmdb_writer.py OUTDIR
"""
import ipaddress
import os
import struct
import sys
import time

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"

# Data section types.
T_POINTER, T_UTF8, T_DOUBLE, T_BYTES, T_UINT16, T_UINT32, T_MAP = 1, 2, 3, 4, 5, 6, 7
T_INT32, T_UINT64, T_UINT128, T_ARRAY, T_BOOLEAN, T_FLOAT = 8, 9, 10, 11, 14, 15


class _Typed:
    def __init__(self, value):
        self.value = value


class Uint16(_Typed):
    kind = T_UINT16


class Uint32(_Typed):
    kind = T_UINT32


class Uint64(_Typed):
    kind = T_UINT64


class Int32(_Typed):
    kind = T_INT32


class Float(_Typed):
    kind = T_FLOAT


def _control(kind, size):
    """The control byte(s) of a field: type and size."""
    if size < 29:
        first, extra = size, b""
    elif size < 29 + 256:
        first, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        first, extra = 30, struct.pack(">H", size - 285)
    else:
        first, extra = 31, struct.pack(">I", size - 65821)[1:]
    if kind <= 7:
        return bytes([(kind << 5) | first]) + extra
    return bytes([first, kind - 7]) + extra


def _uint(kind, value, max_bytes):
    if value < 0 or value >= 1 << (8 * max_bytes):
        raise ValueError("%d does not fit type %d" % (value, kind))
    payload = value.to_bytes(max_bytes, "big").lstrip(b"\0")
    return _control(kind, len(payload)) + payload


def encode(value):
    """One value of the data section (no pointers: every value inline)."""
    if isinstance(value, _Typed):
        if value.kind == T_FLOAT:
            return _control(T_FLOAT, 4) + struct.pack(">f", value.value)
        if value.kind == T_INT32:
            payload = struct.pack(">i", value.value).lstrip(b"\0") if value.value >= 0 else struct.pack(">i", value.value)
            return _control(T_INT32, len(payload)) + payload
        return _uint(value.kind, value.value, {T_UINT16: 2, T_UINT32: 4, T_UINT64: 8}[value.kind])
    if isinstance(value, bool):
        return _control(T_BOOLEAN, 1 if value else 0)
    if isinstance(value, int):
        if value < 0:
            return encode(Int32(value))
        return _uint(T_UINT32, value, 4) if value < 1 << 32 else _uint(T_UINT64, value, 8)
    if isinstance(value, float):
        return _control(T_DOUBLE, 8) + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _control(T_UTF8, len(data)) + data
    if isinstance(value, bytes):
        return _control(T_BYTES, len(value)) + value
    if isinstance(value, dict):
        out = _control(T_MAP, len(value))
        for k, v in value.items():
            out += encode(str(k)) + encode(v)
        return out
    if isinstance(value, (list, tuple)):
        out = _control(T_ARRAY, len(value))
        for v in value:
            out += encode(v)
        return out
    raise TypeError("cannot encode %r" % (value,))


class _Node:
    __slots__ = ("children",)

    def __init__(self):
        self.children = [None, None]  # each None (empty), a _Node, or ("data", index)


class MMDBWriter:
    def __init__(self, database_type="Test", ip_version=6, record_size=24, languages=("en",),
                 description=None):
        if ip_version not in (4, 6) or record_size not in (24, 28, 32):
            raise ValueError("ip_version 4 or 6, record_size 24, 28 or 32")
        self.database_type = database_type
        self.ip_version = ip_version
        self.record_size = record_size
        self.languages = list(languages)
        self.description = description or {"en": "verge test database"}
        self.root = _Node()
        self.data = []  # distinct records, in insertion order

    def insert(self, network, record):
        """Maps every address of `network` ("1.2.3.0/24", "::1/128", a bare
        address) to `record`; a later, more specific network overrides part
        of an earlier one, a less specific one replaces what it covers."""
        net = ipaddress.ip_network(network, strict=False)
        bits, length = int(net.network_address), net.prefixlen
        total = 32 if self.ip_version == 4 else 128
        if net.version == 6 and self.ip_version == 4:
            raise ValueError("%s: an IPv6 network in an IPv4 database" % network)
        width = 32 if net.version == 4 else 128
        if net.version == 4 and self.ip_version == 6:
            length += 96  # ::a.b.c.d
        if length == 0:
            raise ValueError("cannot insert the whole address space")
        leaf = ("data", self._record_index(record))
        node = self.root
        for depth in range(length):
            bit = (bits >> (width - 1 - (depth - (total - width)))) & 1 if depth >= total - width else 0
            if depth == length - 1:
                node.children[bit] = leaf
                return
            child = node.children[bit]
            if not isinstance(child, _Node):
                # Empty, or a record of a larger network: split it.
                split = _Node()
                split.children = [child, child]
                node.children[bit] = split
                child = split
            node = child

    def _record_index(self, record):
        for i, r in enumerate(self.data):
            if r is record:
                return i
        self.data.append(record)
        return len(self.data) - 1

    def build(self):
        # Number the nodes breadth-first; the root is node 0.
        nodes, queue = [], [self.root]
        while queue:
            n = queue.pop(0)
            nodes.append(n)
            queue.extend(c for c in n.children if isinstance(c, _Node))
        index = {id(n): i for i, n in enumerate(nodes)}
        node_count = len(nodes)
        data_section, offsets = b"", []
        for r in self.data:
            offsets.append(len(data_section))
            data_section += encode(r)

        def record_value(child):
            if child is None:
                return node_count
            if isinstance(child, _Node):
                return index[id(child)]
            return node_count + 16 + offsets[child[1]]

        tree = bytearray()
        for n in nodes:
            left, right = (record_value(c) for c in n.children)
            if max(left, right) >= 1 << self.record_size:
                raise ValueError("database too large for %d-bit records" % self.record_size)
            if self.record_size == 24:
                tree += left.to_bytes(3, "big") + right.to_bytes(3, "big")
            elif self.record_size == 28:
                middle = ((left >> 24) << 4) | (right >> 24)
                tree += (left & 0xFFFFFF).to_bytes(3, "big") + bytes([middle]) + (right & 0xFFFFFF).to_bytes(3, "big")
            else:
                tree += left.to_bytes(4, "big") + right.to_bytes(4, "big")
        metadata = {
            "node_count": Uint32(node_count),
            "record_size": Uint16(self.record_size),
            "ip_version": Uint16(self.ip_version),
            "database_type": self.database_type,
            "languages": self.languages,
            "binary_format_major_version": Uint16(2),
            "binary_format_minor_version": Uint16(0),
            "build_epoch": Uint64(int(time.time())),
            "description": self.description,
        }
        return bytes(tree) + b"\0" * 16 + data_section + METADATA_MARKER + encode(metadata)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.build())
        return path


# ---- the databases the tests use (tests/integration/test_geoip.py and
# src/edge/geoip_test.cc) ----

BERLIN = {
    "city": {"geoname_id": Uint32(2950159), "names": {"de": "Berlin", "en": "Berlin"}},
    "continent": {"code": "EU", "geoname_id": Uint32(6255148), "names": {"en": "Europe"}},
    "country": {"geoname_id": Uint32(2921044), "is_in_european_union": True, "iso_code": "DE",
                "names": {"en": "Germany"}},
    "location": {"accuracy_radius": Uint16(20), "latitude": 52.5244, "longitude": 13.4105,
                 "time_zone": "Europe/Berlin"},
    "postal": {"code": "10178"},
    "registered_country": {"geoname_id": Uint32(2921044), "is_in_european_union": True, "iso_code": "DE",
                           "names": {"en": "Germany"}},
    "subdivisions": [{"geoname_id": Uint32(2950157), "iso_code": "BE", "names": {"en": "Land Berlin"}}],
}

AUSTIN = {
    "city": {"names": {"en": "Austin"}},
    "continent": {"code": "NA", "names": {"en": "North America"}},
    "country": {"iso_code": "US", "names": {"en": "United States"}},
    "location": {"latitude": 30.2713, "longitude": -97.7426, "metro_code": Uint16(635),
                 "time_zone": "America/Chicago"},
    "postal": {"code": "78701"},
    "subdivisions": [{"iso_code": "TX", "names": {"en": "Texas"}}],
}

# Only a country, and no is_in_european_union flag (GeoLite2 leaves it out
# when false): everything else must be absent from request.cf.
COUNTRY_ONLY = {"country": {"iso_code": "GB", "names": {"en": "United Kingdom"}}}

# A country whose record lacks the EU flag although it is in the EU: the
# reader knows the EU's members itself.
FRANCE_NO_FLAG = {"country": {"iso_code": "FR"}, "continent": {"code": "EU"}}


def write_test_dbs(folder):
    """Writes city.mmdb and asn.mmdb (IPv6 trees, as GeoLite2's) into
    `folder` and returns their paths:
      127.0.0.1        Berlin, DE (every field); AS64500 "Example Transit"
      127.0.0.2        GB only; no ASN
      127.0.0.3        in neither database
      127.0.0.4        FR without the EU flag; AS4200000000 (a 32-bit ASN, no organisation)
      ::1              Austin, US (with a metro code); AS64501 "Example IPv6"
      192.0.2.0/24     Austin; 192.0.2.128/25 Berlin (a more specific network)
    """
    os.makedirs(folder, exist_ok=True)
    city = MMDBWriter(database_type="GeoLite2-City", languages=("de", "en"))
    city.insert("127.0.0.1/32", BERLIN)
    city.insert("127.0.0.2/32", COUNTRY_ONLY)
    city.insert("127.0.0.4/32", FRANCE_NO_FLAG)
    city.insert("::1/128", AUSTIN)
    city.insert("192.0.2.0/24", AUSTIN)
    city.insert("192.0.2.128/25", BERLIN)
    asn = MMDBWriter(database_type="GeoLite2-ASN", record_size=28)
    asn.insert("127.0.0.1/32", {"autonomous_system_number": Uint32(64500),
                                "autonomous_system_organization": "Example Transit"})
    asn.insert("127.0.0.4/32", {"autonomous_system_number": Uint32(4200000000)})
    asn.insert("::1/128", {"autonomous_system_number": Uint32(64501),
                           "autonomous_system_organization": "Example IPv6"})
    return (city.write(os.path.join(folder, "city.mmdb")), asn.write(os.path.join(folder, "asn.mmdb")))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mmdb_writer.py OUTDIR")
    for p in write_test_dbs(sys.argv[1]):
        print(p)
