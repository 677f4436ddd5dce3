"""request.cf geolocation from MaxMind DB files (server.geoip_database,
server.geoip_asn_database; verge dev --geoip-database): the databases are
written at test time by mmdb_writer.py, and requests come from different
loopback addresses (127.0.0.1, .2, .3, ::1), which the test databases map
to different places."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import mmdb_writer
from harness import VERGE, Verge, dev, serve_config, worker_dir

WORKER = """export default {
  fetch(request) {
    return new Response(JSON.stringify({cf: request.cf, ip: request.headers.get("cf-connecting-ip")}),
                        {headers: {"content-type": "application/json"}});
  },
};
"""

GEO_KEYS = {"country", "isEUCountry", "continent", "city", "postalCode", "latitude", "longitude", "timezone",
            "region", "regionCode", "metroCode", "asn", "asOrganization"}


def fetch_cf(port, source="127.0.0.1", host="127.0.0.1"):
    """request.cf and cf-connecting-ip as the worker saw them, for a request
    sent from the loopback address `source`."""
    conn = http.client.HTTPConnection(host, port, timeout=30, source_address=(source, 0))
    conn.request("GET", "/", headers={"Host": "geo.test"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200:
        raise AssertionError("status %d: %r" % (resp.status, body))
    data = json.loads(body)
    return data["cf"], data["ip"]


def has_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


class GeoIpServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="verge-geoip-")
        # In a folder of their own, named relative to the config file.
        mmdb_writer.write_test_dbs(os.path.join(cls.tmp, "geo"))
        cls.worker = worker_dir(WORKER)
        cls.v = serve_config("""
[server]
listen = "127.0.0.1:0"
threads = 2
geoip_database = "geo/city.mmdb"
geoip_asn_database = "geo/asn.mmdb"
[[workers]]
path = "%s"
routes = ["*"]
""" % cls.worker, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.worker, ignore_errors=True)

    def test_every_field_for_a_known_address(self):
        cf, ip = fetch_cf(self.v.port, "127.0.0.1")
        self.assertEqual(ip, "127.0.0.1")
        geo = {k: val for k, val in cf.items() if k in GEO_KEYS}
        self.assertEqual(geo, {
            "country": "DE", "isEUCountry": "1", "continent": "EU", "city": "Berlin", "postalCode": "10178",
            "latitude": "52.52440", "longitude": "13.41050", "timezone": "Europe/Berlin",
            "region": "Land Berlin", "regionCode": "BE", "asn": 64500, "asOrganization": "Example Transit",
        })
        # Cloudflare's types: coordinates are strings, asn a number.
        self.assertIsInstance(cf["latitude"], str)
        self.assertIsInstance(cf["asn"], int)
        # The other fields are still there.
        self.assertEqual(cf["colo"], "LOCAL")
        self.assertEqual(cf["httpProtocol"], "HTTP/1.1")

    def test_fields_the_record_lacks_are_absent(self):
        cf, ip = fetch_cf(self.v.port, "127.0.0.2")
        self.assertEqual(ip, "127.0.0.2")
        self.assertEqual({k: val for k, val in cf.items() if k in GEO_KEYS}, {"country": "GB"})
        # A country of the EU without MaxMind's flag in its record.
        cf, _ = fetch_cf(self.v.port, "127.0.0.4")
        self.assertEqual({k: val for k, val in cf.items() if k in GEO_KEYS},
                         {"country": "FR", "isEUCountry": "1", "continent": "EU", "asn": 4200000000})

    def test_an_address_in_no_database_has_no_geo_fields(self):
        cf, ip = fetch_cf(self.v.port, "127.0.0.3")
        self.assertEqual(ip, "127.0.0.3")
        self.assertEqual(set(cf) & GEO_KEYS, set())
        self.assertEqual(cf["colo"], "LOCAL")

    def test_each_request_gets_its_own_client(self):
        # Alternating clients on the same threads: nothing carries over.
        for _ in range(3):
            for source, country in (("127.0.0.1", "DE"), ("127.0.0.3", None), ("127.0.0.2", "GB")):
                cf, _ = fetch_cf(self.v.port, source)
                self.assertEqual(cf.get("country"), country, source)

    def test_start_up_names_the_databases(self):
        self.assertIn("request.cf geolocation from ", self.v.stderr())
        self.assertIn("(GeoLite2-City, built ", self.v.stderr())


class GeoIpAbsentTest(unittest.TestCase):
    def test_without_a_database_there_are_no_geo_fields(self):
        tmp = tempfile.mkdtemp(prefix="verge-geoip-")
        worker = worker_dir(WORKER)
        v = serve_config('[server]\nlisten = "127.0.0.1:0"\nthreads = 1\n[[workers]]\npath = "%s"\nroutes = ["*"]\n'
                         % worker, tmp)
        try:
            for source in ("127.0.0.1", "127.0.0.2"):
                cf, ip = fetch_cf(v.port, source)
                self.assertEqual(ip, source)
                self.assertEqual(set(cf) & GEO_KEYS, set())
                self.assertEqual(cf["colo"], "LOCAL")
        finally:
            v.stop()
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(worker, ignore_errors=True)


class GeoIpStartUpFailureTest(unittest.TestCase):
    """A database that cannot be used stops the start-up with one line that
    names the config file, the key, the database file and the problem."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="verge-geoip-")
        self.worker = worker_dir(WORKER)
        self.city, self.asn = mmdb_writer.write_test_dbs(os.path.join(self.tmp, "geo"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.worker, ignore_errors=True)

    def serve(self, server_lines):
        path = os.path.join(self.tmp, "node.toml")
        with open(path, "w") as f:
            f.write('[server]\nlisten = "127.0.0.1:0"\ndata_dir = "data"\n%s\n[[workers]]\npath = "%s"\n'
                    'routes = ["*"]\n' % (server_lines, self.worker))
        p = subprocess.run([VERGE, "serve", "--config", path], capture_output=True, text=True, timeout=60)
        return p, path

    def test_corrupt_database(self):
        bad = os.path.join(self.tmp, "corrupt.mmdb")
        with open(bad, "wb") as f:
            f.write(os.urandom(4096))
        p, path = self.serve('geoip_database = "corrupt.mmdb"')
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("verge: %s: 'server.geoip_database': %s: not a valid MaxMind DB file (.mmdb): "
                      "The MaxMind DB file contains invalid metadata" % (path, bad), p.stderr)
        self.assertNotIn("listening on", p.stderr)

    def test_truncated_database(self):
        with open(self.city, "rb") as f:
            data = f.read()
        cut = os.path.join(self.tmp, "cut.mmdb")
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2])
        p, path = self.serve('geoip_database = "%s"' % cut)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("'server.geoip_database': %s: not a valid MaxMind DB file (.mmdb)" % cut, p.stderr)

    def test_missing_asn_database(self):
        p, path = self.serve('geoip_database = "geo/city.mmdb"\ngeoip_asn_database = "geo/nope.mmdb"')
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("verge: %s: 'server.geoip_asn_database': %s: no such file"
                      % (path, os.path.join(self.tmp, "geo", "nope.mmdb")), p.stderr)

    def test_not_a_string(self):
        p, path = self.serve("geoip_database = 3")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("'server.geoip_database': must be the path of a MaxMind DB file (.mmdb)", p.stderr)

    def test_dev_flag_with_a_corrupt_database(self):
        bad = os.path.join(self.tmp, "corrupt.mmdb")
        with open(bad, "wb") as f:
            f.write(b"\0" * 100)
        p = subprocess.run([VERGE, "dev", self.worker, "--port", "0", "--geoip-database", bad],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("verge: --geoip-database %s: not a valid MaxMind DB file (.mmdb)" % bad, p.stderr)


class GeoIpDevTest(unittest.TestCase):
    def test_dev_flags(self):
        tmp = tempfile.mkdtemp(prefix="verge-geoip-")
        worker = worker_dir(WORKER)
        city, asn = mmdb_writer.write_test_dbs(tmp)
        v = dev(worker, "--geoip-database", city, "--geoip-asn-database", asn)
        try:
            cf, _ = fetch_cf(v.port, "127.0.0.1")
            self.assertEqual((cf["country"], cf["city"], cf["asn"]), ("DE", "Berlin", 64500))
            cf, _ = fetch_cf(v.port, "127.0.0.3")
            self.assertEqual(set(cf) & GEO_KEYS, set())
        finally:
            v.stop()
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(worker, ignore_errors=True)

    @unittest.skipUnless(has_ipv6_loopback(), "no IPv6 loopback")
    def test_ipv6_client(self):
        tmp = tempfile.mkdtemp(prefix="verge-geoip-")
        worker = worker_dir(WORKER)
        city, asn = mmdb_writer.write_test_dbs(tmp)
        v = Verge(["dev", worker, "--port", "0", "--ip", "::1", "--geoip-database", city,
                   "--geoip-asn-database", asn], ready=r"(ready on) http://(\[::1\]):(\d+)")
        try:
            cf, ip = fetch_cf(v.port, "::1", host="::1")
            self.assertEqual(ip, "::1")
            self.assertEqual({k: val for k, val in cf.items() if k in GEO_KEYS}, {
                "country": "US", "continent": "NA", "city": "Austin", "postalCode": "78701",
                "latitude": "30.27130", "longitude": "-97.74260", "timezone": "America/Chicago",
                "region": "Texas", "regionCode": "TX", "metroCode": "635", "asn": 64501,
                "asOrganization": "Example IPv6",
            })
        finally:
            v.stop()
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(worker, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
