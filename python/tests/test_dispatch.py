"""The thread pool behind sync applications."""

import threading

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
