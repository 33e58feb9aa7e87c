"""Example for ``on_finish``: write a 32-pixel thumbnail beside the final picture."""

# --8<-- [start:example]
from apophenic import hookimpl


@hookimpl
def on_finish(result):
    from PIL import Image

    with Image.open(result.folder / "final.png") as im:
        im.thumbnail((32, 32))
        im.save(result.folder / "thumb.png")
    print(f"thumbnail: {result.folder / 'thumb.png'} (objective {result.record['objective']['end']['total']:.3f})")
# --8<-- [end:example]
