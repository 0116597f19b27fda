"""The civil-affairs page (民政审查): a proposed estate uploaded, its review sheet returned.

An upload is written into the session's private temporary folder under a name this module makes
(never the uploader's), checked by its first bytes (GeoJSON text, a GeoPackage's SQLite header, a
zip of one Shapefile), and a zip is unpacked member by member with names reduced to their base
name, so nothing leaves that folder. The review runs :func:`planning.check_estate` on the
session's network, facilities and estates; its three files stay in the folder for download.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import shapely

from planning._errors import InputFileError
from planning.serve.session import Session

#: Largest upload accepted (bytes): a proposed estate is a few polygons.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Shapefile parts kept from a zip; anything else in it is ignored.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: Files of a review a browser may download.
REVIEW_DOWNLOADS = ("review.html", "review.json", "review.xlsx")


@dataclass(frozen=True)
class ReviewRequest:
    """What the review form sends besides the file (all optional but the point's position)."""

    households: int | None = None
    status: str | None = None
    planned_floor_m2: float | None = None
    lon: float | None = None
    lat: float | None = None
    name: str | None = None


def _kind_of(head: bytes, filename: str) -> str:
    """``geojson``, ``gpkg`` or ``zip`` from the first bytes, or raise naming what is accepted."""
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "geojson"
    raise InputFileError(
        f"{filename!r} is not a GeoJSON, GeoPackage or zipped Shapefile; upload the proposed "
        "estate as one of those (拟建小区: .geojson, .gpkg, or a .zip holding .shp/.shx/.dbf/.prj)."
    )


def store_upload(session: Session, data: bytes, filename: str) -> Path:
    """Write an uploaded estate file into a new folder of the session's temp folder.

    Returns
    -------
    Path
        The file to read (the ``.shp`` of a zip).

    Raises
    ------
    InputFileError
        Too large, empty, of another kind, or a zip without exactly one usable Shapefile.
    """
    if not data:
        raise InputFileError(f"{filename!r} is empty; choose the estate file again.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputFileError(
            f"{filename!r} is {len(data) / 1e6:.1f} MB; a proposed estate file may be at most "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )
    kind = _kind_of(data[:64], filename)
    folder = session.temp / f"upload-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    if kind != "zip":
        target = folder / f"estate.{kind}"
        target.write_bytes(data)
        return target
    source = folder / "upload.zip"
    source.write_bytes(data)
    return _unzip_shapefile(source, folder, filename)


def _unzip_shapefile(source: Path, folder: Path, filename: str) -> Path:
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise InputFileError(f"{filename!r} is not a readable zip file.") from error
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        parts = [m for m in members if PurePosixPath(m.filename).suffix.lower() in SHAPEFILE_PARTS]
        stems = {
            PurePosixPath(m.filename).stem for m in parts if m.filename.lower().endswith(".shp")
        }
        if len(stems) != 1:
            raise InputFileError(
                f"{filename!r} holds {len(stems)} Shapefiles; zip exactly one (.shp with its "
                ".shx, .dbf and .prj)."
            )
        total = sum(m.file_size for m in parts)
        if total > 4 * MAX_UPLOAD_BYTES:
            raise InputFileError(f"{filename!r} unpacks to {total / 1e6:.0f} MB; too large.")
        stem = stems.pop()
        for member in parts:
            path = PurePosixPath(member.filename)
            if path.stem != stem:
                continue
            # Only the base name is used: a member called ../../x.shp stays in the folder.
            (folder / f"estate{path.suffix.lower()}").write_bytes(archive.read(member))
    return folder / "estate.shp"


def point_estate(request: ReviewRequest) -> gpd.GeoDataFrame:
    """Return a proposed estate given as a WGS-84 point with its households typed in."""
    if request.lon is None or request.lat is None:
        raise InputFileError("Give the estate's position (lon, lat) or upload its file.")
    if request.households is None:
        raise InputFileError("A point estate needs its households (户数); type them in.")
    return gpd.GeoDataFrame(
        {"estate_id": ["P1"], "name": [request.name or "拟建小区"]},
        geometry=[shapely.Point(request.lon, request.lat)],
        crs=4326,
    )


def run_review(
    session: Session, estate: Path | gpd.GeoDataFrame, request: ReviewRequest
) -> dict[str, Any]:
    """Review the proposed estate against the session's project; keep the files for download.

    Returns
    -------
    dict
        ``id`` (of the review's folder), ``review`` (what ``review.json`` holds) and
        ``downloads`` (file names).
    """
    from planning.api import check_estate

    spec = session.spec
    facilities = session.prepared.inputs.facilities
    if facilities is None:
        raise InputFileError("The audit has no facilities layer; a review needs one.")
    review = check_estate(
        estate,
        facilities=facilities.drop(columns=["source_row"], errors="ignore"),
        network=session.prepared.net,
        rules=session.prepared.ruleset,
        households=request.households,
        status=request.status,
        planned_floor_m2=request.planned_floor_m2,
        existing_estates=session.prepared.inputs.estates.drop(
            columns=["source_row"], errors="ignore"
        ),
        measure=spec.measure,  # type: ignore[arg-type]
        walk_speed=spec.walk_speed,
        include_planned=spec.include_planned,
        max_snap_m=spec.max_snap_m,
    )
    ident = uuid.uuid4().hex
    out = session.temp / f"review-{ident}"
    review.write(out, lang="zh")
    data = json.loads((out / "review.json").read_text(encoding="utf-8"))
    return {"id": ident, "review": data, "downloads": list(REVIEW_DOWNLOADS)}


def review_file(session: Session, ident: str, name: str) -> Path:
    """Return a review file of the session for download, or raise when there is none."""
    if name not in REVIEW_DOWNLOADS or not ident.isalnum():
        raise InputFileError(f"No such review file: {name!r}.")
    path = session.temp / f"review-{ident}" / name
    if not path.is_file():
        raise InputFileError(f"No such review file: {name!r}.")
    return path
