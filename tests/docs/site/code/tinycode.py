"""Code the tiny book watches (``jigger_watch``): a change here rebuilds it."""

GREETING = "hello"
