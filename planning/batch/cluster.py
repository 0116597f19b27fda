"""The Dask cluster a batch runs on (计算集群): a local one, or an existing scheduler.

By default a :class:`distributed.LocalCluster` of worker *processes* (one thread each: the
network kernels hold the GIL-free numba loops, the rest is GeoPandas) sized to the machine;
``scheduler="tcp://host:8786"`` connects to a cluster someone already runs (dask-jobqueue,
Kubernetes, ``dask scheduler`` + ``dask worker``), whose workers need this package installed
and the batch folder on shared storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from planning._errors import OptionError, PlanningError

if TYPE_CHECKING:
    from distributed import Client


def machine_cores() -> int:
    """CPUs this process may use (the default number of local workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    """Return the number of local workers, checked.

    Examples
    --------
    >>> check_workers(2)
    2
    >>> check_workers(0)
    Traceback (most recent call last):
    ...
    planning._errors.OptionError: workers=0: give a whole number of worker processes ≥ 1.
    """
    if workers is None:
        return machine_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise OptionError(
            f"workers={workers!r}: give a whole number of worker processes ≥ 1.", "workers"
        )
    return workers


@contextmanager
def connect(
    workers: int | None = None, scheduler: str | None = None, client: Client | None = None
) -> Iterator[Client]:
    """Yield a Dask client: the one given, one for ``scheduler``, or a new local cluster.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster (default: the machine's cores).
    scheduler : str, optional
        Address of an existing scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    client : distributed.Client, optional
        A client the caller manages (left open).

    Yields
    ------
    distributed.Client
        Closed on exit unless it was given; a local cluster is shut down with it.
    """
    import dask
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
        return
    if scheduler is not None:
        try:
            remote = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise PlanningError(
                f"Cannot reach the Dask scheduler at {scheduler} ({error}); check the address "
                "and that `dask scheduler` runs there."
            ) from error
        with remote:
            yield remote
        return
    n = check_workers(workers)
    # Worker processes may start their own process pools (large service-area polygons), which
    # daemonic processes cannot.
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


def dashboard_link(client: Client) -> str | None:
    """Return the Dask dashboard address, when the scheduler serves one."""
    try:
        import bokeh  # noqa: F401 - the dashboard needs it
    except ImportError:
        return None
    try:
        return str(client.dashboard_link)
    except (AttributeError, KeyError):
        return None
