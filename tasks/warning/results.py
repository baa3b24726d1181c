"""What a warning run did, typed (the `--json` of `parklink warn`). Pure.

    WarningResult   {warning, playbook, colour, state, drill, actions: [{id, colour, owner, acknowledged, status}],
                     standby: {notified, acknowledged, units, unreached}, reserve_check: {levels, shortfalls},
                     unreached, flow_run_id, incident, drill_gateway}
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.drill import GatewayCount
from models.events import UnitStatus
from models.events.warning import ShortfallLine
from models.warning_kinds import Colour, WarningState


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ActionResult(Frozen):
    id: str
    colour: Colour
    owner: str
    acknowledged: bool
    status: UnitStatus | None = None  # none: stood down or lifted before it was answered
    acked_by: str | None = None


class StandbyResult(Frozen):
    units: int = 0
    notified: int = 0
    acknowledged: int = 0
    unreached: list[str] = Field(default_factory=list)


class ReserveCheckResult(Frozen):
    levels: list[str] = Field(default_factory=list)
    shortfalls: list[ShortfallLine] = Field(default_factory=list)
    requisitions: list[ShortfallLine] = Field(default_factory=list)
    sent_to: str | None = None
    delivered: bool = False


class WarningResult(Frozen):
    warning: str
    playbook: str
    colour: Colour
    state: WarningState
    drill: bool
    actions: list[ActionResult] = Field(default_factory=list)
    standby: StandbyResult = Field(default_factory=StandbyResult)
    reserve_check: ReserveCheckResult = Field(default_factory=ReserveCheckResult)
    flow_run_id: str = ""
    incident: str | None = None
    failed: dict[str, str] = Field(default_factory=dict)
    drill_gateway: GatewayCount | None = None
    run_state: str | None = None  # the flow run's final state, as the CLI saw it

    @property
    def unreached(self) -> list[str]:
        """Who had to be reached and was not: action owners nobody answered for, units on standby unreached."""
        owners = [f"{a.id}:{a.owner}" for a in self.actions if a.status is UnitStatus.unreachable]
        return owners + [f"standby:{u}" for u in self.standby.unreached]

    @property
    def reached_everyone(self) -> bool:
        return not self.unreached and self.reserve_check.delivered
