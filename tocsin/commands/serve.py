"""`tocsin serve`: the dashboard and JSON API on localhost (tocsin.serve)."""
from __future__ import annotations

from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        db: Optional[str] = typer.Option(None, "--db", envvar="TOCSIN_DB", help="Store file (default ./tocsin.db)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (localhost by default)."),
        port: int = typer.Option(8000, "--port", envvar="TOCSIN_PORT", help="Port to listen on."),
        token: Optional[str] = typer.Option(None, "--token", envvar="TOCSIN_TOKEN",
                                            help="Write token for ingest; without one, writes are disabled."),
        max_body_mb: float = typer.Option(20.0, "--max-body-mb", help="Largest accepted request body."),
    ) -> None:
        """Serve the dashboard and /api/v1 over the store (Ctrl-C stops it)."""
        import uvicorn

        from ..config import settings
        from ..serve import create_app

        application = create_app(db or settings().db, token=token, max_body=int(max_body_mb * 1024 * 1024))
        typer.echo(f"tocsin dashboard: http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs; "
                   f"writes {'enabled' if token else 'disabled'})")
        uvicorn.run(application, host=host, port=port, log_level="warning")
