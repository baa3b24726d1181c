"""The incident's board page in the flow run's artifacts: a link artifact `board-<id>` and a line in the run's log.

    publish_board(run) → the board's URL, or None when the run has no acknowledgement service's base URL

The board is served by `parklink serve` on the acknowledgement pages' base URL configured on this machine
(PARKLINK_ACK_BASE_URL; tasks/web/board_links.py); a drill where none is configured links its own acknowledgement
service, alive while the drill runs. Best-effort, like the assessment's artifacts: an
artifact that cannot be published never fails the run.
"""

from __future__ import annotations

from prefect.artifacts import acreate_link_artifact

from models.i18n import tr
from tasks.response.phases.story import board_line
from tasks.response.run import Run
from tasks.response.runtime import run_settings, settings_for
from tasks.run_log import LOG, run_logger, say
from tasks.web.board_links import board_key, board_url


async def publish_board(run: Run) -> str | None:
    try:
        base = run_settings(run.lang).ack_base_url or settings_for(run).ack_base_url  # `parklink serve`'s first
        url = board_url(base, run.incident_id)
    except Exception:  # noqa: BLE001 — no settings, no link; the run goes on
        LOG.debug("no board link", exc_info=True)
        return None
    if url is None:
        return None
    try:
        await acreate_link_artifact(link=url, link_text=tr(run.lang, "board of {incident}", incident=run.incident_id),
                                    key=board_key(run.incident_id),
                                    description=board_line(run.lang, url))
    except Exception as exc:  # noqa: BLE001 — best-effort, as the assessment's artifacts
        run_logger().warning("board link artifact not published: %s", exc)
    say(board_line(run.lang, url))
    return url
