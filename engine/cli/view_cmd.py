"""``apophenic view FOLDER``: watch a run in the browser (a loopback-only local page)."""

from __future__ import annotations

from pathlib import Path

import typer


def install(app: typer.Typer) -> None:
    app.command("view")(view)


def view(
    folder: Path = typer.Argument(..., help="A run folder: the one `apophenic run` names in its first line."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the default browser."),
) -> None:
    """Serve a page showing the run's picture, step, ETA and held-out score, refreshing itself.

    It listens on 127.0.0.1 only; Ctrl-C stops it.
    """
    from apophenic.view import serve, url

    server = serve(folder, port)
    print(f"watching {folder} at {url(server)}  (Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url(server))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
