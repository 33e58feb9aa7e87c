"""The plugins that ship with apophenic. Each registers through the entry-point group
``apophenic``, exactly like a third-party plugin."""
