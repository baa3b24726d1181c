"""Pure: who may do what on the board (issue 15) — the three roles, the permissions, and `allowed`.

    reviewer    reads
    operator    reads, launches drills, raises or lowers the level, stands a response down
    commander   all an operator may, and approves requisitions

`allowed(role, permission)` is the one rule; the web service (tasks/web/auth.py `SessionUser.can`) and any
page or button ask it, never a list of their own.
"""

from __future__ import annotations

from enum import StrEnum

from models.i18n import NC_


class Role(StrEnum):
    operator = "operator"
    commander = "commander"
    reviewer = "reviewer"


class Permission(StrEnum):
    read = "read"
    launch_drill = "launch_drill"
    change_level = "change_level"
    stand_down = "stand_down"
    approve = "approve"


_OPERATOR = frozenset({Permission.read, Permission.launch_drill, Permission.change_level, Permission.stand_down})
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.reviewer: frozenset({Permission.read}),
    Role.operator: _OPERATOR,
    Role.commander: _OPERATOR | {Permission.approve},
}

# How people read a role: `trc(lang, "role", ROLE_LABELS[role])`.
ROLE_LABELS = {Role.operator: NC_("role", "operator"), Role.commander: NC_("role", "commander"),
               Role.reviewer: NC_("role", "reviewer")}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether a user of `role` may do `permission` (an unknown role or permission: no)."""
    return permission in GRANTS.get(role, frozenset())
