"""The bundled reference server's correct variants (each one tested here: see
``test_every_variant_is_tested_here``), its refusal of unknown options, and its faults as data
(each naming its requirement and collateral). Helpers in tests/reference_client.py."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.reference_server import FAULTS, VARIANT_API, VARIANTS, ReferenceServer
from tests.reference_client import Client, meeting_body, slot

CATALOG = yaml.safe_load((Path(__file__).parents[1] / "conformance" / "requirements.yaml").read_text())
CATALOG_IDS = {r["id"]: r for r in CATALOG["requirements"]}


@pytest.mark.parametrize("kwargs", [{"faults": ["nope"]}, {"variants": ["nope"]}, {"faults": ["rm-empty-200"]},
                                    {"variants": ["rm-mismatch-400"]}, {"api": "soap"}, {"rooms": -1}])
def test_unknown_options_raise_value_error_naming_the_known_ones(kwargs):
    with pytest.raises(ValueError) as info:
        ReferenceServer(**kwargs)
    if "faults" in kwargs:
        assert "--list-faults" in str(info.value)
    if "variants" in kwargs:
        assert "extra-fields" in str(info.value)


def test_a_mistyped_fault_gets_a_suggestion():
    with pytest.raises(ValueError, match="did you mean 'rooms-wrapped'"):
        ReferenceServer(faults=["rooms-wraped"])


def variant_client(name: str, **kw: Any) -> tuple[ReferenceServer, Client]:
    srv = ReferenceServer(variants=[name], **kw).start()
    return srv, Client(srv)


def test_variant_create_200_empty():
    srv, c = variant_client("create-200-empty")
    with srv:
        r = c.create("57", meeting_body(*slot(0)))
        assert r.status_code == 200 and r.content == b"" and "Content-Type" not in r.headers
        assert len(c.meetings("57", **{"from": slot(0)[0], "to": slot(1)[0]}).json()) == 1


def test_variant_put_no_body():
    srv, c = variant_client("put-no-body")
    with srv:
        created = c.create("57", meeting_body(*slot(0))).json()
        r = c.update("57", created["meetingId"], {"endDateUTC": created["startDateUTC"]})
        assert r.status_code == 200 and r.content == b"" and "Content-Type" not in r.headers


def test_variant_extra_fields():
    srv, c = variant_client("extra-fields")
    with srv:
        assert all(isinstance(r["capacity"], int) for r in c.rooms().json())
        assert all(m["location"]["floor"] == 2 for m in c.meetings("57").json())


def test_variant_no_image_url():
    srv, c = variant_client("no-image-url")
    with srv:
        assert all("imageUrl" not in m for room in ("57", "22") for m in c.meetings(room).json())


def test_variant_plain_4xx():
    srv, c = variant_client("plain-4xx")
    with srv:
        r = c("GET", "/rooms")
        assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/plain")
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        assert c.meetings("nope").headers["Content-Type"].startswith("text/plain")
        assert c.rooms().headers["Content-Type"] == "application/json"


def test_variant_service_organizer():
    srv, c = variant_client("service-organizer")
    with srv:
        r = c.create("57", meeting_body(*slot(0), organizer="someone-new"))
        assert r.status_code == 201 and r.json()["organizerId"] == "someone-new"
        assert r.json()["organizerName"] == "ROOMZ Display"
        assert c.create("57", meeting_body(*slot(1))).json()["organizerName"] == "John Doe"


def test_variant_creation_equals_start():
    srv, c = variant_client("creation-equals-start")
    with srv:
        assert all(m["creationDateUTC"] == m["startDateUTC"] for m in c.meetings("57").json())
        assert c.create("57", meeting_body(*slot(0))).json()["creationDateUTC"] == slot(0)[0]


def test_variant_rm_mismatch_400():
    with ReferenceServer(api="roomonitor", variants=["rm-mismatch-400"]) as srv:
        c = Client(srv)
        r = c.get_rooms(headers=c.rm_headers(user="someone-else"))
        assert r.status_code == 400 and r.json()["status"] == 400 and r.json()["message"]


def test_every_variant_is_tested_here():
    tested = {name.removeprefix("test_variant_").replace("_", "-")
              for name in globals() if name.startswith("test_variant_")}
    assert tested == set(VARIANTS)


def test_faults_are_data_each_naming_its_requirement_and_collateral():
    server_ids = {rid for rid, r in CATALOG_IDS.items() if r["api"] in ("roomz", "roomonitor")}
    assert server_ids - {"RZ-HTTPS", "RM-HTTPS"} == {f.requirement for f in FAULTS.values()}
    for fault in FAULTS.values():
        assert CATALOG_IDS[fault.requirement]["api"] == fault.api, fault
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fault.name) and fault.note and fault.hooks
        assert fault.name.startswith("rm-") == (fault.api == "roomonitor")
        for rid, status in fault.collateral.items():
            assert CATALOG_IDS[rid]["api"] == fault.api and status in ("failed", "warning", "skipped"), fault
        assert bool(fault.collateral) == bool(fault.why), fault.name
    assert set(VARIANT_API.values()) <= {"roomz", "roomonitor"}


def test_the_correct_server_names_no_fault():
    """Faults live in faults.py as hooks on seams; the servers test no fault by name."""
    package = Path(__file__).resolve().parent.parent / "conformance" / "reference_server"
    for name in ("roomz.py", "roomonitor.py", "httpd.py"):
        text = (package / name).read_text(encoding="utf-8")
        assert '" in self.faults' not in text and '" in self.variants' not in text, name
        assert not any(f'"{fault}"' in text for fault in FAULTS), name
