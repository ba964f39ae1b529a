"""``panelist doctor`` on the Northwind company on Microsoft 365 (the loopback fake), run as
an administrator would (a subprocess): a missing admin consent, a mailbox outside the
Exchange application access policy and an expired client secret, each explained in one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from caldav_flow_helpers import Received, email
from cli_helpers import run_panelist
from microsoft_flow_helpers import (
    CLIENT_ID,
    ROOM,
    SECRET,
    MicrosoftCompany,
    build_microsoft_company,
)

from panelist.plugins import PluginRegistry
from panelist_microsoft.testing import FakeGraph


@pytest.fixture
def company(
    tmp_path: Path, registry: PluginRegistry, smtp: tuple[int, Received]
) -> Iterator[MicrosoftCompany]:
    with FakeGraph() as graph:
        yield build_microsoft_company(graph, tmp_path, registry, smtp[1])


def doctor(company: MicrosoftCompany, tmp_path: Path) -> list[str]:
    result = run_panelist(
        "doctor", "--db", str(company.db_path),
        env={"PANELIST_CONFIG": str(tmp_path / "none.toml"),
             "PANELIST_MICROSOFT_CLIENT_SECRET": SECRET,
             "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )  # fmt: skip
    assert "Traceback" not in result.stderr and SECRET not in result.stdout + result.stderr
    return result.stdout.splitlines()


def line_of(lines: list[str], who: str) -> str:
    return next(line for line in lines if who in line)


def test_doctor_explains_consent_the_access_policy_and_an_expired_secret(
    company: MicrosoftCompany, tmp_path: Path
) -> None:
    graph = company.graph
    healthy = doctor(company, tmp_path)
    assert line_of(healthy, "Sam Lee").startswith("ok"), healthy
    assert line_of(healthy, "room Amstel").startswith("ok"), healthy
    assert line_of(healthy, "Microsoft Teams hosts").startswith("ok"), healthy

    graph.grant_admin_consent(CLIENT_ID, False)  # the app registration lost its consent
    sam = line_of(doctor(company, tmp_path), "Sam Lee")
    assert sam.startswith("FAIL") and "consent" in sam

    graph.grant_admin_consent(CLIENT_ID, True)
    graph.restrict_to(CLIENT_ID, [email("sam"), email("rosa"), ROOM])  # Ana left out
    lines = doctor(company, tmp_path)
    assert line_of(lines, "Sam Lee").startswith("ok")
    ana = line_of(lines, "Ana Silva")
    assert ana.startswith("WARN") and "application access policy" in ana  # free/busy only

    graph.restrict_to(CLIENT_ID, None)
    graph.expire_secret(CLIENT_ID)
    lines = doctor(company, tmp_path)
    sam = line_of(lines, "Sam Lee")
    assert sam.startswith("FAIL") and "client secret has expired" in sam
