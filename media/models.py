"""Renditions and HLS ladders produced by the media pipeline."""
