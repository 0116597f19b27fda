"""eldercare serve driven over HTTP (httpx) against a uvicorn server the test starts on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import zipfile
from pathlib import Path

import geopandas as gpd
import httpx
import pandas as pd
import pytest
import shapely

import planning
from planning.cli import main
from planning.scenario.compare import compare_results
from planning.serve import TOKEN_HEADER, create_app, load_session, make_server, running
from tests.minicity import CRS, X0, Y0, cli_args, write_minicity


def lonlat(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([shapely.Point(X0 + x, Y0 + y)], crs=CRS).to_crs(4326).iloc[0]
    return float(point.x), float(point.y)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    out = folder / "out"
    assert main(cli_args("audit", write_minicity(folder), out)) == 0
    return out


@pytest.fixture(scope="module")
def session(audit_dir):
    loaded = load_session(audit_dir)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def client(session):
    server = make_server(session, port=free_port())
    with running(server) as thread, httpx.Client(base_url=thread.url, timeout=120) as http:
        yield http


def test_a_station_beside_an_uncovered_estate_covers_it_and_removing_it_restores_the_base(client):
    base = client.get("/api/summary").json()["totals"]
    assert base["coverage"]["15min"] == pytest.approx(3800 / 4400, abs=1e-4)
    lon, lat = lonlat(1990, 420)
    added = client.post("/api/scenarios/meeting/facilities",
                        json={"lon": lon, "lat": lat, "kind": "community_station",
                              "floor_m2": 200})  # fmt: skip
    assert added.status_code == 200, added.text
    answer = added.json()
    assert answer["totals"]["coverage"]["15min"] == 1.0
    assert [(c["estate_id"], c["before"], c["after"]) for c in answer["changed"]] == [
        ("E6", "outside_circle", "ok")
    ]
    assert (
        client.get("/api/summary", params={"scenario": "meeting"}).json()["totals"]
        == (answer["totals"])
    )
    streets = {s["street_id"]: s for s in client.get("/api/streets?scenario=meeting").json()}
    assert streets["N"]["before"] == pytest.approx(1500 / 2100, abs=1e-4)
    assert streets["N"]["after"] == 1.0
    removed = client.delete(f"/api/scenarios/meeting/facilities/{answer['facility_id']}")
    assert removed.status_code == 200
    assert removed.json()["totals"] == base
    assert removed.json()["changed"] == []


def test_moving_a_facility_by_its_id(client):
    # F2 (street centre, 1000/430) dragged beside E6: E6 covered, E5 (80 m from F2) no longer so near.
    moved = client.patch("/api/scenarios/drag/facilities/F2", json=dict(zip(("lon", "lat"),
                                                                         lonlat(1990, 420), strict=True)))  # fmt: skip
    assert moved.status_code == 200, moved.text
    changed = {c["estate_id"]: c for c in moved.json()["changed"]}
    assert changed["E6"]["covered_after"] is True
    layers = client.get("/api/layers", params={"scenario": "drag"}).json()
    at = layers["facilities"]["id"].index("F2")
    assert (layers["facilities"]["lon"][at], layers["facilities"]["lat"][at]) == pytest.approx(
        lonlat(1990, 420), abs=1e-6
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"lon": 500.0, "lat": 30.0}, 422),
        ({"lon": 114.0, "lat": 30.0, "kind": "hospital"}, 422),
        ({"lon": 114.0, "lat": 30.0, "floor_m2": -5}, 422),
        ({"lon": 114.0, "lat": 30.0, "extra": 1}, 422),
    ],
)
def test_bodies_are_validated(client, body, status):
    assert client.post("/api/scenarios/v/facilities", json=body).status_code == status


def test_limits_and_names(client):
    big = client.post("/api/scenarios/v/facilities", content=b"{" + b" " * 100_000 + b"}",
                      headers={"content-type": "application/json"})  # fmt: skip
    assert big.status_code == 413
    assert client.get("/api/summary", params={"scenario": "../base"}).status_code == 422
    unknown = client.delete("/api/scenarios/v2/facilities/NOPE")
    assert unknown.status_code == 400
    assert "NOPE" in unknown.json()["detail"]
    # a page elsewhere cannot reach the server through a name pointing at 127.0.0.1
    assert client.get("/api/summary", headers={"Host": "attacker.example"}).status_code == 400


def test_a_non_loopback_bind_without_a_token_is_refused(session):
    with pytest.raises(planning.OptionError, match="token"):
        create_app(session, host="0.0.0.0", token=None)
    with pytest.raises(planning.OptionError, match="token"):
        make_server(session, host="192.0.2.10", port=free_port())


def test_with_a_token_every_request_must_send_it(session):
    server = make_server(session, port=free_port(), token="s3cret-token")
    with running(server) as thread, httpx.Client(base_url=thread.url, timeout=60) as http:
        assert http.get("/api/summary").status_code == 401
        assert http.get("/api/summary", headers={TOKEN_HEADER: "wrong"}).status_code == 401
        assert http.get("/api/summary", headers={TOKEN_HEADER: "s3cret-token"}).status_code == 200
        assert http.get("/", params={"token": "s3cret-token"}).status_code == 200
        assert http.get("/api/summary", params={"token": "s3cret-token"}).status_code == 401


def geojson_estate() -> bytes:
    # A proposed estate of 40 × 40 m beside E6, in WGS-84.
    box = gpd.GeoSeries([shapely.box(X0 + 1900, Y0 + 440, X0 + 1940, Y0 + 480)], crs=CRS)
    frame = gpd.GeoDataFrame({"name": ["<b>幸福里</b>"], "households": [800]},
                             geometry=box.to_crs(4326))  # fmt: skip
    return frame.to_json().encode()


def test_a_geojson_estate_gets_its_review_and_downloads(client, session, audit_dir):
    before = {p: p.stat().st_mtime_ns for p in audit_dir.rglob("*")}
    answer = client.post("/api/review", files={"file": ("拟建.geojson", geojson_estate())},
                         data={"status": "new", "planned_floor_m2": "100"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    review = answer.json()
    estate = review["review"]["estates"][0]
    assert estate["households"] == 800
    assert estate["name"] == "<b>幸福里</b>"
    # 800 households × 20 m² per 100 households = 160 m² required, 100 planned: 60 missing
    area = next(r for r in estate["rules"] if r["kind"] == "floor_area_per_households")
    assert area["required"] == pytest.approx(160.0)
    assert area["missing"] == pytest.approx(60.0)
    sheet = client.get(f"/api/review/{review['id']}/review.html")
    assert sheet.status_code == 200
    assert "<b>幸福里</b>" not in sheet.text
    assert client.get(f"/api/review/{review['id']}/review.xlsx").content[:2] == b"PK"
    assert client.get(f"/api/review/{review['id']}/summary.json").status_code == 400
    # the upload stayed in the session's temporary folder; the audit folder is untouched
    assert list(session.temp.glob("upload-*/estate.geojson"))
    assert {p: p.stat().st_mtime_ns for p in audit_dir.rglob("*")} == before


def test_a_point_with_households_typed_in(client):
    lon, lat = lonlat(1960, 470)
    form = {"lon": str(lon), "lat": str(lat), "households": "500"}
    missing = client.post("/api/review", data=form)
    assert missing.status_code == 400
    assert "planned_floor_m2" in missing.json()["detail"]
    answer = client.post("/api/review", data={**form, "planned_floor_m2": "120"})
    assert answer.status_code == 200, answer.text
    estate = answer.json()["review"]["estates"][0]
    assert estate["households"] == 500
    assert estate["status"] == "new"


def test_a_zip_member_cannot_leave_the_temp_folder(client, session, tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("../../escaped.shp", b"not a shapefile")
    answer = client.post("/api/review", files={"file": ("x.zip", data.getvalue())})
    assert answer.status_code == 400
    assert not list(session.temp.parent.glob("escaped*"))
    assert list(session.temp.glob("upload-*/estate.shp"))
    other = client.post("/api/review", files={"file": ("x.txt", b"hello")})
    assert other.status_code == 400
    assert "GeoJSON" in other.json()["detail"]


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_saved_scenarios_sit_side_by_side_and_compare(client, audit_dir):
    base_files = digest(audit_dir)
    for name, x in (("east", 1990), ("west", 100)):
        lon, lat = lonlat(x, 420)
        assert client.post(f"/api/scenarios/{name}/facilities",
                           json={"lon": lon, "lat": lat}).status_code == 200  # fmt: skip
        saved = client.post(f"/api/scenarios/{name}/save")
        assert saved.status_code == 200, saved.text
        assert Path(saved.json()["folder"]) == audit_dir / "scenarios" / name
    assert digest(audit_dir) == base_files
    east = json.loads((audit_dir / "scenarios/east/summary.json").read_text(encoding="utf-8"))
    west = json.loads((audit_dir / "scenarios/west/summary.json").read_text(encoding="utf-8"))
    live_east = client.get("/api/summary", params={"scenario": "east"}).json()["totals"]
    assert east["totals"]["coverage"] == live_east["coverage"]
    assert east["totals"]["coverage"]["15min"] == 1.0
    assert west["totals"]["coverage"]["15min"] < 1.0
    assert (audit_dir / "scenarios/east/scenario.toml").is_file()
    done = compare_results(audit_dir, audit_dir / "scenarios" / "east")
    table = pd.read_csv(Path(done["folder"]) / "compare_estates.csv", encoding="utf-8-sig")
    assert table.loc[table["change"].eq("changed"), "estate_id"].tolist() == ["E6"]
    assert (Path(done["folder"]) / "compare_map.html").is_file()
    assert client.post("/api/scenarios/base/save").status_code == 404
