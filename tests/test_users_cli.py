"""`parklink users` (issue 15 item 1): accounts added, listed, disabled and given a new password from the CLI, the
password read from one line of standard input and kept only as an Argon2 hash, every action (refused ones too)
logged with who ran it; every refusal one line, exit 2, no account written."""

from __future__ import annotations

import io
import json
import sys

import pytest

from models.db import session_scope
from models.passwords import MIN_PASSWORD, verify_password
from models.roles import GRANTS, Permission, Role, allowed
from models.user import UserActionKind, Via
from models.user_store import get_user, list_actions, list_users

PASSWORD = "correct horse battery"


@pytest.fixture
def users(cli, monkeypatch):
    """`parklink users ARGS…` with `stdin` as standard input."""
    def run(*args: str, stdin: str | None = None):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin if stdin is not None else ""))
        return cli("users", *args)
    return run


def test_roles_permissions_as_the_issue_says():
    assert [p for p in Permission if allowed(Role.reviewer, p)] == [Permission.read]
    assert not allowed(Role.reviewer, Permission.approve) and allowed(Role.commander, Permission.approve)
    assert not allowed(Role.operator, Permission.approve)
    for p in (Permission.read, Permission.launch_drill, Permission.change_level, Permission.stand_down):
        assert allowed(Role.operator, p) and allowed(Role.commander, p)
    assert GRANTS[Role.commander] > GRANTS[Role.operator] > GRANTS[Role.reviewer]


def test_add_from_stdin_list_and_json(users, engine):
    done = users("add", "zhang.wei", "--role", "commander", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.stderr
    assert "已添加用户 zhang.wei（指挥长）" in done.stdout and PASSWORD not in done.stdout + done.stderr
    assert users("add", "li.na", "--role", "reviewer", "--password-stdin", stdin=PASSWORD + "2\r\n").exit_code == 0
    with session_scope(engine) as session:
        row = get_user(session=session, name="zhang.wei")
        assert row.role is Role.commander and not row.disabled
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
        assert verify_password(row.password_hash, PASSWORD) and not verify_password(row.password_hash, PASSWORD + "x")
        assert verify_password(get_user(session=session, name="li.na").password_hash, PASSWORD + "2")
    table = users("list")
    assert table.exit_code == 0 and "zhang.wei" in table.stdout and "指挥长" in table.stdout
    assert "审阅人" in table.stdout and "角色" in table.stdout and "最近登录" in table.stdout
    listed = json.loads(users("list", "--json").stdout)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("li.na", "reviewer", False),
                                                                         ("zhang.wei", "commander", False)]
    assert all("password_hash" not in u for u in listed)


@pytest.mark.parametrize(("args", "stdin", "line"), [
    (["zhang.wei", "--role", "operator"], PASSWORD, "user `zhang.wei` already exists"),
    (["wang", "--role", "boss"], PASSWORD, "--role `boss`: unknown role; choose operator, commander or reviewer"),
    (["Wang", "--role", "operator"], PASSWORD, "user name `Wang`: give 2–40 characters"),
    (["wang wu", "--role", "operator"], PASSWORD, "user name `wang wu`"),
    (["wang", "--role", "operator"], "", "the password is empty"),
    (["wang", "--role", "operator"], "short", f"the password is too short (5 characters): give at least "
                                              f"{MIN_PASSWORD}"),
    (["wang", "--role", "operator"], PASSWORD + "\nsecond line\n", "give the password as ONE line"),
])
def test_refusals_are_one_line_and_write_no_account(users, engine, args, stdin, line):
    assert users("add", "zhang.wei", "--role", "commander", "--password-stdin", stdin=PASSWORD).exit_code == 0
    out = users("add", *args, "--password-stdin", stdin=stdin)
    assert out.exit_code == 2 and out.stderr.startswith("Error: ") and line in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    with session_scope(engine) as session:
        assert [u.name for u in list_users(session=session)] == ["zhang.wei"]
        refused = list_actions(session=session, action=UserActionKind.add_user)[0]
    assert not refused.ok and refused.via is Via.cli and refused.detail.startswith("refused: ")
    assert PASSWORD not in refused.detail


def test_unknown_user_and_no_terminal(users):
    for args in (["disable", "nobody"], ["passwd", "nobody", "--password-stdin"], ["enable", "nobody"]):
        out = users(*args, stdin=PASSWORD)
        assert out.exit_code == 2 and out.stderr.strip() == "Error: user `nobody` not found; see `parklink users list`"
    users("add", "zhang.wei", "--role", "operator", "--password-stdin", stdin=PASSWORD)
    out = users("passwd", "zhang.wei", stdin=PASSWORD)  # no --password-stdin, and standard input is no terminal
    assert out.exit_code == 2 and "pipe it in with --password-stdin" in out.stderr


def test_disable_enable_passwd_and_the_audit_trail(users, engine):
    users("add", "zhang.wei", "--role", "operator", "--password-stdin", stdin=PASSWORD)
    assert users("disable", "zhang.wei").exit_code == 0
    again = users("disable", "zhang.wei")
    assert again.exit_code == 2 and "already disabled" in again.stderr
    assert "已停用" in users("list").stdout
    assert users("enable", "zhang.wei").exit_code == 0
    with session_scope(engine) as session:
        before = get_user(session=session, name="zhang.wei").password_changed_at
    new = "a new password of the shift"
    assert users("passwd", "zhang.wei", "--password-stdin", stdin=new + "\n").exit_code == 0
    with session_scope(engine) as session:
        row = get_user(session=session, name="zhang.wei")
        trail = list_actions(session=session)
    assert verify_password(row.password_hash, new) and not verify_password(row.password_hash, PASSWORD)
    assert row.password_changed_at > before
    assert [(a.action, a.target, a.ok) for a in trail] == [
        ("set_password", "zhang.wei", True), ("enable_user", "zhang.wei", True), ("disable_user", "zhang.wei", False),
        ("disable_user", "zhang.wei", True), ("add_user", "zhang.wei", True)]
    assert all(a.via is Via.cli and a.user.startswith("system:") and a.role is None for a in trail)
    assert all(PASSWORD not in a.detail and new not in a.detail for a in trail)
    log = json.loads(users("log", "--json", "--limit", "2").stdout)
    assert [r["action"] for r in log] == ["set_password", "enable_user"]
