"""Two new incidents opened at once (on two workers) each get their own id; a re-run with an operator's id
continues its incident (issue 11: one run had continued another's new incident that drew the same number)."""

from __future__ import annotations

import pytest

from models.db import session_scope
from models.incident import Incident
from models.incident_store import IdTaken, next_incident_id, open_incident


def incident(incident_id: str, playbook: str = "fire") -> Incident:
    return Incident(id=incident_id, playbook_id=playbook, playbook_hash="h", level="IV", latitude=36.15,
                    longitude=112.27)


def test_a_numbered_id_taken_meanwhile_is_numbered_again_not_continued(engine):
    with session_scope(engine) as session:
        first = next_incident_id(session=session)
        assert open_incident(session=session, incident=incident(first), generated=True)[1] is True
    with session_scope(engine) as session:  # the other worker drew the same number before the first committed
        with pytest.raises(IdTaken):
            open_incident(session=session, incident=incident(first, "hazmat-leak"), generated=True)
        assert next_incident_id(session=session) != first
    with session_scope(engine) as session:  # the operator's own id: a re-run continues it
        again, created = open_incident(session=session, incident=incident(first))
        assert (again.id, again.playbook_id, created) == (first, "fire", False)
