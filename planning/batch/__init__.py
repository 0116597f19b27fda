"""Province and national audits on Dask (省级/全国批量评估): ``eldercare batch``.

A province is split into units (counties 区县 or streets 街道, or a manifest of per-county
files); each unit is one :mod:`dask.distributed` task that audits its estates on the network
clipped to the unit plus a halo, on a local cluster or an existing one. Floor area is then shared
once over all units, so the per-estate table is the one a single audit of the whole area gives.
Finished units are recorded with their input hashes and skipped on a re-run; a lost worker's
task is rescheduled by Dask; a unit with bad input is reported while the others finish.

* :mod:`~planning.batch.units` — units, assignment, halo and network clipping;
* :mod:`~planning.batch.jobs` — one job per unit and its input hash;
* :mod:`~planning.batch.plan`, :mod:`~planning.batch.manifest` — planning a batch;
* :mod:`~planning.batch.task` — the per-unit Dask task;
* :mod:`~planning.batch.combine`, :mod:`~planning.batch.province` — the province audit;
* :mod:`~planning.batch.write`, :mod:`~planning.batch.outputs` — unit folders, unit table, map;
* :mod:`~planning.batch.cluster` — the Dask cluster; :mod:`~planning.batch.ledger` — resuming;
* :mod:`~planning.batch.run`, :mod:`~planning.batch.api` — :func:`run_batch`, :func:`run_manifest`.
"""

from planning.batch.api import run_batch, run_manifest
from planning.batch.manifest import read_manifest
from planning.batch.run import UNIT_STEPS, BatchEvent, BatchResult

__all__ = ["UNIT_STEPS", "BatchEvent", "BatchResult", "read_manifest", "run_batch", "run_manifest"]
