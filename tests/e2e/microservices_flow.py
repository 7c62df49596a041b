#!/usr/bin/env python3
"""The whole product flow across the nine service processes, through the gateway only.

scripts/run-microservices.sh starts Redis and the nine services on free loopback ports; a real
local EVM node (ganache, tests/peers) holds the test ERC-721 (tests/fixtures/chain). Through the
gateway: a real tus-js-client uploads a generated clip, the transcoder packages it, its owner
gates it on ERC-721 token 1, a wallet holding the token signs in (SIWE text signed by ethers,
tests/support/auth/wallet_signer.js) and fetches the master playlist, a variant playlist and
every segment of one rendition (compared byte for byte with the packaged files), a wallet
without the token is refused, and the catalogue search finds the item. Every service's /metrics
passes `promtool check metrics`. Then one service is killed with SIGKILL: the gateway answers its
routes with 502/503 and lists it as down, and recovers once `start` has brought it back. `stop`
leaves no process and no listening port behind.

Usage: microservices_flow.py BUILD_DIR SOURCE_DIR
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

SERVICES = ["api-gateway", "upload", "transcoder", "streaming", "metadata", "cache", "auth",
            "worker", "monitor"]
# ganache --wallet.deterministic: accounts 0 (holds ERC-721 token 1), 1 (does not), 2 (uploads).
HOLDER_KEY = "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"
OTHER_KEY = "0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1"
OWNER_KEY = "0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c"
# The service killed and brought back, and a route the gateway sends to it.
VICTIM = os.environ.get("SG_E2E_VICTIM", "metadata")
# SG_E2E_DIRECT=1: talk to each service directly instead of through the gateway (to tell a
# gateway problem from a service problem); the gateway checks are then skipped.
DIRECT = os.environ.get("SG_E2E_DIRECT") == "1"
ROUTES = [("/api/v1/auth/", "auth"), ("/api/v1/tus/", "upload"), ("/api/v1/upload", "upload"),
          ("/api/v1/stream/", "streaming"), ("/stream/", "streaming"),
          ("/api/v1/metadata", "metadata"), ("/api/v1/cache/", "cache"), ("/api/v1/jobs/", "worker"),
          ("/api/v1/transcode/", "transcoder"), ("/api/v1/monitor/", "monitor")]

FAILURES = []


class Fatal(Exception):
    """A step the rest of the flow cannot go on without."""


def check(condition, what, detail=""):
    if condition:
        print(f"PASS  {what}", flush=True)
    else:
        print(f"FAIL  {what}" + (f"\n      {detail}" if detail else ""), flush=True)
        FAILURES.append(what)
    return condition


def require(condition, what, detail=""):
    if not check(condition, what, detail):
        raise Fatal(what)


def free_ports(count):
    """`count` distinct ports that were free a moment ago (all bound at once, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self):
        return self.body.decode("utf-8", "replace")


def request(port, method, target, body=None, headers=None, timeout=60):
    """One HTTP/1.1 exchange on a fresh connection; status 0 when nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = body
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, target, body=payload, headers=hdrs)
        response = conn.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()},
                        response.read())
    except OSError as error:
        return Response(0, {}, str(error).encode())
    finally:
        conn.close()


def bearer(token):
    return {"Authorization": "Bearer " + token}


def wait_until(what, probe, timeout=60, interval=0.2):
    """Calls probe() until it returns a truthy value; returns it, or None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            print(f"      gave up waiting for {what}", flush=True)
            return None
        time.sleep(interval)


def playlist_uris(text):
    """URI lines of a playlist and the URI="..." of its tags."""
    uris = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("#"):
            uris.append(line)
        elif 'URI="' in line:
            start = line.index('URI="') + 5
            uris.append(line[start:line.index('"', start)])
    return uris


class Flow:
    def __init__(self, build_dir, source_dir):
        self.build = os.path.abspath(build_dir)
        self.source = os.path.abspath(source_dir)
        self.peers = os.path.join(self.source, "tests", "peers", "node_modules")
        self.work = tempfile.mkdtemp(prefix="sg-micro-e2e-")
        self.run_dir = os.path.join(self.work, "run")
        self.script_path = os.path.join(self.source, "scripts", "run-microservices.sh")
        ports = free_ports(len(SERVICES) + 2)
        self.ports = dict(zip(SERVICES + ["redis"], ports))
        self.chain_port = ports[-1]
        self.gateway = self.ports["api-gateway"]
        self.chain = None
        self.started_pids = set()

    # --- peers -------------------------------------------------------------------------------

    def start_chain(self):
        self.chain = subprocess.Popen(
            [os.path.join(self.peers, ".bin", "ganache"), "--wallet.deterministic",
             "--server.host", "127.0.0.1", "--server.port", str(self.chain_port),
             "--chain.chainId", "1337", "--miner.instamine", "eager", "--logging.quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        rpc = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        require(wait_until("ganache", lambda: request(self.chain_port, "POST", "/", rpc).status
                           == 200, timeout=60), "ganache answers eth_chainId")
        out = subprocess.run(
            ["node", os.path.join(self.source, "tests", "fixtures", "chain",
                                  "deploy_contracts.mjs"), self.chain_url(), self.peers],
            capture_output=True, text=True, timeout=120)
        require(out.returncode == 0, "test ERC-721 deployed", out.stderr[-500:])
        self.erc721 = json.loads(out.stdout)["erc721"]

    def chain_url(self):
        return f"http://127.0.0.1:{self.chain_port}"

    def generate_clip(self):
        self.clip = os.path.join(self.work, "harbour.mp4")
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             "testsrc2=size=320x240:rate=24", "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:v", "libx264", "-preset",
             "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", self.clip],
            check=True, timeout=120)

    # --- the script --------------------------------------------------------------------------

    def script_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMGATE_", "SG_"))}
        env.update({
            "SG_RUN_DIR": self.run_dir,
            "SG_BUILD_DIR": self.build,
            "SG_READY_TIMEOUT": "90",
            # The settings of this test, shared by every service like any operator's.
            "STREAMGATE_CHAIN_RPC_URLS": f"1337={self.chain_url()}",
            "STREAMGATE_CHAIN_CACHE_TTL_S": "1",
            "STREAMGATE_CHAIN_NEGATIVE_CACHE_TTL_S": "1",
            "STREAMGATE_AUTH_ALLOWED_CHAIN_IDS": "1337",
            "STREAMGATE_TRANSCODE_LADDER": "240:400",
            "STREAMGATE_TRANSCODE_SEGMENT_SECONDS": "1",
            "STREAMGATE_TRANSCODE_PRESET": "ultrafast",
            "STREAMGATE_RUNTIME_IO_THREADS": "1",
            "STREAMGATE_RUNTIME_WORKER_THREADS": "3",
            "STREAMGATE_JOBS_WORKER_CONCURRENCY": "1",
            "STREAMGATE_UPLOAD_FSYNC": "false",
        })
        for name, port in self.ports.items():
            env["SG_PORT_" + name.upper().replace("-", "_")] = str(port)
        return env

    def script(self, *args, timeout=180):
        out = subprocess.run([self.script_path] + list(args), env=self.script_env(),
                             capture_output=True, text=True, timeout=timeout)
        return out.returncode, out.stdout + out.stderr

    def pid_of(self, name):
        try:
            with open(os.path.join(self.run_dir, "pids", name + ".pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def record_pids(self):
        for name in SERVICES + ["redis"]:
            pid = self.pid_of(name)
            if pid:
                self.started_pids.add(pid)

    def log_tail(self, name, lines=15):
        try:
            with open(os.path.join(self.run_dir, "logs", name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    # --- through the gateway -----------------------------------------------------------------

    def entry_port(self, target):
        if DIRECT:
            for prefix, service in ROUTES:
                if target.startswith(prefix):
                    return self.ports[service]
        return self.gateway

    def gw(self, method, target, body=None, headers=None, timeout=60):
        return request(self.entry_port(target), method, target, body, headers, timeout)

    def wallet(self, requests):
        path = os.path.join(self.work, "wallet.json")
        with open(path, "w") as f:
            json.dump(requests, f)
        out = subprocess.run(
            ["node", os.path.join(self.source, "tests", "support", "auth", "wallet_signer.js"),
             path], capture_output=True, text=True, timeout=60,
            env=dict(os.environ, STREAMGATE_TEST_PEERS_DIR=self.peers))
        if out.returncode != 0:
            require(False, "wallet_signer.js signs", out.stderr[-500:])
        return json.loads(out.stdout)

    def sign_in(self, key, label):
        address = self.wallet({"op": "personal", "key": key, "message": "probe"})["address"]
        challenge = self.gw("GET", f"/api/v1/auth/challenge?address={address}&chain=1337")
        require(challenge.status == 200, f"{label}: challenge through the gateway",
                f"{challenge.status} {challenge.text()[:300]}")
        message = challenge.json()["message"]
        signed = self.wallet({"op": "personal", "key": key, "message": message})
        session = self.gw("POST", "/api/v1/auth/verify-signature",
                          {"scheme": "siwe", "address": address, "message": message,
                           "signature": signed["signature"]})
        require(session.status == 200 and "token" in (session.json() or {}),
                f"{label}: SIWE sign-in through the gateway",
                f"{session.status} {session.text()[:300]}")
        return session.json()["token"]

    def upload(self, token):
        endpoint = f"http://127.0.0.1:{self.entry_port('/api/v1/tus/')}/api/v1/tus/"
        out = subprocess.run(
            ["node", os.path.join(self.source, "tests", "e2e", "tus_upload.js"), endpoint,
             self.clip, "harbour-sunrise.mp4"],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, NODE_PATH=self.peers, TUS_AUTHORIZATION="Bearer " + token))
        require(out.returncode == 0, "tus-js-client uploads through the gateway",
                out.stderr[-500:] + self.log_tail("upload"))
        url = json.loads(out.stdout)["url"]
        content_id = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        check(urllib.parse.urlsplit(url).port in (None, self.entry_port("/api/v1/tus/")),
              "the tus upload URL points at the gateway", url)
        return content_id

    def has_event_bus(self):
        """Whether the services can share events through Redis (events.backend=redis)."""
        binary = os.path.join(self.build, "services", "upload", "streamgate-upload")
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
        return "STREAMGATE_EVENTS_BACKEND" in out.stdout and "redis" in out.stdout

    def stream_info(self, content_id):
        return self.gw("GET", f"/api/v1/stream/info?content_id={content_id}")

    def wait_ready_item(self, content_id):
        known = wait_until("metadata to record the upload",
                           lambda: self.stream_info(content_id).status == 200, timeout=60)
        if not check(known, "upload.completed reached metadata (another process)",
                     self.log_tail("metadata")):
            return False

        def probe():
            info = self.stream_info(content_id)
            state = (info.json() or {}).get("state") if info.status == 200 else None
            if state == "failed":
                raise Fatal("transcode failed: " + info.text())
            return state == "ready"
        return wait_until("the item to be transcoded", probe, timeout=240, interval=0.5)

    # --- the flow ----------------------------------------------------------------------------

    def run(self):
        self.generate_clip()
        self.start_chain()

        rc, out = self.script("start")
        self.record_pids()
        require(rc == 0, "run-microservices.sh start: Redis and nine services ready", out)
        for name in SERVICES:
            check(self.pid_of(name) is not None, f"{name}: PID file written")
        rc, out = self.script("status")
        check(rc == 0 and out.count("running") == 10, "status: ten processes running", out)
        if not DIRECT:
            behind = [name for name in SERVICES if name != "api-gateway"]
            check(wait_until("the gateway to see every service up", lambda: all(
                (self.gateway_services() or {}).get(name) for name in behind), timeout=30),
                "GET /api/v1/gateway/services: the eight services up",
                str(self.gateway_services()))
        rc, again = self.script("start")
        check(rc == 0 and again.count("already running") == 10,
              "a second start is a no-op", again)

        owner = self.sign_in(OWNER_KEY, "owner")
        holder = self.sign_in(HOLDER_KEY, "holder")
        other = self.sign_in(OTHER_KEY, "other")

        content_id = self.upload(owner)
        if not self.has_event_bus():
            # Without a cross-process event bus nothing tells metadata and the transcoder about
            # the upload: only what does not depend on events can run.
            print("SKIP  transcode, gate, playback and search: this build has no "
                  "events.backend=redis (upload.completed cannot leave the upload process)")
            self.check_metrics()
            if not DIRECT:
                self.kill_and_recover(content_id)
            rc, out = self.script("stop")
            check(rc == 0, "run-microservices.sh stop", out)
            self.check_nothing_left()
            return
        require(self.wait_ready_item(content_id),
                "uploaded in the upload service, transcoded by the transcoder, ready in metadata",
                self.log_tail("transcoder") + self.log_tail("worker"))

        rule = {"chain": "1337", "standard": "erc721", "contract": self.erc721, "token_id": "1"}
        update = {"id": content_id, "gating_rule": rule}
        check(self.gw("PUT", "/api/v1/metadata/update", update, bearer(holder)).status == 403,
              "only the owner may gate the item")
        gated = self.gw("PUT", "/api/v1/metadata/update", update, bearer(owner))
        require(gated.status == 200, "the owner gates it on ERC-721 token 1",
                f"{gated.status} {gated.text()[:300]}")
        check((self.stream_info(content_id).json() or {}).get("gated") is True,
              "stream info says gated")

        hls = f"/api/v1/stream/hls?content_id={content_id}"
        check(self.gw("GET", hls).status == 401, "no session: 401")
        refused = self.gw("GET", hls, headers=dict(bearer(other), Accept="application/json"))
        check(refused.status == 403 and b"pt1." not in refused.body,
              "a wallet without the token: 403 and no playback token",
              f"{refused.status} {refused.text()[:200]}")
        start = self.gw("GET", hls, headers=dict(bearer(holder), Accept="application/json"))
        require(start.status == 200, "the holder passes the gate",
                f"{start.status} {start.text()[:300]}")
        master_url, token = start.json()["url"], start.json()["token"]
        self.play(content_id, master_url, token)

        found = self.gw("GET", "/api/v1/metadata/search?q=harbour")
        ids = [item.get("id") for item in (found.json() or {}).get("items", [])]
        check(found.status == 200 and content_id in ids, "catalogue search finds the item",
              f"{found.status} {found.text()[:300]}")

        self.check_metrics()
        if DIRECT:
            print("SKIP  gateway failover checks (SG_E2E_DIRECT=1)")
        else:
            self.kill_and_recover(content_id)

        rc, out = self.script("stop")
        check(rc == 0, "run-microservices.sh stop", out)
        self.check_nothing_left()

    def play(self, content_id, master_url, token):
        master = self.gw("GET", master_url)
        require(master.status == 200, "master playlist through the gateway",
                f"{master.status} {master.text()[:300]}")
        check(master.headers.get("content-type") == "application/vnd.apple.mpegurl",
              "master playlist content type", str(master.headers))
        variants = playlist_uris(master.text())
        require(variants, "master playlist lists variants", master.text())
        check(all("token=" + token in uri for uri in variants), "every variant URI carries the token")
        variant = variants[0]
        rendition = variant.split("/", 1)[0]
        base = f"/stream/{content_id}/{rendition}/"
        media = self.gw("GET", f"/stream/{content_id}/{variant}")
        require(media.status == 200, "variant playlist through the gateway",
                f"{media.status} {media.text()[:300]}")
        files = playlist_uris(media.text())
        require(len(files) >= 3, "init segment and at least two media segments", media.text())
        packaged = os.path.join(self.run_dir, "data", "objects", "media", content_id, rendition)
        same = 0
        for uri in files:
            got = self.gw("GET", base + uri)
            name = uri.split("?", 1)[0]
            try:
                with open(os.path.join(packaged, name), "rb") as f:
                    expected = f.read()
            except OSError:
                expected = None
            if got.status == 200 and expected is not None and got.body == expected:
                same += 1
            else:
                check(False, f"segment {name} byte-identical through the gateway",
                      f"status {got.status}, {len(got.body)} bytes, packaged "
                      f"{None if expected is None else len(expected)} bytes")
        check(same == len(files), f"all {len(files)} files of rendition {rendition} "
              "byte-identical to the packaged ones")
        segment = base + files[-1].split("?", 1)[0]
        check(self.gw("GET", segment).status == 401, "a segment without its token: 401")

    def check_metrics(self):
        for name in SERVICES:
            metrics = request(self.ports[name], "GET", "/metrics")
            if not check(metrics.status == 200 and
                         f'streamgate_build_info{{service="{name}"'.encode() in metrics.body,
                         f"{name}: /metrics answers with its build info",
                         f"{metrics.status} {metrics.text()[:200]}"):
                continue
            lint = subprocess.run(["promtool", "check", "metrics"], input=metrics.body,
                                  capture_output=True, timeout=60)
            check(lint.returncode == 0, f"{name}: promtool check metrics",
                  (lint.stdout + lint.stderr).decode(errors="replace")[-500:])

    def gateway_services(self):
        """{name: up?} from GET /api/v1/gateway/services, or None."""
        listing = self.gw("GET", "/api/v1/gateway/services", timeout=15)
        body = listing.json() if listing.status == 200 else None
        if body is None:
            return None
        entries = body.get("services", body) if isinstance(body, dict) else body
        result = {}
        if isinstance(entries, dict):
            entries = [dict(v, name=k) if isinstance(v, dict) else {"name": k, "status": v}
                       for k, v in entries.items()]
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or "name" not in entry:
                continue
            up = entry.get("up", entry.get("healthy"))
            if up is None:
                up = str(entry.get("status", entry.get("state", ""))).lower() in (
                    "up", "healthy", "ok", "ready")
            result[entry["name"]] = bool(up)
        return result

    def kill_and_recover(self, content_id):
        route = {"metadata": f"/api/v1/metadata?id={content_id}",
                 "streaming": f"/api/v1/stream/info?content_id={content_id}",
                 "auth": "/api/v1/auth/challenge?address=0x0000000000000000000000000000000000000001"
                         "&chain=1337",
                 }.get(VICTIM, f"/api/v1/{VICTIM}/status")
        before = self.gw("GET", route)
        check(before.status < 500, f"{VICTIM}: its route answers through the gateway",
              f"{before.status} {before.text()[:200]}")
        listing = self.gateway_services()
        require(listing is not None, "GET /api/v1/gateway/services lists the services")
        check(all(listing.get(name) for name in SERVICES if name != "api-gateway"),
              "the gateway sees every service up", str(listing))

        pid = self.pid_of(VICTIM)
        require(pid is not None, f"{VICTIM}: PID known")
        os.kill(pid, signal.SIGKILL)
        wait_until(f"{VICTIM} to die", lambda: not os.path.exists(f"/proc/{pid}") or
                   open(f"/proc/{pid}/stat").read().split()[2] == "Z", timeout=10)
        down = self.gw("GET", route)
        check(down.status in (502, 503), f"{VICTIM} killed: its route answers 502/503",
              f"{down.status} {down.text()[:200]}")
        check(self.gw("GET", "/health").status == 200, "the gateway itself stays healthy")
        check(wait_until("the gateway to list the victim down",
                         lambda: (self.gateway_services() or {}).get(VICTIM) is False,
                         timeout=30), f"{VICTIM} killed: /api/v1/gateway/services shows it down",
              str(self.gateway_services()))
        rc, out = self.script("status")
        check(rc == 3 and f"{VICTIM}" in out, "status reports the dead service (exit 3)", out)

        rc, out = self.script("start")
        self.record_pids()
        check(rc == 0 and out.count("already running") == 9,
              f"start again restarts only {VICTIM}", out)
        check(wait_until("the gateway to recover", lambda: self.gw("GET", route).status < 500,
                         timeout=30), f"{VICTIM} back: the gateway routes to it again")
        check(wait_until("the gateway to list the victim up",
                         lambda: (self.gateway_services() or {}).get(VICTIM) is True,
                         timeout=30), f"{VICTIM} back: /api/v1/gateway/services shows it up",
              str(self.gateway_services()))

    def check_nothing_left(self):
        alive = []
        for pid in sorted(self.started_pids):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().split()[2] != "Z":
                        alive.append(pid)
            except OSError:
                pass
        check(not alive, "stop leaves no process behind", f"alive: {alive}")
        listening = []
        for name, port in self.ports.items():
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    listening.append(f"{name}:{port}")
        check(not listening, "stop leaves no port listening", str(listening))
        pid_dir = os.path.join(self.run_dir, "pids")
        left = os.listdir(pid_dir) if os.path.isdir(pid_dir) else []
        check(not left, "stop removes the PID files", str(left))

    def cleanup(self):
        try:
            self.script("stop", timeout=120)
        except Exception as error:  # pylint: disable=broad-except
            print(f"      stop during cleanup failed: {error}")
        if self.chain is not None:
            try:
                os.killpg(self.chain.pid, signal.SIGKILL)
            except OSError:
                pass
            self.chain.wait()
        if FAILURES and os.environ.get("SG_E2E_KEEP"):
            print(f"      kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    flow = Flow(sys.argv[1], sys.argv[2])
    try:
        flow.run()
    except Fatal as error:
        print(f"stopped after a failed step: {error}")
        for name in SERVICES:
            print(f"--- {name} log tail ---\n{flow.log_tail(name, 8)}")
    finally:
        flow.cleanup()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
