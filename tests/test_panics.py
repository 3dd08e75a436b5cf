"""A panic in the Rust core never crosses into Python as a crash: it becomes an ``InternalError``,
a ``DoraBridgeError`` that the integrations answer with ``return_error`` like any other."""

from __future__ import annotations

import pytest

import dora_bridge
from dora_bridge import DoraBridgeError, InternalError
from dora_bridge._core import _selftest_panic


def test_a_panic_becomes_an_internal_error():
    with pytest.raises(InternalError) as e:
        _selftest_panic("index out of bounds: the len is 3 but the index is 7")
    assert isinstance(e.value, DoraBridgeError)
    assert isinstance(e.value, Exception)
    assert "index out of bounds: the len is 3 but the index is 7" in str(e.value)
    assert "please report it" in str(e.value)


def test_the_core_still_works_after_a_panic():
    for _ in range(3):
        with pytest.raises(InternalError):
            _selftest_panic("again")
    assert dora_bridge.classification_inputs()


def test_except_exception_catches_it():
    try:
        _selftest_panic("caught by the integrations' `except Exception`")
    except Exception as e:  # what main() does
        caught = e
    assert type(caught).__name__ == "InternalError"
