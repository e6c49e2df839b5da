"""A real SeaweedFS object store on loopback for the benchmark's `--s3` mode: one `weed server` (master, volume
server, filer and S3 gateway in one process) on free loopback ports, its data and logs in a temporary folder, its
S3 gateway checking SigV4 signatures against one identity with a random secret. The flags are those of
Tests/ArchiverTestSupport/SeaweedFS.swift (weed 4.48). `close()` kills the process group and removes every file.
"""
import json, os, random, shutil, signal, socket, subprocess, tempfile, time, urllib.error, urllib.parse, urllib.request, uuid
import xml.etree.ElementTree as ET

REGION = "us-east-1"


def free_port(taken):
    """A free loopback port below Linux's ephemeral range (32768 and up), so that no outgoing connection takes it
    before `weed` binds it."""
    for _ in range(200):
        port = random.randrange(10000, 32768)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError("no free loopback port below 32768")


class SeaweedFS:
    def __init__(self, work, bucket):
        self.base = tempfile.mkdtemp(prefix="bench-seaweedfs-", dir=work)
        self.bucket = bucket
        self.access_key = "bench-s3"
        self.secret_key = "secret-" + uuid.uuid4().hex  # never printed
        taken = set()
        names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc"]
        self.ports = {name: free_port(taken) for name in names}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        identities = {"identities": [{"name": "bench",
                                      "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        with open(os.path.join(self.base, "identities.json"), "w") as f:
            json.dump(identities, f)
        for sub in ("data", "tmp"):
            os.makedirs(os.path.join(self.base, sub))
        p = self.ports
        args = ["weed", "server", f"-dir={self.base}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}", "-master.telemetry=false",
                # Volumes of 1 GiB, 100 at most: room for every run of a shape (the tests' 64 MiB volumes would
                # hold 6.4 GB, less than 3 pairs of the medium shape), and fewer volumes grown during a run.
                "-master.volumeSizeLimitMB=1024",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}", "-volume.max=100",
                "-volume.preStopSeconds=0",
                "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
                f"-filer.localSocket={self.base}/filer.sock",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
                f"-s3.config={self.base}/identities.json", f"-s3.localSocket={self.base}/s3.sock",
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.autoCreateBucket=false"]
        self.log = open(os.path.join(self.base, "weed-server.log"), "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                        env=dict(os.environ, TMPDIR=os.path.join(self.base, "tmp")))
        try:
            self._wait_until_ready()
            self._create_bucket()
        except BaseException:
            self.close()
            raise

    def _wait_until_ready(self):
        """Until the S3 gateway answers HTTP (any status) and the master counts its volume server."""
        deadline = time.time() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server ended while starting; see the end of its log:\n{self._tail()}")
            if self._answers(f"{self.endpoint}/") and '"PublicUrl"' in (
                    self._answers(f"http://127.0.0.1:{self.ports['master']}/dir/status") or ""):
                return
            if time.time() > deadline:
                raise RuntimeError(f"SeaweedFS not ready after 60 s; the end of its log:\n{self._tail()}")
            time.sleep(0.1)

    @staticmethod
    def _answers(url):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.read().decode(errors="replace") or "-"
        except OSError:
            return None

    def _tail(self):
        self.log.flush()
        return "".join(open(self.log.name, errors="replace").readlines()[-20:])

    def curl_signing(self):
        """curl's options that sign a request for this store (the secret is on the command line, never printed)."""
        return ["--aws-sigv4", f"aws:amz:{REGION}:s3", "--user", f"{self.access_key}:{self.secret_key}",
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]

    def _create_bucket(self):
        subprocess.run(["curl", "-sS", "--fail", "-X", "PUT", f"{self.endpoint}/{self.bucket}"] + self.curl_signing(),
                       check=True, stdout=subprocess.DEVNULL)

    def list_objects(self, prefix):
        """{key: size} of every object under prefix (ListObjectsV2, page after page)."""
        objects, token = {}, None
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        while True:
            query = ["list-type=2", f"prefix={urllib.parse.quote(prefix, safe='')}", "max-keys=1000"]
            if token:
                query.append(f"continuation-token={urllib.parse.quote(token, safe='')}")
            r = subprocess.run(["curl", "-sS", "--fail", f"{self.endpoint}/{self.bucket}?{'&'.join(sorted(query))}"]
                               + self.curl_signing(), check=True, capture_output=True)
            root = ET.fromstring(r.stdout)
            for c in root.iter(f"{ns}Contents"):
                objects[c.find(f"{ns}Key").text] = int(c.find(f"{ns}Size").text)
            if root.findtext(f"{ns}IsTruncated") != "true":
                return objects
            token = root.findtext(f"{ns}NextContinuationToken")

    def cpu_seconds(self):
        """The CPU time `weed server` has used so far (user + system, its threads included)."""
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # a graceful weed stop takes ~35 s
        self.process.wait()
        self.log.close()
        for name in ("master", "volume", "filer", "s3"):
            try:
                os.unlink(f"/tmp/seaweedfs-{name}-grpc-{self.ports[name + '_grpc']}.sock")
            except OSError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)
