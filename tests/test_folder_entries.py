"""``check DIR``: every entry of a graded folder is accounted for (issue 22 item 10). What is not
graded — other files, sub-folders, links to folders, dangling links, FIFOs, devices, sockets — is
one stderr line per kind naming the entries (escaped: a name cannot drive the terminal), and none
of them is opened (a FIFO would block the run)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from nnsheet.cli import main
from nnsheet.grading.batch import submissions


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "class"
    d.mkdir()
    (d / "ana.xlsx").write_bytes(b"PK")  # submissions() only lists; it opens nothing
    (d / "budi.ods").write_bytes(b"PK")
    (d / "notes.txt").write_text("x")
    (d / "evil\x1b[31m.txt").write_text("x")
    (d / "sub").mkdir()
    (d / "to-sub.xlsx").symlink_to(d / "sub")
    (d / "gone.xlsx").symlink_to(d / "missing.xlsx")
    (d / "null.xlsx").symlink_to("/dev/null")
    (d / "to-ana.xlsx").symlink_to(d / "ana.xlsx")  # a link to a regular file is graded
    os.mkfifo(d / "pipe.xlsx")
    return d


def test_every_entry_that_is_not_graded_is_one_line_per_kind(tmp_path: Path) -> None:
    d = _folder(tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(d / "sock.xlsx"))
        lines: list[str] = []
        files, several = submissions([d], lines.append)
    finally:
        sock.close()
    assert [f.name for f in files] == ["ana.xlsx", "budi.ods", "to-ana.xlsx"] and several
    assert lines == [
        f"{d}: not graded (not .xlsx, .ods or .xls): evil\\x1b[31m.txt, notes.txt",
        f"{d}: not graded (a folder): sub",
        f"{d}: not graded (a link to a folder): to-sub.xlsx",
        f"{d}: not graded (a link to nothing): gone.xlsx",
        f"{d}: not graded (a FIFO): pipe.xlsx",
        f"{d}: not graded (a device): null.xlsx",
        f"{d}: not graded (a socket): sock.xlsx",
    ]
    assert not any("\x1b" in line for line in lines)


def test_a_folder_of_only_odd_entries_is_refused_in_one_line_and_never_blocks(
    tmp_path: Path, capsys
) -> None:
    d = tmp_path / "odd"
    d.mkdir()
    os.mkfifo(d / "a.xlsx")  # opening it for reading would wait for a writer for ever
    (d / "b.xlsx").symlink_to(d / "nowhere")
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{d}: not graded (a link to nothing): b.xlsx",
        f"{d}: not graded (a FIFO): a.xlsx",
        f"nnsheet: error: {d}: no .xlsx, .ods or .xls file directly inside this folder",
    ]


def test_an_error_naming_a_file_is_one_escaped_line(tmp_path: Path, capsys) -> None:
    """cli.main's one error line: a file name's control characters escaped, never a 2nd line."""
    spec = tmp_path / "no\x1b]0;x\x07such\n.toml"
    assert main(["trace", str(spec), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnsheet: error: ") and err.count("\n") == 1
    assert "\x1b" not in err and "\x07" not in err and "no\\x1b]0;x\\x07such" in err
