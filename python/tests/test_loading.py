"""Loading MODULE:ATTR, async detection and lifespan (spec A.3)."""

import asyncio
import contextlib
import functools
import sys

import pytest

from wsging.worker.loading import Lifespan, LoadError, is_async_app, load_app


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / "loadme_pkg.py").write_text(
        "class Holder:\n    def app(self, request):\n        return 1\nholder = Holder()\n"
        "def app(request):\n    return 1\n"
    )
    yield str(tmp_path)
    sys.modules.pop("loadme_pkg", None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_loads_attribute_and_dotted_attribute(app_dir):
    assert load_app("loadme_pkg:app", app_dir).__name__ == "app"
    assert load_app("loadme_pkg:holder.app", app_dir).__name__ == "app"
    assert sys.path[0] == app_dir


@pytest.mark.parametrize("spec", ["", "x", ":app", "mod:", " : "])
def test_bad_spec(spec):
    with pytest.raises(LoadError, match="expected MODULE:ATTR"):
        load_app(spec)


def test_reason_is_one_line():
    error = LoadError("m:a", "first\nsecond\r\n  third")
    assert str(error) == "cannot load app 'm:a': first second third"


def test_async_detection():
    async def coroutine_app(request):
        pass

    class AsyncCallable:
        async def __call__(self, request):
            pass

    def sync_app(request):
        pass

    assert is_async_app(coroutine_app)
    assert is_async_app(AsyncCallable())
    assert is_async_app(functools.partial(coroutine_app))
    assert not is_async_app(sync_app)
    assert not is_async_app(lambda request: None)


def test_lifespan_absent_is_a_no_op():
    lifespan = Lifespan(lambda request: None)
    asyncio.run(lifespan.startup())
    asyncio.run(lifespan.shutdown())


def test_lifespan_must_return_a_context_manager():
    def app(request):
        pass

    app.lifespan = lambda: 42
    with pytest.raises(LoadError, match="not a context manager"):
        asyncio.run(Lifespan(app, "m:app").startup())


def test_async_lifespan_runs_on_the_loop_it_is_given():
    loops = []

    @contextlib.asynccontextmanager
    async def lifespan():
        loops.append(asyncio.get_running_loop())
        yield
        loops.append(asyncio.get_running_loop())

    class App:
        def __call__(self, request):
            pass

    App.lifespan = staticmethod(lifespan)

    async def main():
        life = Lifespan(App())
        await life.startup()
        await life.shutdown()
        return asyncio.get_running_loop()

    loop = asyncio.run(main())
    assert loops == [loop, loop]
