"""One thread that writes a run's link batches, so the crawl's reactor thread does not
wait on SQLite.

A link batch (hundreds of results, one transaction) took about 6% of the reactor
thread's time in a 10k-link crawl (docs/performance.md, issue 22's third pass). SQLite
releases the GIL while it works, so on a second core the batch is written while the
reactor goes on reading answers.

The thread has its own connection to the database (a sqlite3 connection belongs to
the thread that opened it), and runs jobs one at a time in the order they were
submitted, so results are written in the order they arrived. A job's outcome (what it
returned, or the exception it raised) is handed back to the thread that owns the
writer, which applies it in `collect()` or `drain()`: nothing the thread raises is
lost, and the owner's state (counts, losses) is only ever touched by the owner.
"""

from __future__ import annotations

import collections
import queue
import threading
from typing import TYPE_CHECKING, Any

from crawler.store.database import Store

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


class WriterThread:
    """A single writer thread on `path`, fed by a queue.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.db"
    >>> seen = []
    >>> writer = WriterThread(path)
    >>> writer.submit(lambda store: store.schema_version > 0, lambda result, exc: seen.append((result, exc)))
    >>> writer.submit(lambda store: 1 / 0, lambda result, exc: seen.append((result, type(exc).__name__)))
    >>> writer.drain()
    >>> seen
    [(True, None), (None, 'ZeroDivisionError')]
    >>> writer.close()
    """

    def __init__(self, path: str | Path):
        self.path = path
        self._jobs: queue.Queue[tuple[Callable[[Store], Any], Callable[[Any, Exception | None], None]] | None] = (
            queue.Queue())
        self._done: collections.deque[tuple[Callable[[Any, Exception | None], None], Any, Exception | None]] = (
            collections.deque())
        self._thread = threading.Thread(target=self._run, name="healthcrawl-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Store], Any], done: Callable[[Any, Exception | None], None]) -> None:
        """Run `job(store)` on the writer thread, after every job submitted before it;
        `done(result, exception)` is called by the owner's next collect() or drain()."""
        if not self._thread.is_alive():  # closed: the owner still learns the job was not run
            self._done.append((done, None, RuntimeError("the writer thread has stopped")))
            return
        self._jobs.put((job, done))

    def collect(self) -> None:
        """Apply the outcomes of the jobs finished so far (never waits)."""
        while self._done:
            done, result, exc = self._done.popleft()
            done(result, exc)

    def drain(self) -> None:
        """Wait until every submitted job has run, then apply their outcomes."""
        if self._thread.is_alive():
            self._jobs.join()
        self.collect()

    def close(self) -> None:
        """Drain, then stop the thread and close its connection."""
        self.drain()
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _run(self) -> None:
        store: Store | None = None
        opened: Exception | None = None
        try:
            store = Store(self.path)
        except Exception as exc:  # every job fails with it, so the owner records what was lost
            opened = exc
        try:
            while (item := self._jobs.get()) is not None:
                job, done = item
                try:
                    if store is None:
                        raise opened or RuntimeError("the writer's database is not open")
                    outcome: tuple[Any, Exception | None] = (job(store), None)
                except Exception as exc:
                    outcome = (None, exc)
                self._done.append((done, *outcome))
                self._jobs.task_done()
            self._jobs.task_done()
        finally:
            if store is not None:
                store.close()
