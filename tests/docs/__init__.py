"""Tests of the book as a reader uses it: served, browsed, rebuilt."""
