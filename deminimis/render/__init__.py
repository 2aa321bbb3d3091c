"""Rendering: decisions as contract objects, text, and tables."""
