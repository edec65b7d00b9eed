"""A module the examples import through doctest_path only."""

JARS = 3
