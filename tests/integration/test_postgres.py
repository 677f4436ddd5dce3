"""A real PostgreSQL driver (npm `pg`, through pg-cloudflare and
cloudflare:sockets) against a real PostgreSQL server (Debian's
`postgresql`): the worker creates a table, inserts and selects rows, and the
answers are checked over HTTP. Authentication is SCRAM-SHA-256 only, so the
driver's WebCrypto path (PBKDF2, HMAC, SHA-256) runs too; a second session
asks for TLS, which pg starts with startTls() after its SSLRequest.

The server runs as `nobody` (PostgreSQL refuses root) in a temporary
directory, on a free loopback port, and is stopped by PID."""
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from urllib.parse import quote

from harness import ROOT, dev, free_port, request, test_certificates

APP = os.path.join(ROOT, "tests", "fixtures", "postgres-app")
PASSWORD = "s3cret-verge"


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return os.path.dirname(found[-1]) if found else None


class PostgresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bindir = postgres_bin()
        if not bindir:
            raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package): run scripts/setup.sh")
        if not os.path.isdir(os.path.join(ROOT, "tests", "node_modules", "pg")):
            raise RuntimeError("pg is not installed in tests/node_modules: run scripts/setup.sh")
        cls.tmp = tempfile.mkdtemp(prefix="verge-pg-")
        os.chmod(cls.tmp, 0o755)
        data = os.path.join(cls.tmp, "data")
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.getuid() == 0 else []
        pwfile = os.path.join(cls.tmp, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        # TLS: a test CA verge trusts through SSL_CERT_FILE, and a server
        # certificate for "localhost".
        cls.certs = test_certificates(cls.tmp)
        if as_nobody:
            for name in os.listdir(cls.tmp):
                shutil.chown(os.path.join(cls.tmp, name), "nobody", "nogroup")
            shutil.chown(cls.tmp, "nobody", "nogroup")
        os.chmod(cls.certs["key"], 0o600)
        subprocess.run(as_nobody + [os.path.join(bindir, "initdb"), "-D", data, "-U", "verge", "--pwfile", pwfile,
                                    "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8"],
                       check=True, capture_output=True)
        cls.port = free_port()
        cls.log = open(os.path.join(cls.tmp, "postgres.log"), "w")
        # setpriv execs postgres itself, so this PID is the postmaster's.
        cls.server = subprocess.Popen(
            as_nobody + [os.path.join(bindir, "postgres"), "-D", data, "-p", str(cls.port),
                         "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + cls.tmp,
                         "-c", "password_encryption=scram-sha-256", "-c", "ssl=on",
                         "-c", "ssl_cert_file=" + cls.certs["cert"],
                         "-c", "ssl_key_file=" + cls.certs["key"]],
            stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            r = subprocess.run([os.path.join(bindir, "pg_isready"), "-h", "127.0.0.1", "-p", str(cls.port)],
                               capture_output=True)
            if r.returncode == 0:
                break
            if time.time() > deadline or cls.server.poll() is not None:
                cls.stop_server()
                raise RuntimeError("PostgreSQL did not start: " + open(os.path.join(cls.tmp, "postgres.log")).read())
            time.sleep(0.2)
        cls.state = tempfile.mkdtemp(prefix="verge-pg-state-")
        url = "postgres://verge@localhost:%d/postgres" % cls.port
        cls.v = dev(APP, "--persist-to", cls.state, "--var", "DATABASE_URL:" + url,
                    env={"SSL_CERT_FILE": cls.certs["ca"]})

    @classmethod
    def stop_server(cls):
        if cls.server.poll() is None:
            cls.server.send_signal(signal.SIGINT)  # fast shutdown
            try:
                cls.server.wait(20)
            except subprocess.TimeoutExpired:
                cls.server.kill()
                cls.server.wait()
        cls.log.close()

    @classmethod
    def tearDownClass(cls):
        cls.v.stop()
        cls.stop_server()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.state, ignore_errors=True)

    def call(self, path):
        sep = "&" if "?" in path else "?"
        status, _, body = request(self.v.port, path=path + sep + "password=" + quote(PASSWORD), timeout=60)
        return status, json.loads(body)

    def test_create_insert_select(self):
        status, r = self.call("/setup")
        self.assertEqual(status, 200, r)
        self.assertEqual(r, {"inserted": [1, 2, 3]})
        status, r = self.call("/rows")
        self.assertEqual(status, 200, r)
        self.assertEqual(r, {"count": 3, "rows": [
            {"id": 1, "title": "first", "stars": 3},
            {"id": 2, "title": "zweite ✓", "stars": 5},
            {"id": 3, "title": "o'quote", "stars": None},
        ]})

    def test_session_over_tls(self):
        status, r = self.call("/info?ssl=1")
        self.assertEqual(status, 200, r)
        self.assertEqual(r, {"user": "verge", "ssl": True, "many": 20000})
        status, r = self.call("/info")
        self.assertEqual(r, {"user": "verge", "ssl": False, "many": 20000})

    def test_large_result(self):
        status, r = self.call("/big")
        self.assertEqual((status, r), (200, {"count": 5000, "last": 5000}))

    def test_wrong_password_is_refused_by_the_server(self):
        status, _, body = request(self.v.port, path="/rows?password=wrong", timeout=60)
        r = json.loads(body)
        self.assertEqual(status, 500)
        self.assertIn('password authentication failed for user "verge"', r["error"])
        self.assertEqual(r["code"], "28P01")


if __name__ == "__main__":
    unittest.main()
