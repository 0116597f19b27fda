"""The web application of ``eldercare serve`` (FastAPI): two pages and the JSON API.

Pages: ``/`` the gap map with the scenario panel (情景推演), ``/review`` the civil-affairs review
of a proposed estate (民政审查). The JSON API (``docs/serve.md``) is what both pages use:

- ``GET /api/summary?scenario=S`` — the totals of ``summary.json`` for scenario S (``base``: the
  audit as loaded);
- ``GET /api/layers?scenario=S`` — estates and facilities (WGS-84) with S's verdicts;
- ``GET /api/streets?scenario=S`` — the street table of S;
- ``POST /api/scenarios/S/facilities`` ``{"lon", "lat", "kind", "floor_m2"}`` — the new totals
  and the changed estates; ``PATCH …/facilities/{id}`` ``{"lon", "lat"}`` moves one;
  ``DELETE …/facilities/{id}`` removes an added facility or closes an existing one;
- ``POST /api/scenarios/S/save`` — the scenario's full results set under ``DIR/scenarios/S/``;
- ``POST /api/review`` (multipart: ``file`` or ``lon``/``lat``, ``households``, ``status``,
  ``planned_floor_m2``) — the review; ``GET /api/review/{id}/{file}`` its downloads.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from planning._errors import PlanningError, render_params
from planning._templates import element_text, render
from planning.maps import assets
from planning.maps.labels import KIND_COLOURS, VERDICT_COLOURS
from planning.maps.raster import network_image
from planning.serve.security import (
    MAX_BODY_BYTES,
    TOKEN_HEADER,
    BodyTooLarge,
    Guard,
    check_bind,
)
from planning.serve.session import Session
from planning.serve.uploads import (
    MAX_UPLOAD_BYTES,
    ReviewRequest,
    point_estate,
    review_file,
    run_review,
    store_upload,
)
from planning.vocabulary import ESTATE_VERDICTS, FACILITY_KINDS, label

ScenarioName = Annotated[str, Field(pattern=r"^[\w\-]{1,64}$")]
Kind = Literal["community_station", "street_centre", "institution", "rural_point"]
PAGES = ("/", "/review")


class NewFacility(BaseModel):
    """A facility to add (WGS-84 lon/lat)."""

    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    kind: Kind = "community_station"
    floor_m2: float = Field(default=300.0, ge=0, le=100_000)
    name: str | None = Field(default=None, max_length=80)


class Position(BaseModel):
    """Where a facility is moved to (WGS-84 lon/lat)."""

    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


def _clean(value: Any) -> Any:
    """JSON-safe values: NaN and inf become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _lonlat(frame: Any) -> tuple[list[float], list[float]]:
    points = frame.geometry.representative_point().to_crs(4326)
    return [round(float(x), 6) for x in points.x], [round(float(y), 6) for y in points.y]


def create_app(session: Session, *, host: str = "127.0.0.1", token: str | None = None) -> Any:
    """Return the ASGI application serving ``session`` (FastAPI behind the access guard).

    Parameters
    ----------
    session : Session
        From :func:`planning.serve.load_session`.
    host : str
        The address the server will listen on (decides the ``Host`` check and the token need).
    token : str, optional
        Access token; required when ``host`` is not a loopback address.

    Raises
    ------
    OptionError
        A non-loopback ``host`` without a token.
    """
    check_bind(host, token)
    live = session.live
    app = FastAPI(title="eldercare serve", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.session = session

    @app.exception_handler(PlanningError)
    async def planning_error(request: Request, error: PlanningError) -> JSONResponse:
        return JSONResponse({"detail": render_params(str(error))}, status_code=400)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=413)

    def page(template: str, extra: dict[str, Any]) -> HTMLResponse:
        text = render(
            f"serve/html/{template}",
            leaflet_css=element_text(assets.leaflet_css(), "style"),
            leaflet_js=element_text(assets.leaflet_js(), "script"),
            config={"tokenHeader": TOKEN_HEADER, "needsToken": token is not None, **extra},
        )
        return HTMLResponse(text, headers={"Content-Security-Policy": _CSP,
                                           "X-Content-Type-Options": "nosniff"})  # fmt: skip

    base_layer: dict[str, Any] = {}

    @app.get("/", response_class=HTMLResponse)
    def scenario_page() -> HTMLResponse:
        result = session.result
        if not base_layer and len(result.network_edges):
            # The walking network as one image (offline base map), drawn once per server.
            base_layer.update(network_image(result.network_edges))
        return page(
            "scenario.html.j2",
            {
                "title": f"{result.ruleset.name_zh} · {session.folder.name}",
                "tiers": [{"name": t.name, "distance_m": t.distance_m} for t in result.tiers],
                "verdicts": {k: label(ESTATE_VERDICTS, k, "zh") for k in ESTATE_VERDICTS},
                "verdictColours": VERDICT_COLOURS,
                "kinds": {k: label(FACILITY_KINDS, k, "zh") for k in FACILITY_KINDS},
                "kindColours": KIND_COLOURS,
                "network": base_layer or None,
            },
        )

    @app.get("/review", response_class=HTMLResponse)
    def review_page() -> HTMLResponse:
        return page("review.html.j2", {"title": session.result.ruleset.name_zh,
                                       "maxUpload": MAX_UPLOAD_BYTES})  # fmt: skip

    @app.get("/api/summary")
    def summary(scenario: Annotated[str, Query(pattern=r"^[\w\-]{1,64}$")] = "base") -> Any:
        state = live.scenario(scenario)
        return _clean({"scenario": scenario, "totals": state.totals})

    @app.get("/api/scenarios")
    def scenarios() -> Any:
        return [{"name": name, "added": len(s.added), "moved": len(s.moved),
                 "closed": len(s.closed)} for name, s in live.scenarios.items()]  # fmt: skip

    @app.get("/api/layers")
    def layers(scenario: Annotated[str, Query(pattern=r"^[\w\-]{1,64}$")] = "base") -> Any:
        state = live.scenario(scenario)
        estates = state.estates
        lon, lat = _lonlat(estates)
        open_rows = np.flatnonzero(state.alive)
        facilities = state.facilities.iloc[open_rows]
        flon, flat = _lonlat(facilities) if len(facilities) else ([], [])
        largest = live.reaches.largest.name
        return _clean({
            "estates": {
                "id": estates["estate_id"].astype(str).tolist(),
                "name": estates["name"].astype(str).tolist(),
                "households": estates["households"].astype(int).tolist(),
                "verdict": estates["verdict"].astype(str).tolist(),
                "covered": estates[f"covered_{largest}"].astype(bool).tolist(),
                "walk_m": estates["walk_m"].astype(float).tolist(),
                "lon": lon, "lat": lat,
            },
            "facilities": {
                "id": facilities["facility_id"].astype(str).tolist(),
                "name": facilities["name"].astype(str).tolist(),
                "kind": facilities["kind"].astype(str).tolist(),
                "floor_m2": facilities["floor_m2"].astype(float).tolist(),
                "status": facilities["status"].astype(str).tolist(),
                "added": [str(i) in state.added for i in facilities["facility_id"]],
                "lon": flon, "lat": flat,
            },
        })  # fmt: skip

    @app.get("/api/streets")
    def streets(scenario: Annotated[str, Query(pattern=r"^[\w\-]{1,64}$")] = "base") -> Any:
        base = live.scenarios["base"].streets
        now = live.scenario(scenario).streets
        assert base is not None
        assert now is not None
        largest = live.reaches.largest.name
        column = f"coverage_{largest}"
        return _clean([
            {"street_id": str(b.street_id), "name": str(b.name), "households": int(b.households),
             "before": getattr(b, column), "after": getattr(a, column),
             "shortfall_before": b.shortfall_m2, "shortfall_after": a.shortfall_m2}
            for b, a in zip(base.itertuples(), now.itertuples(), strict=True)
        ])  # fmt: skip

    @app.post("/api/scenarios/{scenario}/facilities")
    def add_facility(scenario: ScenarioName, body: NewFacility) -> Any:
        return _clean(live.add(scenario, body.lon, body.lat, body.kind, body.floor_m2, body.name))

    @app.patch("/api/scenarios/{scenario}/facilities/{facility_id}")
    def move_facility(scenario: ScenarioName, facility_id: str, body: Position) -> Any:
        return _clean(live.move(scenario, facility_id, body.lon, body.lat))

    @app.delete("/api/scenarios/{scenario}/facilities/{facility_id}")
    def remove_facility(scenario: ScenarioName, facility_id: str) -> Any:
        return _clean(live.remove(scenario, facility_id))

    @app.post("/api/scenarios/{scenario}/save")
    def save(scenario: ScenarioName) -> Any:
        if scenario == "base" or scenario not in live.scenarios:
            raise HTTPException(404, f"No scenario {scenario!r} to save; change something first.")
        return _clean(session.save(scenario))

    @app.post("/api/review")
    async def review(
        file: Annotated[UploadFile | None, File()] = None,
        households: Annotated[int | None, Form(ge=1, le=100_000)] = None,
        status: Annotated[Literal["new", "existing"] | None, Form()] = None,
        planned_floor_m2: Annotated[float | None, Form(ge=0, le=1_000_000)] = None,
        lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
        lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
        name: Annotated[str | None, Form(max_length=80)] = None,
    ) -> Any:
        has_file = file is not None and bool(file.filename)
        # A point typed in is a new estate unless said otherwise.
        status = status or (None if has_file else "new")
        request = ReviewRequest(households, status, planned_floor_m2, lon, lat, name)
        if file is not None and has_file:
            data = await file.read(MAX_UPLOAD_BYTES + 1)
            estate: Any = store_upload(session, data, file.filename or "upload")
        else:
            estate = point_estate(request)
        return _clean(run_review(session, estate, request))

    @app.get("/api/review/{ident}/{name}")
    def review_download(ident: str, name: str) -> FileResponse:
        return FileResponse(review_file(session, ident, name), filename=name)

    return Guard(app, bound=host, token=token, max_body=MAX_BODY_BYTES,
                 max_upload=MAX_UPLOAD_BYTES + 64 * 1024, pages=PAGES)  # fmt: skip


#: The pages load nothing from elsewhere: scripts and styles are inline, data from this server.
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'"
)
