"""TLS to SOCRadar: the server certificate is verified unless the instance trusts any certificate.

The local SOCRadar server speaks HTTPS with a certificate from a throwaway CA that no trust store
holds, as a self-signed or privately issued certificate would be.
"""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import DORABridgeSOCRadar
import pytest
from harness import run_command

from devtools.socradar_server import SocRadarServer
from dora_bridge import SocRadarClient, TransportError
from tests.fixtures import API_KEY, COMPANY_ID, instance_params, rfc3339


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem, and server.pem/server.key for 127.0.0.1 issued by it."""
    d = tmp_path_factory.mktemp("tls")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=DORA Bridge Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)  # fmt: skip
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        cwd=d,
    )  # fmt: skip
    return d


@pytest.fixture
def https_server(certificates: Path) -> Iterator[SocRadarServer]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID, tls=ctx) as srv:
        srv.generate(30, seed=4)
        yield srv


def test_the_server_speaks_https(https_server):
    assert https_server.url.startswith("https://127.0.0.1:")


def test_an_untrusted_certificate_is_refused_by_default(https_server):
    client = SocRadarClient.from_params(instance_params(https_server, timeout="3"))
    with pytest.raises(TransportError) as e:
        client.fetch_incidents({}, now=rfc3339(https_server.now))
    message = str(e.value)
    assert "TLS" in message and "certificate" in message.lower(), message
    assert "Trust any certificate" in message, message
    assert API_KEY not in message
    assert https_server.requests == [], "a request reached the server over an unverified connection"
    assert not any("retry" in line.lower() for line in client.drain_log()), (
        "a refused certificate was retried"
    )


def test_trust_any_certificate_fetches(https_server):
    client = SocRadarClient.from_params(instance_params(https_server, insecure=True, status=[]))
    out = client.fetch_incidents({}, now=rfc3339(https_server.now))
    assert len(out["incidents"]) == len(https_server.alarms) > 0


def test_a_certificate_from_a_trusted_ca_is_accepted_with_verification_on(
    https_server, certificates, monkeypatch
):
    # The engine's trust store, as an operator extends it with the company CA.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    client = SocRadarClient.from_params(instance_params(https_server, status=[]))
    out = client.fetch_incidents({}, now=rfc3339(https_server.now))
    assert len(out["incidents"]) == len(https_server.alarms)


def test_the_integration_reports_the_refused_certificate(https_server):
    entries = run_command(
        DORABridgeSOCRadar.main, "test-module", instance_params(https_server, timeout="3"), {}
    )
    assert len(entries) == 1 and entries[0]["Type"] == 4
    assert "certificate" in entries[0]["Contents"].lower()
    assert "Trust any certificate" in entries[0]["Contents"]
    ok = run_command(DORABridgeSOCRadar.main, "test-module", instance_params(https_server, insecure=True), {})
    assert ok == ["ok"]
