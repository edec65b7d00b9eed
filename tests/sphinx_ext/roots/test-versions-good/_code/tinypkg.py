"""A stand-in for the package a project documents."""

__version__ = "1.2.0.dev0"
