"""The incident report: what happened, where, to whom — the operator's input, and what grading reads.

Checked whole before anything is written. The statutory grading criteria (deaths, serious injuries, direct
loss, people evacuated) and flags (a chemical released, a drinking-water intake cut, effects beyond the
park) are read through `criterion(name)` and `flag(name)`, named as in the playbooks' grading rules.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.errors import InputError

CRITERIA_FIELDS = {"serious_injuries": "injured", "direct_loss_cny": "loss_cny"}  # grading name → field


class IncidentReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
    enterprise: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    chemical: str | None = None
    deaths: int = Field(default=0, ge=0)
    injured: int = Field(default=0, ge=0, description="serious injuries incl. acute poisoning")
    loss_cny: float = Field(default=0.0, ge=0)
    evacuated: int = Field(default=0, ge=0)
    description: str = Field(default="", max_length=4000)
    wind_from_deg: float = Field(default=315.0, ge=0, lt=360, description="direction the wind blows from")
    place: str = Field(default="", max_length=200)
    drinking_water_cut: bool = False
    outside_park: bool = False

    @property
    def hazmat_release(self) -> bool:
        return bool(self.chemical)

    def criterion(self, name: str) -> float:
        """A grading criterion by its name in the playbooks (`serious_injuries`, `direct_loss_cny`, …)."""
        return getattr(self, CRITERIA_FIELDS.get(name, name))

    def flag(self, name: str) -> bool:
        return bool(getattr(self, name))

    def require_place(self) -> IncidentReport:
        """The report a response can start from: it says where (grading alone does not need to know)."""
        if self.enterprise is None and (self.latitude is None or self.longitude is None):
            raise InputError("say where: --enterprise CODE or --at LAT,LON", exit_code=2)
        return self
