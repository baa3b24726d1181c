"""The shared pieces of the CLI: the Typer app, per-invocation state, output, and the one error handler.

Every command raises `ParkLinkError` for what a person must fix; `run()` prints it as `Error: message`
(or one line per bad row) on stderr and exits non-zero. No traceback reaches a person.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cached_property
from typing import Any

import typer

try:  # typer 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover — a typer that uses click itself
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from models.db import create_schema, get_engine
from models.errors import InputError, ParkLinkError
from models.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    lang_override: str | None = None

    @cached_property
    def settings(self) -> Settings:
        overrides = {"lang": self.lang_override} if self.lang_override else {}
        try:
            return get_settings(**overrides)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ParkLinkError(
                f"setting PARKLINK_{str(first['loc'][0]).upper()}: {first['msg']}; fix the environment variable"
            ) from None

    def reset(self) -> None:
        """Forget the settings and engine read so far (tests run many commands in one process)."""
        self.__dict__.clear()
        self.lang_override = None

    @property
    def lang(self) -> str:
        return self.settings.lang

    @cached_property
    def engine(self) -> Engine:
        engine = get_engine(self.settings.db_url)
        try:
            create_schema(engine)
        except OperationalError as exc:
            raise ParkLinkError(f"database {engine.url.render_as_string()}: cannot connect ({exc.orig}); "
                                "check PARKLINK_DATABASE_URL") from None
        return engine


state = State()


def to_plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {k: to_plain(v) for k, v in value.model_dump().items()}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_plain(data), ensure_ascii=False, indent=2) + "\n")


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from parklink.i18n import heading

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(heading(col, state.lang), overflow="fold")  # narrow terminals wrap, never cut
    for row in rows:
        table.add_row(*["" if v is None else str(to_plain(v)) for v in row])
    console.print(table)


def drill_options(*, drill: bool, answer_rate: float | None, seed: int | None) -> bool:
    """A standing mechanism's `--drill [--answer-rate R] [--seed N]` checked; whether the run is a drill (it is
    where a drill gateway is configured)."""
    if (answer_rate is not None or seed is not None) and not drill:
        raise InputError("--answer-rate and --seed go with --drill", exit_code=2)
    if answer_rate is not None and not 0 <= answer_rate <= 1:
        raise InputError(f"--answer-rate {answer_rate}: give a share between 0 and 1", exit_code=2)
    return drill or bool(state.settings.drill_base_url)


def local_engine(*, drill: bool) -> None:
    """A flow is about to run in this process: a live run is refused first (one line, nothing sent; the flow
    checks the same), then the engine is started if need be."""
    from parklink import engine as engine_manager

    if not drill:
        from tasks.response.launch import require_live

        require_live(state.engine, state.settings)
    engine_manager.ensure(state.settings)
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


def fail(error: ParkLinkError) -> None:
    for line in error.lines():
        err_console.print(f"Error: {line}", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(error.exit_code)


def run(app: typer.Typer) -> None:
    """Run the CLI: every error a person causes is one `Error: …` line on stderr and a non-zero exit code
    (a usage error — an unknown option, a value of the wrong type — exits 2, like a refused input)."""
    try:
        code = app(standalone_mode=False)
    except ParkLinkError as error:
        fail(error)
    except NoArgsIsHelpError as exc:
        console.print(exc.format_message(), markup=False, highlight=False)
        raise SystemExit(exc.exit_code) from None
    except UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        err_console.print(f"Error: {exc.format_message()}{hint}", markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except ClickException as exc:
        err_console.print(f"Error: {exc.format_message()}", markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        err_console.print("Error: aborted", markup=False, highlight=False)
        raise SystemExit(130) from None
    if isinstance(code, int) and code:
        raise SystemExit(code)
