"""The "detect zombie flows" automation of Prefect's docs, for ParkLink's deployments: `parklink-zombie-runs`.

A run of one of ParkLink's deployments sends a `prefect.flow-run.heartbeat` every `HEARTBEAT_S` seconds (the
deployments' job variables say so). After each heartbeat a proactive trigger waits `within` seconds for the
next one (or for the run to end, pause or be suspended); when none comes, the run is set to Crashed, and what
watches crashed runs resumes it. Only runs of the deployments named here are watched: another flow run on
the same server (a `parklink respond` on one machine, some other project's flow) beats every 180 s by
default and must not be crashed after a minute.

Created when missing, updated when it differs, left alone when it is as wanted (`ensure_automation`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

NAME = "parklink-zombie-runs"
HEARTBEAT_S = 30  # Prefect's minimum heartbeat interval (3.9 refuses PREFECT_FLOWS_HEARTBEAT_FREQUENCY < 30)
ZOMBIE_AFTER_S = 60  # two missed heartbeats: the run is crashed at most a minute after its machine died
MESSAGE = "Flow run marked as crashed due to missing heartbeats (parklink-zombie-runs)."
EXPECT = ("prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
          "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed", "prefect.flow-run.Paused",
          "prefect.flow-run.Suspended")


def automation(within_s: int, deployment_ids: list[UUID]) -> Any:
    """The automation as Prefect's docs write it, narrowed to the runs of `deployment_ids`."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    return AutomationCore(
        name=NAME,
        description="ParkLink: a run of a ParkLink deployment that stopped sending heartbeats is crashed "
                    f"after {within_s} s, so it can be resumed (see `parklink deploy`).",
        enabled=True,
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect=set(EXPECT),
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification({
                "prefect.resource.role": "deployment",
                "prefect.resource.id": sorted(f"prefect.deployment.{i}" for i in deployment_ids),
            }),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=within_s),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, message=MESSAGE)],
    )


def signature(value: Any) -> Any:
    """What decides whether two automations are the same: their dump, sets and lists sorted, ids left out."""
    if isinstance(value, dict):
        return {k: signature(v) for k, v in sorted(value.items()) if k not in ("id", "created", "updated")}
    if isinstance(value, list | tuple | set):
        return sorted((signature(v) for v in value), key=repr)
    return value


def _wanted(core: Any) -> Any:
    dumped = core.model_dump(mode="json")
    return signature({k: dumped[k] for k in ("name", "description", "enabled", "trigger", "actions")})


def ensure_automation(client: Any, *, within_s: int, deployment_ids: list[UUID]) -> str:
    """Create or update the automation on `client`'s server; `created`, `updated` or `unchanged`."""
    core = automation(within_s, deployment_ids)
    found = client.read_automations_by_name(NAME)
    if not found:
        client.create_automation(core)
        return "created"
    first, *others = found
    for extra in others:  # two of the same name would crash every zombie twice
        client.delete_automation(extra.id)
    if _wanted(first) == _wanted(core) and not others:
        return "unchanged"
    client.update_automation(first.id, core)
    return "updated"


def read_within_s(client: Any) -> int | None:
    """The `within` of the automation on the server, in seconds (None when there is none)."""
    found = client.read_automations_by_name(NAME)
    return int(found[0].trigger.within.total_seconds()) if found else None
