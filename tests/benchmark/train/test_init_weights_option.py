"""`train --init-weights NAME=PATH`: the generic extra start of --compare-init, checked in one line."""

from __future__ import annotations

import pytest

from benchmark.cli import main


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--init-weights", "aodnet-public=x.pth"], "--init-weights and --compare-seeds need"),
        (["--compare-init", "--init-weights", "x.pth"], "--init-weights takes NAME=PATH"),
    ],
)
def test_init_weights_misuse_is_one_line(args: list[str], text: str, capsys) -> None:
    assert main(["train", "lnet-gie", "--no-progress", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and text in err


def test_the_old_method_named_option_is_gone(capsys) -> None:
    assert main(["train", "lnet-gie", "--aodnet-public", "x.pth"]) == 2
    assert "unrecognized arguments: --aodnet-public" in capsys.readouterr().err
