"""Where an incident's board page is (pure): the same base URL as the acknowledgement pages (`parklink serve`).

    board_url(base_url, incident_id)   `{base}/board/incidents/{id}`; None without a base URL
    board_key(incident_id)             the key of the flow run's link artifact: `board-<id>` in lowercase letters,
                                       digits and dashes (what Prefect accepts as an artifact key)
"""

from __future__ import annotations

import re
from urllib.parse import quote

BOARD_PATH = "/board/incidents/{incident_id}"


def board_url(base_url: str | None, incident_id: str) -> str | None:
    if not base_url:
        return None
    return base_url.rstrip("/") + BOARD_PATH.format(incident_id=quote(incident_id, safe=""))


def board_key(incident_id: str) -> str:
    return "board-" + (re.sub(r"[^a-z0-9-]+", "-", incident_id.lower()).strip("-") or "incident")
