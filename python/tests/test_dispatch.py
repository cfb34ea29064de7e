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


# -- a sync producer's hand-over (Exchange.send_if_room / send_sync) -----------------------


class _Session:
    """The little of a link session an exchange needs; calls from threads run at once."""

    def __init__(self):
        import threading as _threading

        self.loop = None
        self.loop_thread = _threading.get_ident()
        self.peer_max_frame = 1 << 20
        self.peer_file_bodies = 0
        self.initial_window = 1 << 16
        self.writing_paused = False
        self.body_memory = None
        self.sync_pool = None
        self.written = []

    def write(self, data):
        self.written.append(bytes(data))

    def call_from_thread(self, fn, *args):
        fn(*args)

    def resume_later(self, exchange):
        pass

    def stream_completed(self, exchange):
        pass


def _streaming_exchange(window):
    from wsging import Response
    from wsging.worker.exchange import Exchange
    from wsging.worker.streams import Stream

    session = _Session()
    exchange = Exchange(session, Stream(1, window, 1 << 16, True), False, 0)
    exchange.start(Response(iter([b""])))  # the head; the body streams
    return session, exchange


def test_a_producer_past_the_window_is_parked_and_resumed_once_it_is_all_sent():
    session, exchange = _streaming_exchange(window=10)
    resumed = []
    assert exchange.send_if_room(b"12345")  # fits: handed over, sent
    assert not exchange.send_if_room(b"abcdefghijkl")  # 12 > the 5 left: nothing handed over
    assert exchange.send_sync(b"abcdefghijkl", lambda: resumed.append(1)) is False  # parked
    assert resumed == []  # 7 bytes of it wait for credit
    exchange.on_window(3)
    assert resumed == []  # still 4 bytes unsent
    exchange.on_window(10)
    assert resumed == [1]  # all sent: the producer gets a thread again, once
    exchange.on_window(10)
    assert resumed == [1]
    body = b"".join(session.written[2::2])  # after the head: frame header, payload, ...
    assert body == b"12345abcdefghijkl"


def test_a_parked_producer_is_resumed_when_the_stream_is_reset():
    session, exchange = _streaming_exchange(window=4)
    resumed = []
    assert exchange.send_sync(b"123456", lambda: resumed.append(1)) is False
    exchange.on_reset(8)
    assert resumed == [1]  # to see `stopped` and close its body
    assert exchange.stopped
    assert exchange.send_if_room(b"more")  # stopped: nothing is handed over, the loop stops
