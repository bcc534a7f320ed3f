"""Rights windows: what the content owner acquired (rights in) and granted (rights out)."""
