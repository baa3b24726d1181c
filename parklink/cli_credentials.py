"""`parklink directory credentials ENTERPRISE [--json] [--revoke]`: an enterprise's key to the report intake API.

The key is printed once and never again: only its SHA-256 is kept (tasks/intake/keys.py says why that is enough
for a random key). Issuing a new key leaves the older ones working until `--revoke`, so an enterprise can
change keys without a gap; `--revoke` revokes every key of the enterprise.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import select

from models.db import session_scope
from models.did_you_mean import did_you_mean
from models.directory import Unit, UnitKind
from models.errors import InputError
from models.i18n import tr
from models.intake_store import add_credential, revoke_credentials
from parklink.app import console, print_json, state
from tasks.intake.keys import key_hash, key_hint, new_key


def _enterprise(session, code: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is not None and unit.kind == UnitKind.enterprise and unit.active:
        return unit
    known = {u.code: u.name_zh for u in session.exec(select(Unit).where(Unit.kind == UnitKind.enterprise,
                                                                         Unit.active)).all()}
    if unit is None:
        why = "no such unit"
    elif unit.kind != UnitKind.enterprise:
        why = f"a unit of kind {unit.kind}, not a resident enterprise"
    else:
        why = "no longer active"
    raise InputError(f"`{code}`: {why}; keys are issued to resident enterprises only"
                     f"{did_you_mean(code, known, names=known, prefix=True, list_up_to=12)}", exit_code=2)


def credentials(
    enterprise: Annotated[str, typer.Argument(help="the enterprise's unit code")],
    revoke: Annotated[bool, typer.Option("--revoke", help="revoke every key of the enterprise")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Issue an enterprise a key for POST /api/reports (printed once), or revoke its keys."""
    lang = state.lang
    with session_scope(state.engine) as session:
        unit = _enterprise(session, enterprise)
        if revoke:
            count = revoke_credentials(session=session, enterprise=unit.code)
        else:
            key = new_key()
            add_credential(session=session, enterprise=unit.code, key_hash=key_hash(key), key_hint=key_hint(key))
    if revoke:
        if json_out:
            return print_json({"enterprise": unit.code, "revoked": count})
        return console.print(tr(lang, "{unit}: {n} key(s) revoked", unit=unit.code, n=count), markup=False)
    if json_out:
        return print_json({"enterprise": unit.code, "key": key})
    console.print(tr(lang, "{unit}: new key (shown only this once; give it to the enterprise, it sends it as "
                           "`Authorization: Bearer <key>`):", unit=unit.code), markup=False)
    print(key)
