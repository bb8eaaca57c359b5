"""The "wrote …" line of ``nnsheet trace`` counts in English: one epoch, not "1 epochs"."""

from __future__ import annotations

from nnsheet.cli import main


def test_wrote_line_says_one_epoch_and_one_step(tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    # mazur: one step of one sample, one epoch
    assert main(["trace", "mazur", "-o", str(out)]) == 0
    assert capsys.readouterr().err.splitlines() == [f"wrote {out} (1 step, 1 epoch)"]


def test_detail_line_says_the_first_epoch(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["trace", "xor", "--epochs", "3", "--detail-epochs", "1", "-o", str(out)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"wrote {out} (12 steps, 3 epochs; Steps rows for the first 1 epoch)"
    ]
