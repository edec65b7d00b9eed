"""What the fast paths rely on, in one place.

jigger answers the common request shapes without some of Werkzeug's generic
machinery (see :mod:`jigger.routing` and :mod:`jigger.wrappers`). A fast
path is only right while two things hold:

- the class at hand still uses the base class's own method (a subclass that
  overrides it must get the generic path): :func:`keeps_base` is the one
  check for that;
- Werkzeug's private fields the fast paths read still mean what they meant:
  ``Rule._converters`` (routing), ``Response._on_close`` and
  ``Response.response`` (wrappers). pyproject.toml pins Werkzeug to
  :data:`WERKZEUG_TESTED`, the range the test suite checks them on
  (tests/framework/test_fastpath.py); widen both together.
"""

from __future__ import annotations

#: The Werkzeug versions the fast paths are tested against; the
#: ``werkzeug`` requirement in pyproject.toml says the same.
WERKZEUG_TESTED = ">=3.1,<3.2"


def keeps_base(cls: type, base: type, *names: str) -> bool:
    """Whether ``cls`` (a subclass of ``base``, or ``base`` itself) still
    uses ``base``'s own definition of every attribute in ``names``.

    The attribute is looked up the way Python does, along ``cls``'s MRO,
    without triggering descriptors, so methods, properties and plain class
    attributes are all compared as defined.

    >>> class Quiet(Exception):
    ...     def __str__(self) -> str:
    ...         return "shh"
    >>> keeps_base(Quiet, Exception, "__repr__")
    True
    >>> keeps_base(Quiet, Exception, "__repr__", "__str__")
    False
    """
    return all(_defined(cls, name) is _defined(base, name) for name in names)


_MISSING = object()


def _defined(cls: type, name: str) -> object:
    """The class attribute ``name`` as the nearest class in ``cls``'s MRO
    defines it (no descriptor is run)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return _MISSING
