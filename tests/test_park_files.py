"""Every file reader within limits (issue 10, item 8): directory, inventory, needs and playbook files.

A FIFO, a device or a directory is refused before it is opened for reading; at most the size limit is read;
deep nesting, NUL bytes, numbers beyond 64 bits, duplicate CSV columns: each one `file:row: field: message`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from models.errors import ImportRejected, InputError
from models.playbook import validate
from models.text_file import MAX_BYTES, FileRefused, read_bytes
from tasks.dispatch import read_needs_file
from tasks.park_io import parse_directory, parse_inventory

REPO = Path(__file__).resolve().parent.parent
TYPES = {"2010101"}


def read_directory(path: Path) -> None:
    parse_directory(path, known_units={"gwh"})


def read_inventory(path: Path) -> None:
    parse_inventory(path, known_units={"gwh"}, known_depots={"dp-xfz"}, known_types=TYPES, reserved={})


def read_needs(path: Path) -> None:
    read_needs_file(path, known_types=TYPES)


def read_playbook(path: Path) -> None:
    result = validate([path], playbooks_dir=REPO / "playbooks", templates_dir=REPO / "templates")
    if result.issues:
        raise InputError("\n".join(str(i) for i in result.issues))


READERS = {"directory.yaml": read_directory, "directory.csv": read_directory, "inventory.yaml": read_inventory,
           "inventory.csv": read_inventory, "needs.yaml": read_needs, "needs.json": read_needs,
           "playbook.yaml": read_playbook}


def refusal(read, path: Path, seconds: float = 5.0) -> str:
    """What `read` says of `path` — run in a thread so that a reader blocked on a FIFO fails the test."""
    outcome: list = []

    def run():
        try:
            read(path)
            outcome.append("parsed")
        except InputError as exc:
            outcome.append("\n".join(exc.lines()))
        except BaseException as exc:  # noqa: BLE001 — the test reports whatever escaped
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"{path}: still reading after {seconds} s"
    assert isinstance(outcome[0], str), f"{path}: {outcome[0]!r} escaped"
    return outcome[0]


@pytest.mark.parametrize("name", READERS)
def test_a_fifo_is_refused_without_blocking(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    out = refusal(READERS[name], fifo)
    assert str(fifo) in out and "is a FIFO (named pipe), not a regular file; give the path of a file" in out


@pytest.mark.parametrize("name", READERS)
def test_a_device_behind_a_good_name_is_refused_unread(tmp_path, name):
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    out = refusal(READERS[name], link)
    assert str(link) in out and "is a character device, not a regular file; give the path of a file" in out


@pytest.mark.parametrize("name", ["directory.yaml", "inventory.csv", "needs.json"])
def test_a_directory_is_refused(tmp_path, name):
    folder = tmp_path / "d" / name
    folder.mkdir(parents=True)
    assert f"{folder}: is a directory, not a regular file; give the path of a file" in refusal(READERS[name], folder)


@pytest.mark.parametrize("name", READERS)
def test_a_file_over_the_limit_is_refused_from_its_size(tmp_path, name):
    big = tmp_path / name
    with big.open("wb") as fh:
        fh.truncate(50 * MAX_BYTES)  # sparse: 50 MiB on paper, refused before reading
    out = refusal(READERS[name], big)
    assert str(big) in out and "file is 52,428,800 bytes, over the 1 MiB limit; split it" in out


def test_a_file_that_grows_while_read_is_cut_at_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"x" * (MAX_BYTES + 10))
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: os.stat_result((*real_stat(p)[:6], 10, *real_stat(p)[7:])))
    with pytest.raises(FileRefused, match="grew over the 1 MiB limit while read"):
        read_bytes(path)


CASES = [  # (file name, content, the lines of the refusal without the final count)
    ("directory.yaml", b"units: " + b"[" * 5000 + b"]" * 5000 + b"\n", ["{f}:1: nested deeper than 32 levels"]),
    ("directory.yaml", b"units:\n  - code: ab\n    name_zh: \"a\\0b\"\n",
     ["{f}:3: contains a NUL character (\\0); remove it"]),
    ("directory.csv", b"unit_code,unit_name_zh\nab,a\x00b\n",
     ["{f}:2: NUL byte (0x00) in the file; save it as plain UTF-8 text"]),
    ("directory.yaml", b"units:\n  - code: ab\n    name_zh: \x01x\n",
     ["{f}:3: character #x0001 is not allowed in YAML text; remove it"]),
    ("inventory.yaml", b"stock:\n  - {depot: dp-xfz, resource_type: '2010101', quantity: 9223372036854775808}\n",
     ["{f}:2: number outside the 64-bit range (\u00b19,223,372,036,854,775,807)"]),
    ("inventory.yaml", b"stock:\n  - {depot: dp-xfz, resource_type: '2010101', quantity: " + b"9" * 5000 + b"}\n",
     ["{f}:2: number outside the 64-bit range (\u00b19,223,372,036,854,775,807)"]),
    ("inventory.csv", b"depot,resource_type,quantity\ndp-xfz,2010101,9223372036854775808\n",
     ["{f}:2: quantity: number outside the 64-bit range (\u00b19,223,372,036,854,775,807)"]),
    ("inventory.csv", b"depot,resource_type,quantity,quantity\ndp-xfz,2010101,1,2\n",
     ["{f}:1: quantity: column given 2 times; give each column once"]),
    ("inventory.csv", b"depot,resource_type,quantity\ndp-xfz,2010101,\"" + b"x" * 200_000 + b"\"\n",
     ["{f}:1: not valid CSV: field larger than field limit (131072)"]),
    ("inventory.yaml", b"resource_types:\n  - {code: '2999901', name_zh: x, uom: y, unit_price: .inf}\n",
     ["{f}:2: unit_price: `inf` is not a finite number"]),
    ("inventory.yaml", b"stock:\n  - {depot: dp-xfz, resource_type: '2010101', quantity: 1, inspected_on: 2026-02-30}\n",
     ["{f}:2: not a valid date or time: day is out of range for month"]),
    ("needs.json", b"[" * 3000 + b"]" * 3000, ["{f}: nested deeper than 32 levels"]),
    ("needs.json", b'[{"id": "a\\u0000", "resource_type": "2010101", "quantity": 1, "urgency": 1, "role": "primary"}]',
     ["{f}: contains a NUL character (\\0); remove it"]),
    ("needs.json", b'[{"id": "a", "resource_type": "2010101", "quantity": ' + b"9" * 5000 + b', "urgency": 1, '
     b'"role": "primary"}]', ["{f}: number outside the 64-bit range (\u00b19,223,372,036,854,775,807)"]),
    ("needs.json", b'[{"id": "a", "resource_type": "2010101", "quantity": 1, "urgency": 1, "role": "primary", '
     b'"deadline_min": NaN}]', ["{f}: `nan` is not a finite number"]),
    ("needs.yaml", b"- {id: a, resource_type: '2010101', quantity: '" + b"9" * 30 + b"', urgency: 1, role: primary, "
     b"deadline_min: .nan}\n", ["{f}:1: needs[0].deadline_min: `nan` must be a number of minutes greater than 0 "
                                "(at most 527,040)", "{f}:1: needs[0].quantity: `99999999999999999999\u2026` is outside "
                                "the 64-bit range"]),
    ("needs.json", b'[{"id": "a", "id": "b"}]', ["{f}: duplicate key `id` in a JSON object"]),
    ("needs.yaml", b"- {id: a, resource_type: \"20\\n10101\", quantity: 1, urgency: 1, role: primary}\n",
     ["{f}:1: needs[0].resource_type: unknown resource type `20\\n10101`; did you mean `2010101`?"]),
    ("directory.yaml", b"units:\n  - {code: \"a\\rb\", name_zh: x, kind: enterprise}\n",
     ["{f}:2: code: must be 2\u201340 lowercase letters, digits or dashes, starting with a letter, e.g. xfjydd "
      "(got `a\\rb`)"]),
    ("needs.yaml", b"- " * 3000 + b"x\n", ["{f}:1: nested deeper than 32 levels (column 65)"]),
]


@pytest.mark.parametrize("name, content, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_content_is_one_line_per_problem(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    lines = refusal(READERS[name], path).splitlines()
    noun = "planned" if name.startswith("needs") else "imported"
    assert lines == [e.format(f=path) for e in expected] + [f"{len(expected)} error(s); nothing was {noun}"]


def test_a_deep_playbook_is_one_syntax_issue(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_bytes(b"id: deep\nlevels: " + b"{a: " * 2000 + b"1" + b"}" * 2000 + b"\n")
    assert refusal(read_playbook, path).splitlines() == [f"{path}:2:130: nested deeper than 32 levels"]


def test_refused_file_through_the_cli_writes_nothing(cli, tmp_path):
    cli("init")
    before = cli("directory", "export").stdout, cli("inventory", "export").stdout
    fifo = tmp_path / "stock.csv"
    os.mkfifo(fifo)
    dup = tmp_path / "dup.csv"
    dup.write_text("depot,resource_type,quantity,quantity\ndp-xfz,2010101,1,2\n", encoding="utf-8")
    for command, path, line in [("inventory", fifo, f"{fifo}: is a FIFO (named pipe), not a regular file; give the "
                                 "path of a file"),
                                ("inventory", dup, f"{dup}:1: quantity: column given 2 times; give each column once")]:
        out = cli(command, "import", str(path))
        assert out.exit_code == 1 and "Traceback" not in out.stderr
        assert out.stderr.splitlines() == [f"Error: {line}", "Error: 1 error(s); nothing was imported"]
    assert (cli("directory", "export").stdout, cli("inventory", "export").stdout) == before
    with pytest.raises(ImportRejected):
        read_inventory(dup)
