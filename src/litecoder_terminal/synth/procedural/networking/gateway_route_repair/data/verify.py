"""Boot the pristine stack (programs from the image) with the agent's route table, then send requests through the
gateway and check which service each reaches and the path it receives."""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import lct_verify
import pytest

EXP = lct_verify.expected()  # probes, backend ports and the gateway port, kept on the verifier side only
ROUTES = "/etc/gateway/routes.conf"
GW = "http://127.0.0.1:%d" % EXP["gateway_port"]


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture(scope="module", autouse=True)
def stack():
    assert os.path.isfile(ROUTES) and not os.path.islink(ROUTES), f"{ROUTES} is missing or not a regular file"
    subprocess.run(["/usr/local/sbin/start-stack"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    for port in [EXP["gateway_port"], *EXP["backends"].values()]:
        wait_port(port)
    yield


def get(path):
    try:
        with urllib.request.urlopen(GW + path, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError) as e:  # the gateway dropped the connection (e.g. no route table)
        return 0, str(e).encode()


def test_every_contract_route_reaches_its_service():
    wrong = []
    for p in EXP["probes"]:
        code, body = get(p["path"])
        try:
            svc = json.loads(body).get("service")
        except ValueError:
            svc = None
        if code != 200 or svc != p["service"]:
            wrong.append((p["path"], code, svc, p["service"]))
    assert not wrong, f"{len(wrong)} requests went wrong, e.g. (path, status, service, expected) {wrong[:4]}"


def test_backends_receive_the_contract_paths():
    wrong = []
    for p in EXP["probes"]:
        code, body = get(p["path"])
        try:
            got = json.loads(body).get("path") if code == 200 else None
        except ValueError:
            got = None
        if got != p["backend_path"]:
            wrong.append((p["path"], got, p["backend_path"]))
    assert not wrong, f"{len(wrong)} paths rewritten wrongly, e.g. (request, received, expected) {wrong[:4]}"


def test_unrouted_paths_get_gateway_404():
    for path in EXP["unrouted"]:
        code, body = get(path)
        try:
            error = json.loads(body).get("error")
        except ValueError:
            error = None
        assert code == 404 and error == "no route", (path, code, body[:80])
