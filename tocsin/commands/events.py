"""`tocsin events`: list the events linked across articles (over event_store.list_events)."""
from __future__ import annotations

import json
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("events")
    def events_cmd(
        type: Optional[str] = typer.Option(None, "--type", help="Event type, e.g. blockade, armed_attack."),
        place: Optional[str] = typer.Option(None, "--place", help="Canonical place name (case-insensitive)."),
        actor: Optional[str] = typer.Option(None, "--actor", help="Actor or target name."),
        date_from: Optional[str] = typer.Option(None, "--from", help="Earliest date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        date_to: Optional[str] = typer.Option(None, "--to", help="Latest date (YYYY, YYYY-MM or YYYY-MM-DD)."),
        limit: int = typer.Option(50, "--limit", min=0),
        offset: int = typer.Option(0, "--offset", min=0),
        as_json: bool = typer.Option(False, "--json", help="JSON lines, with mentions."),
        db: Optional[str] = typer.Option(None, "--db", envvar="TOCSIN_DB", help="Store file (default ./tocsin.db)."),
    ) -> None:
        """Events linked across articles, newest first."""
        from rich.console import Console
        from rich.table import Table

        from ..api import open_store
        from ..config import settings
        from ..extract.event_store import list_events

        with open_store(db or settings().db, readonly=True) as store:
            rows = list_events(store, type=type, place=place, actor=actor, date_from=date_from, date_to=date_to,
                               limit=limit, offset=offset, mentions=as_json)
        out = Console()
        if as_json:
            for r in rows:
                out.print_json(json.dumps(r, default=str))
            return
        if not rows:
            Console(stderr=True).print("no events")
            return
        t = Table(show_lines=False)
        for col in ("date", "type", "place", "actor", "target", "sources", "id"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["date"] or "", r["type"], r["place"] or "", r["actor"] or "", r["target"] or "",
                      str(r["n_sources"]), r["id"])
        out.print(t)
