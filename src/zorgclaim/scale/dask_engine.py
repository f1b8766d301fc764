"""The same partition tasks on a Dask cluster: `scheduler` is an address (tcp://host:8786) or
None for a LocalCluster on this machine. Workers read their partition of the lines file
themselves, so the file must be on storage every worker can see."""

from __future__ import annotations

from zorgclaim.domain.world import World
from zorgclaim.engine import State


def run_on_dask(lines_path: str, world: World, state: State, partitions: int, out_dir: str, explain: bool,
                scheduler: str | None = None, progress=None, n_workers: int = 2, keep_state: bool = True):
    from dask.distributed import Client, LocalCluster, as_completed

    from zorgclaim.scale.partitioned import run_part
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        world_f = client.scatter(world, broadcast=True)
        state_f = client.scatter(state, broadcast=True)
        futures = [client.submit(run_part, lines_path, world_f, state_f, p, partitions, out_dir, explain, keep_state, pure=False)
                   for p in range(partitions)]
        results = []
        for done, fut in enumerate(as_completed(futures), start=1):
            results.append(fut.result())
            if progress:
                progress(done, partitions)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
