"""Reporters: each renders a Report in one format."""
