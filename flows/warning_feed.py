"""The CAP feed poller: a scheduled deployment reads the park's feed of alerts and applies each new one.

    warning_feed(source=None, drill=False, lang="zh-CN") → FeedResult

`source` (default PARKLINK_CAP_FEED): an Atom or RSS 2.0 URL whose entries carry or link CAP alerts, or a folder
where alert files are dropped (read in name order). Every alert goes through tasks/warning/cap_apply.py: the same
alert twice is applied once (sender, identifier, sent), an Update or Cancel changes the warning its references
raised, one outside the park is recorded and ignored. A bad document is named in the result with its one line
and the others go on. A new warning is run by the `warn/warning` deployment (a worker takes it); without that
deployment it runs inside this flow run (a drill ends by itself; a live warning holds the poller until it ends).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed
from pydantic import BaseModel, Field

from models.errors import InputError
from models.settings import Lang
from tasks.cap.feed import read_feed, read_folder
from tasks.response.runtime import db, run_settings
from tasks.warning.cap_apply import apply_cap, read_source

WARN_DEPLOYMENT = "warn/warning"


class FeedResult(BaseModel):
    source: str
    applied: list[dict] = Field(default_factory=list)  # CapApplied.as_dict() of each alert read
    refused: list[str] = Field(default_factory=list)  # one line per document that could not be read
    started: list[str] = Field(default_factory=list)  # warnings whose run was started


def documents(source: str, settings) -> list[tuple[bytes, str]]:
    """The feed's CAP documents as bytes, each with where it came from."""
    if not source.startswith(("http://", "https://")):
        folder = Path(source)
        if not folder.is_dir():
            raise InputError(f"CAP feed {source}: not a folder or an http(s) URL; set PARKLINK_CAP_FEED", exit_code=2)
        return [read_source(str(path), settings) for path in read_folder(folder)]
    data, where = read_source(source, settings)
    out = []
    for entry in read_feed(data, where=where, base_url=source).entries:
        out.append((entry.document, f"{where} {entry.title}".strip()) if entry.document is not None
                   else read_source(entry.url, settings))
    return out


@task(name="apply CAP alert", cache_policy=NO_CACHE)
def apply_one(data: bytes, where: str, drill: bool, lang: str) -> dict:
    settings = run_settings(lang)
    return apply_cap(db(settings), data, where=where, settings=settings, playbook=None, drill=drill, lang=lang,
                     time_scale=None).as_dict()


async def _start(warning_id: str, drill: bool, lang: str) -> None:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        await run_deployment(name=WARN_DEPLOYMENT, parameters={"warning_id": warning_id, "drill": drill, "lang": lang},
                             timeout=0, as_subflow=False)
    except ObjectNotFound:
        from flows.warn import warn

        get_run_logger().warning("no deployment %s: %s runs inside this poll", WARN_DEPLOYMENT, warning_id)
        await warn(warning_id=warning_id, drill=drill, lang=lang, return_state=True)


@flow(name="warning-feed", persist_result=False, log_prints=False)
async def warning_feed(source: str | None = None, drill: bool = False, lang: Lang = "zh-CN"):
    """Poll the park's CAP feed once and apply every alert not seen before.

    Args:
        source: an Atom/RSS URL or a folder of alert files; empty: PARKLINK_CAP_FEED
        drill: new warnings are drills (their messages go to the run's own drill gateway); Exercise alerts apply
        lang: the language of notices and records, zh-CN or en
    """
    settings = run_settings(lang)
    source = source or settings.cap_feed
    if not source:  # a park without a feed: the schedule does nothing
        return Completed(message="PARKLINK_CAP_FEED is not set: no feed to poll", data=FeedResult(source=""))
    try:
        docs = documents(source, settings)
    except InputError as exc:
        return Failed(message=str(exc))
    result = FeedResult(source=source)
    log = get_run_logger()
    for data, where in docs:
        try:
            applied = apply_one(data, where, drill, lang)
        except InputError as exc:
            result.refused.append(str(exc))
            log.warning("%s", exc)
            continue
        result.applied.append(applied)
        log.info("CAP %s: %s%s", applied["key"], applied["outcome"],
                 f" → {applied['warning']}" if applied["warning"] else "")
        if applied["new"]:
            await _start(applied["warning"], drill, lang)
            result.started.append(applied["warning"])
    message = f"{len(result.applied)} alert(s) read, {len(result.started)} warning(s) started"
    if result.refused:
        return Completed(message=message + f", {len(result.refused)} refused", data=result)
    return Completed(message=message, data=result)
