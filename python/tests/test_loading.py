"""Loading MODULE:ATTR, async detection and lifespan (spec A.3)."""

import asyncio
import contextlib
import functools
import sys

import pytest

import threading

from wsging.worker.loading import Lifespan, LoadError, find_lifespan, is_async_app, load_app


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


async def _async_app(request):
    pass


def test_a_functools_wraps_sync_wrapper_of_an_async_app_is_async():
    @functools.wraps(_async_app)
    def wrapper(request):
        return _async_app(request)

    @functools.wraps(wrapper)
    def outer(request):
        return wrapper(request)

    assert is_async_app(wrapper)
    assert is_async_app(outer)
    assert is_async_app(functools.partial(wrapper))


def test_a_wraps_wrapper_of_a_sync_app_stays_sync():
    def sync_app(request):
        pass

    @functools.wraps(sync_app)
    def wrapper(request):
        return sync_app(request)

    assert not is_async_app(wrapper)


def test_an_object_with_a_sync_call_is_sync_whatever_it_wraps():
    # asgiref's async_to_sync records what it wraps but must run off the loop.
    class AsyncToSync:
        def __init__(self, inner):
            functools.update_wrapper(self, inner)

        def __call__(self, request):
            return None

    assert not is_async_app(AsyncToSync(_async_app))


def test_a_cycle_of_wrapped_attributes_ends():
    def wrapper(request):
        pass

    wrapper.__wrapped__ = wrapper
    assert not is_async_app(wrapper)
    assert find_lifespan(wrapper) is None


def _span():
    return contextlib.nullcontext()


def test_lifespan_is_found_through_wrapped_layers():
    def app(request):
        pass

    app.lifespan = _span

    class Middleware:  # a class layer that only records what it wraps
        def __init__(self, inner):
            self.__wrapped__ = inner

        def __call__(self, request):
            return self.__wrapped__(request)

    def function_layer(inner):
        def layer(request):
            return inner(request)

        layer.__wrapped__ = inner
        return layer

    assert find_lifespan(Middleware(Middleware(app))) is _span
    assert find_lifespan(function_layer(Middleware(app))) is _span
    assert find_lifespan(Middleware(lambda request: None)) is None


def test_the_outermost_lifespan_is_found_first():
    def app(request):
        pass

    def outer_span():
        return contextlib.nullcontext()

    app.lifespan = _span

    class Middleware:
        lifespan = staticmethod(outer_span)

        def __init__(self, inner):
            self.__wrapped__ = inner

    assert find_lifespan(Middleware(app)) is outer_span


def test_lifespan_through_a_middleware_runs():
    events = []

    @contextlib.contextmanager
    def lifespan():
        events.append("start")
        yield
        events.append("stop")

    def app(request):
        pass

    app.lifespan = lifespan

    class Middleware:
        def __init__(self, inner):
            self.__wrapped__ = inner

    async def main():
        life = Lifespan(Middleware(app))
        await life.startup()
        events.append("serving")
        await life.shutdown()

    asyncio.run(main())
    assert events == ["start", "serving", "stop"]


def test_sync_lifespan_runs_off_the_loop_on_one_thread():
    seen = []

    @contextlib.contextmanager
    def lifespan():
        seen.append(_running_loop_or_none())
        seen.append(threading.get_ident())
        yield
        seen.append(_running_loop_or_none())
        seen.append(threading.get_ident())

    def app(request):
        pass

    app.lifespan = lifespan

    async def main():
        life = Lifespan(app)
        await life.startup()
        await life.shutdown()
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert seen[0] is None and seen[2] is None  # no running loop visible to sync code
    assert seen[1] == seen[3] != loop_thread  # entered and exited on the same other thread


def _running_loop_or_none():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def test_sync_lifespan_failure_is_a_load_error():
    def app(request):
        pass

    @contextlib.contextmanager
    def lifespan():
        raise RuntimeError("database down")
        yield

    app.lifespan = lifespan
    with pytest.raises(LoadError, match="RuntimeError: database down"):
        asyncio.run(Lifespan(app, "m:app").startup())
