"""Dubbed audio: uploads checked against the episode, packaged as alternate audio renditions of its ladder."""
