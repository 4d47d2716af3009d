"""The recording switches: no_grad, enable_grad, set_grad_enabled (as a call, a context and a decorator), per
thread, restored after exceptions."""

import threading

import pytest

import tinygrad_edu as tg


def test_no_grad_and_enable_grad():
    x = tg.Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 2
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @tg.no_grad()
    def inference(t):
        return t * 2, tg.is_grad_enabled()

    out, mode = inference(x)
    assert not out.requires_grad and not mode and tg.is_grad_enabled()


def test_set_grad_enabled_as_a_call_a_context_and_a_decorator():
    """PyTorch's semantics: the call sets the mode at once; a with block restores the mode from before it."""
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled() and not (tg.ones(1, requires_grad=True) * 2).requires_grad
        tg.set_grad_enabled(True)
        assert tg.is_grad_enabled()
        with tg.set_grad_enabled(False):
            assert not tg.is_grad_enabled()
            with tg.set_grad_enabled(True):
                assert tg.is_grad_enabled()
            assert not tg.is_grad_enabled()
        assert tg.is_grad_enabled()

        @tg.set_grad_enabled(False)
        def frozen():
            return tg.is_grad_enabled()

        assert tg.is_grad_enabled()  # decorating changes nothing yet
        assert frozen() is False and tg.is_grad_enabled()
        with pytest.raises(TypeError, match="bool"):
            tg.set_grad_enabled("no")
    finally:
        tg.set_grad_enabled(True)


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["worker"] = tg.is_grad_enabled()

    with tg.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        seen["main"] = tg.is_grad_enabled()
    assert seen == {"worker": True, "main": False}


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        1 / 0  # noqa: B018
    assert tg.is_grad_enabled()


def test_a_decorated_function_can_call_itself_and_run_in_threads():
    @tg.no_grad()
    def depth(n):
        return depth(n - 1) if n else tg.is_grad_enabled()

    assert depth(3) is False and tg.is_grad_enabled()


def test_anomaly_mode_is_read_while_any_thread_has_it_on_and_counted_back_to_off():
    """The engine reads the anomaly and keep_outputs switches only while some thread has one on (a count): an op in
    anomaly mode is checked, in its own thread only, and every exit, by an exception too, counts back to zero."""
    from tinygrad_edu import grad_mode

    x = tg.Tensor([0.0], requires_grad=True)
    checked_elsewhere = []
    with tg.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Log"):
            x.log()
        thread = threading.Thread(target=lambda: checked_elsewhere.append(x.log()))
        thread.start()
        thread.join()
        with pytest.raises(RuntimeError), grad_mode.keep_outputs():
            assert grad_mode.rare_switches_on[0] == 2
            raise RuntimeError
    assert grad_mode.rare_switches_on[0] == 0 and len(checked_elsewhere) == 1
    assert x.log().grad_fn.created_at.startswith("<unknown")  # off again: no frame recorded
