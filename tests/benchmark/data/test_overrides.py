"""Tests of SettingOverride: nested and concurrent blocks restore the setting only at the end."""

from __future__ import annotations

import threading

from benchmark.data.overrides import SettingOverride


def test_nested_blocks_restore_after_the_last() -> None:
    """The override holds through nested blocks; the saved value comes back once, at the end."""
    setting = {"value": 4}
    calls: list[int] = []

    def set_value(value: int) -> None:
        calls.append(value)
        setting["value"] = value

    override = SettingOverride(lambda: setting["value"], set_value, 1)
    with override():
        assert setting["value"] == 1
        with override():
            assert setting["value"] == 1
        assert setting["value"] == 1
    assert setting["value"] == 4 and calls == [1, 4]


def test_concurrent_blocks_share_one_override() -> None:
    """A block left in one thread while another is inside keeps the override in place."""
    setting = {"value": "loud"}
    override = SettingOverride(
        lambda: setting["value"], lambda v: setting.__setitem__("value", v), "quiet"
    )
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with override():
            inside.set()
            leave.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    with override():
        pass
    assert setting["value"] == "quiet"
    leave.set()
    worker.join(5)
    assert setting["value"] == "loud"
