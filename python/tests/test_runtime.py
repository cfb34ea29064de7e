"""WorkerConfig from the environment the front end sets."""

import pytest

from wsging.worker.runtime import WorkerConfig, main

BASE = {"WSGING_LINK": "/tmp/x.sock", "WSGING_APP": "hello:app"}


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = WorkerConfig.from_env(BASE)
    assert config == WorkerConfig("/tmp/x.sock", 0, "hello:app", str(tmp_path), 32, False)


def test_all_variables():
    env = dict(BASE, WSGING_WORKER_ID="3", WSGING_APP_DIR="/srv", WSGING_THREADS="5",
               WSGING_DEBUG="1")
    assert WorkerConfig.from_env(env) == WorkerConfig("/tmp/x.sock", 3, "hello:app", "/srv", 5, True)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"WSGING_LINK": ""}, "WSGING_LINK is not set"),
        ({"WSGING_APP": ""}, "WSGING_APP is not set"),
        ({"WSGING_THREADS": "many"}, "WSGING_THREADS must be an integer"),
        ({"WSGING_THREADS": "0"}, "WSGING_THREADS is out of range"),
        ({"WSGING_WORKER_ID": "-1"}, "WSGING_WORKER_ID is out of range"),
    ],
)
def test_bad_environment(change, message):
    with pytest.raises(ValueError, match=message):
        WorkerConfig.from_env(dict(BASE, **change))


def test_main_reports_a_bad_environment_with_status_2(capsys):
    assert main({"WSGING_APP": "x:y"}) == 2
    assert capsys.readouterr().err == "wsging: bad worker environment: WSGING_LINK is not set\n"


def test_main_leaves_shutdown_to_the_front_end(tmp_path):
    # SIGTERM to the process group (systemd, `timeout`, `kill -- -PGID`) must not cut the
    # worker's requests short: the front end drains it with GOAWAY.
    import signal

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        env = {"WSGING_LINK": str(tmp_path / "none.sock"), "WSGING_APP": "no_such_module_here:app",
               "WSGING_APP_DIR": str(tmp_path)}
        assert main(env) == 3  # cannot load: returns before serving, after the signals are set
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def test_worker_log_lines_have_the_servers_one_format():
    import logging

    from wsging.worker.runtime import LineFormatter

    formatter = LineFormatter(2)
    info = logging.LogRecord("wsging.worker", logging.WARNING, __file__, 1, "slow %s", ("call",), None)
    error = logging.LogRecord("wsging.worker", logging.ERROR, __file__, 1, "boom", (), None)
    assert formatter.format(info) == "wsging: worker 2: slow call"
    assert formatter.format(error) == "wsging: error: worker 2: boom"
