"""CLI: tocsin alerts, tocsin indicators, tocsin replay (over tocsin.warn)."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from ..config import settings


def _db(db: str | None) -> str:
    return db or str(settings().db)


def _ev(key: str | None, days: int | None) -> str:
    return f"{key} ({days})" if key else "-"


def register(app: typer.Typer) -> None:
    db_opt = typer.Option(None, "--db", envvar="TOCSIN_DB", help="store file")

    @app.command("alerts")
    def alerts_cmd(db: str | None = db_opt, level: str | None = typer.Option(None, help="watch|warning|emergency"),
                   limit: int = 50, offset: int = 0, as_json: bool = typer.Option(False, "--json"),
                   refresh: bool = typer.Option(False, help="recompute before listing"),
                   atom: Path | None = typer.Option(None, help="also write an Atom feed here")) -> None:
        """Atrocity-risk alerts with their evidence."""
        from .. import warn
        from ..api import open_store

        with open_store(_db(db), readonly=not refresh) as store:
            if refresh:
                warn.refresh(store)
            rows = warn.list_alerts(store, level=level, limit=limit, offset=offset)
            if atom:
                from ..warn.atom import write_atom

                write_atom(warn.list_alerts(store, level=level, limit=10**9), atom)
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for a in rows:
            typer.echo(f"[{a['level'].upper()}] {a['id']} {a['rule']} — {a['place']} / {a['group']} "
                       f"({a['first_seen']} .. {a['last_seen']})")
            typer.echo(f"  {a['explanation']}")
            for e in a["evidence"]:
                typer.echo(f"  - {e['outlet'] or '?'} [{e['side'] or '?'}] {e['source_file']}:{e['line']}: "
                           f"{(e['sentence'] or '')[:160]}")
        if not rows:
            typer.echo("no alerts")

    @app.command("indicators")
    def indicators_cmd(db: str | None = db_opt, indicator: str | None = None, place: str | None = None,
                       as_json: bool = typer.Option(False, "--json")) -> None:
        """The indicators of the pack and, with a store, their daily series."""
        from .. import warn
        from ..api import open_store

        cfg = warn.load_config()
        with open_store(_db(db), readonly=True) as store:
            pts = warn.indicator_series(store, indicator=indicator, place=place)
        if as_json:
            typer.echo(json.dumps({"indicators": {i.id: {"risk_factor": i.risk_factor, "description": i.description,
                                                         "stanton": i.stanton, "events": i.events}
                                                  for i in cfg.indicators.values()}, "series": pts},
                                  ensure_ascii=False, indent=1))
            return
        for i in cfg.indicators.values():
            n = sum(1 for p in pts if p["indicator"] == i.id)
            typer.echo(f"{i.id:24} {i.risk_factor:5} {', '.join(i.stanton):30} {n:4} points  {i.description}")
        for p in pts:
            typer.echo(f"  {p['day']} {p['indicator']:24} {p['place']} / {p['group']}: {p['value']} "
                       f"({p['n_sources']} sources, {p['n_signals']} signals)")

    @app.command("replay")
    def replay_cmd(db: str | None = db_opt, svg: Path | None = typer.Option(None, help="write the plot here"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
        """When each alert would have fired, reading the store in publication order."""
        from .. import warn
        from ..api import open_store

        with open_store(_db(db)) as store:
            res = warn.replay(store)
        if svg:
            warn.replay_svg(res, svg)
        if as_json:
            typer.echo(json.dumps(res["rows"], ensure_ascii=False, indent=1))
            return
        typer.echo("| day | alert | rule | place | group | level | change | previous named event (days after) | next named event (lead days) |")
        typer.echo("|---|---|---|---|---|---|---|---|---|")
        for r in res["rows"]:
            typer.echo(f"| {r['day']} | {r['alert_id']} | {r['rule']} | {r['place']} | {r['group']} | {r['level']} | "
                       f"{r['change']} | {_ev(r['prev_named_event'], r['days_after_prev'])} | "
                       f"{_ev(r['next_named_event'], r['lead_days'])} |")
