"""`tocsin contradictions`: claims about the same quantity that disagree, across sources."""
from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    @app.command("contradictions")
    def contradictions(
        limit: int = typer.Option(20, "--limit", help="how many pairs to show"),
        offset: int = typer.Option(0, "--offset"),
        as_json: bool = typer.Option(False, "--json", help="one JSON object per pair"),
        db: str | None = typer.Option(None, "--db", envvar="TOCSIN_DB", help="store file"),
    ) -> None:
        """List contradicting claims: both sentences, outlets, sides and attributions."""
        from ..api import open_store
        from ..compare.contradictions import list_contradictions
        from ..config import settings

        with open_store(db or settings().db, readonly=True) as store:
            pairs = list_contradictions(store, limit=limit, offset=offset)
        for p in pairs:
            if as_json:
                typer.echo(json.dumps(p, ensure_ascii=False))
                continue
            typer.echo(p["reason"])
            for c in (p["a"], p["b"]):
                who = c.get("attributed_to") or "(own voice)"
                typer.echo(f"  {c.get('outlet') or 'unknown outlet'} [{c.get('side') or '-'}], {who}, "
                           f"{c.get('source_file')}:{c.get('line')}: {c.get('sentence')}")
        if not pairs and not as_json:
            typer.echo("no contradictions")
