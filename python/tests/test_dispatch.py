"""The thread pool behind sync applications."""

import asyncio
import threading

from wsging.worker import dispatch
from wsging.worker.dispatch import ThreadPool


def test_runs_jobs_and_never_exceeds_max_threads():
    pool = ThreadPool(3)
    lock = threading.Lock()
    running = {"now": 0, "max": 0}
    gate = threading.Barrier(3, timeout=10)
    done = threading.Semaphore(0)

    def job(i):
        with lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
        if i < 3:
            gate.wait()  # the first three must run at the same time
        with lock:
            running["now"] -= 1
        done.release()

    for i in range(20):
        pool.submit(job, i)
    for _ in range(20):
        assert done.acquire(timeout=10)
    assert running["max"] == 3
    names = {t.name for t in threading.enumerate() if t.name.startswith("wsging-app")}
    assert 1 <= len(names) <= 3
    pool.shutdown()


def test_threads_are_daemons():
    pool = ThreadPool(1, name="wsging-daemon-check")
    seen = []
    event = threading.Event()
    pool.submit(lambda: (seen.append(threading.current_thread().daemon), event.set()))
    assert event.wait(10)
    assert seen == [True]
    pool.shutdown()


def _run_on_loop(pool, submit_jobs, timeout=10):
    """Submit from the loop's thread (as the worker does) and wait for the jobs' report."""
    loop = asyncio.new_event_loop()
    try:
        pool.bind_loop(loop)

        async def main():
            finished = asyncio.Event()
            submit_jobs(lambda: loop.call_soon_threadsafe(finished.set))
            await asyncio.wait_for(finished.wait(), timeout)

        loop.run_until_complete(main())
    finally:
        pool.shutdown()
        loop.close()


def test_jobs_that_wait_for_each_other_get_threads_with_a_loop_bound():
    # One awake thread would take them one by one and wait at the barrier forever: the stall
    # check must wake a thread for each queued job.
    pool = ThreadPool(4, name="wsging-stall-check")
    gate = threading.Barrier(3, timeout=10)
    passed = []

    def submit_jobs(report):
        def job():
            gate.wait()
            passed.append(1)
            if len(passed) == 3:
                report()

        for _ in range(3):
            pool.submit(job)

    _run_on_loop(pool, submit_jobs)
    assert len(passed) == 3


def test_a_burst_of_jobs_that_do_not_block_wakes_one_thread(monkeypatch):
    monkeypatch.setattr(dispatch, "STALL_SECONDS", 60.0)  # no stall check during the test
    pool = ThreadPool(8, name="wsging-burst-check")
    threads = set()
    count = []

    def submit_jobs(report):
        def job():
            threads.add(threading.get_ident())
            count.append(1)
            if len(count) == 50:
                report()

        for _ in range(50):
            pool.submit(job)

    _run_on_loop(pool, submit_jobs)
    assert len(threads) == 1
