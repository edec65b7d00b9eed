"""Small counting helpers, documented with examples.

>>> double(2)
4
"""


def double(n: int) -> int:
    """Twice ``n``.

    >>> double(21)
    42
    """
    return 2 * n


def halve(n: int) -> int:
    """Half of ``n``, rounded down.

    >>> halve(9)
    5
    """
    return n // 2


class Counter:
    """
    Counts up from zero.

    >>> c = Counter()
    >>> c.up()
    >>> c.up()
    >>> c.value
    3
    """

    def __init__(self) -> None:
        self.value = 0

    def up(self) -> None:
        """Add one.

        >>> c = Counter(); c.up(); c.value
        1
        """
        self.value += 1
