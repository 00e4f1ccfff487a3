"""The engine's version."""

version = "0.1.0"
