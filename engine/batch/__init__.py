"""Gallery batch rendering: a manifest of runs, rendered resumably by a local pool or a Dask cluster.

- :mod:`~apophenic.batch.manifest` reads and validates the manifest TOML;
- :mod:`~apophenic.batch.plan` expands it into cells (preset × target × seed × overrides)
  and resolves each to a validated config and its content-addressed folder name;
- :mod:`~apophenic.batch.journal` keeps ``batch.json`` (pending, running, done, failed);
- :mod:`~apophenic.batch.worker` is what runs inside a worker process;
- :mod:`~apophenic.batch.executors` holds the local process pool and the Dask executor;
- :mod:`~apophenic.batch.gallery` writes the static ``gallery/index.html``;
- :mod:`~apophenic.batch.runner` ties them together (:func:`run_batch`, :func:`batch_status`).
"""

from apophenic.batch.manifest import Manifest, load_manifest
from apophenic.batch.runner import BatchReport, batch_status, run_batch

__all__ = ["BatchReport", "Manifest", "batch_status", "load_manifest", "run_batch"]
