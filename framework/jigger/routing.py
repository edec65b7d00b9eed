"""A fast lane in front of Werkzeug's URL matcher.

Werkzeug matches a URL in two steps: it binds the URL map to the request's
environ (host, script name, scheme, path decoding) and then runs its state
machine. For the rules most applications have (a path with a few built-in
converters, no host or subdomain), jigger can answer from two dictionaries
instead: static paths by exact lookup, and dynamic rules by a regular
expression tried only among the rules that share the path's first segment.

The fast lane only *answers* when its answer is certain to be Werkzeug's:

* exactly one rule matches the path, with the request's method, no other
  rule (of any method) matches it, and no other rule matches its slash
  variant (the path with a trailing slash added or removed), because
  Werkzeug may redirect to that variant or match a rule with
  ``strict_slashes=False`` there first;
* or no rule can match the path or its slash variant at all (a certain 404).

Patterns end in ``\\Z``, as Werkzeug's do: ``$`` would also match before a
final newline, and ``/item/7%0A`` would reach ``/item/<int:n>``.

Everything else (redirects for a missing trailing slash, 405 responses,
custom converters, rules with defaults, host or subdomain rules, rules or
paths with ``//``, non-ASCII paths) returns ``None``, and the request goes
through Werkzeug as usual. The table is built once, from the finished URL
map, when the app serves its first request; after that the setup lock
forbids new rules.

>>> from werkzeug.routing import Map, Rule
>>> from jigger.routing import FastRouter
>>> url_map = Map([Rule("/", endpoint="index"), Rule("/item/<int:n>", endpoint="item")])
>>> router = FastRouter.build(url_map)
>>> rule, args = router.match("/item/7", "GET")
>>> rule.endpoint, args
('item', {'n': 7})
>>> router.match("/item/x", "GET") is None  # no rule: let Werkzeug say 404
True
>>> router.surely_missing("/nothing/here")
True
"""

from __future__ import annotations

import re
import typing as t

from werkzeug.routing import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import BaseConverter, Map, Rule

#: Converters whose ``regex`` and ``to_python`` are known to be pure, so that
#: matching them with one regular expression gives Werkzeug's result.
_SAFE_CONVERTERS = frozenset(
    {
        UnicodeConverter,
        IntegerConverter,
        FloatConverter,
        PathConverter,
        UUIDConverter,
        AnyConverter,
    }
)

_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)>"
)

#: A compiled dynamic rule: its pattern, the rule, and its converters by
#: regex group name.
_Dynamic = tuple[
    "re.Pattern[str]", "Rule", tuple[tuple[str, str, "BaseConverter"], ...]
]

#: The dynamic rules a path may match (those under its first segment, then
#: the wildcards), and whether any of them could match the path's slash
#: variant: with a slash added (a rule ending in ``/``, or a ``path``
#: converter) or removed (a rule with ``strict_slashes=False``).
_Candidates = tuple[tuple[_Dynamic, ...], bool, bool]


#: Methods precomputed for static rules that accept any method; others
#: take the general path of FastRouter.match.
_COMMON_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allows(rule: Rule, method: str) -> bool:
    """Whether ``rule`` accepts ``method`` (no ``methods`` means any)."""
    return rule.methods is None or method in rule.methods


def _first_segment(path: str) -> str:
    """``"/item/7"`` -> ``"item"``; the key dynamic rules are grouped by."""
    return path[1:].partition("/")[0]


def _candidates(rules: tuple[_Dynamic, ...]) -> _Candidates:
    """``rules`` with the two slash-variant flags of :data:`_Candidates`."""
    adds = any(
        rule.rule.endswith("/") or any(not conv.part_isolating for _, _, conv in groups)
        for _, rule, groups in rules
    )
    strips = any(not rule.strict_slashes for _, rule, _ in rules)
    return rules, adds, strips


class FastRouter:
    """Exact answers for the easy requests; ``None`` for the rest.

    Build it with :meth:`build`, which returns ``None`` when the map uses
    features the fast lane does not cover as a whole (host matching).
    """

    def __init__(self) -> None:
        #: path -> the rules with exactly that path.
        self.static: dict[str, list[Rule]] = {}
        #: first path segment -> the dynamic rules starting with it.
        self.dynamic: dict[str, list[_Dynamic]] = {}
        #: Dynamic rules whose first segment is itself a variable; they can
        #: match any path, so they are tried for every path.
        self.wildcards: tuple[_Dynamic, ...] = ()
        #: First segments under which some rule is left to Werkzeug.
        self.contested: set[str] = set()
        #: A rule the fast lane cannot describe may match any path.
        self.everything_contested = False
        #: path -> {method: the one rule that answers it}, for the static
        #: paths that need none of match()'s other checks (filled by build).
        self.answers: dict[str, dict[str, Rule]] = {}
        # For match(), made by build(): first segment -> the dynamic rules
        # to try (its own, then the wildcards); any other segment tries the
        # wildcards alone.
        self._candidates: dict[str, _Candidates] = {}
        self._wildcard_candidates: _Candidates = ((), False, False)

    @classmethod
    def build(cls, url_map: Map) -> FastRouter | None:
        """Compile the rules of ``url_map``, or ``None`` if it uses host
        matching (then every request goes through Werkzeug)."""
        if url_map.host_matching:
            return None
        router = cls()
        rules = list(url_map.iter_rules())
        with_defaults = {rule.endpoint for rule in rules if rule.defaults}
        for rule in rules:
            if rule.build_only:
                continue
            compiled = cls._compile(rule, with_defaults)
            path = rule.rule
            if compiled is None:
                # Left to Werkzeug: requests that could reach it go there too.
                # Werkzeug matches the rule with its slashes merged.
                segment = _first_segment(re.sub("/{2,}", "/", path))
                if "<" in segment or not path.startswith("/"):
                    router.everything_contested = True
                else:
                    router.contested.add(segment)
            elif isinstance(compiled, str):
                router.static.setdefault(compiled, []).append(rule)
            else:
                segment = _first_segment(path)
                if "<" in segment:
                    router.wildcards += (compiled,)
                else:
                    router.dynamic.setdefault(segment, []).append(compiled)
        router._candidates = {
            segment: _candidates((*rules, *router.wildcards))
            for segment, rules in router.dynamic.items()
        }
        router._wildcard_candidates = _candidates(router.wildcards)
        if not router.everything_contested:
            for path, statics in router.static.items():
                if _first_segment(path) in router.contested:
                    continue
                methods = {m for r in statics if r.methods for m in r.methods}
                if any(r.methods is None for r in statics):
                    methods.update(_COMMON_METHODS)
                answers = {}
                for method in methods:
                    accepting = [r for r in statics if _allows(r, method)]
                    if len(accepting) == 1:
                        answers[method] = accepting[0]
                router.answers[path] = answers
        return router

    @staticmethod
    def _compile(rule: Rule, with_defaults: set[str]) -> str | _Dynamic | None:
        """The static path, the compiled dynamic rule, or ``None`` for a rule
        the fast lane does not handle."""
        if (
            rule.host is not None
            or rule.subdomain
            or rule.websocket
            or rule.redirect_to is not None
            or rule.alias
            or rule.endpoint in with_defaults
            or not rule.rule.startswith("/")
            or not rule.rule.isascii()
            # Werkzeug merges the slashes of such a rule (merge_slashes).
            or "//" in rule.rule
        ):
            return None
        converters: dict[str, BaseConverter] | None = getattr(rule, "_converters", None)
        if converters is None:
            return None
        if "<" not in rule.rule:
            return rule.rule
        pattern = ["^"]
        groups: list[tuple[str, str, BaseConverter]] = []
        pos = 0
        for match in _VARIABLE.finditer(rule.rule):
            pattern.append(re.escape(rule.rule[pos : match.start()]))
            name = match["variable"]
            converter = converters.get(name)
            if converter is None or type(converter) not in _SAFE_CONVERTERS:
                return None
            if isinstance(converter, AnyConverter) and "/" in converter.regex:
                return None  # values with slashes: Werkzeug matches them apart
            group = f"v{len(groups)}"
            pattern.append(f"(?P<{group}>{converter.regex})")
            groups.append((group, name, converter))
            pos = match.end()
        tail = rule.rule[pos:]
        if "<" in tail or ">" in tail:
            return None
        pattern.append(re.escape(tail))
        # Not "$": it also matches before a final "\n".
        pattern.append(r"\Z")
        return re.compile("".join(pattern)), rule, tuple(groups)

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, t.Any]] | None:
        """The one rule that certainly handles ``method path``, with its
        converted arguments; ``None`` means "ask Werkzeug"."""
        answers = self.answers.get(path)
        if answers is not None:
            rule = answers.get(method)
            if rule is not None:
                return rule, {}
        segment = path[1:].partition("/")[0]
        if (
            self.everything_contested
            or "//" in path
            or not path.isascii()
            or segment in self.contested
        ):
            return None
        statics = self.static.get(path)
        if statics is not None:
            # Werkzeug tries static parts first: an exact static rule wins.
            accepting = [r for r in statics if _allows(r, method)]
            if len(accepting) == 1:
                return accepting[0], {}
            return None
        candidates, adds, strips = self._candidates.get(
            segment, self._wildcard_candidates
        )
        found: tuple[re.Match[str], _Dynamic] | None = None
        for dynamic in candidates:
            m = dynamic[0].match(path)
            if m is None:
                continue
            methods = dynamic[1].methods
            if found is not None or (methods is not None and method not in methods):
                return None  # several rules, or a 405 to work out: Werkzeug
            found = m, dynamic
        if found is None:
            return None
        m, (_, rule, groups) = found
        # The slash variant: Werkzeug redirects to it when a rule ending in
        # "/" matches it, and serves a strict_slashes=False rule there; both
        # may come before the rule found here in its order.
        if path.endswith("/"):
            other = path[:-1]
            check = strips and other != ""
        else:
            other = f"{path}/"
            check = adds
        if other in self.static:
            return None
        if check:
            for pattern, other_rule, _ in candidates:
                if other_rule is not rule and pattern.match(other):
                    return None
        try:
            args = {name: conv.to_python(m[group]) for group, name, conv in groups}
        except ValidationError:
            return None
        return rule, args

    def surely_missing(self, path: str) -> bool:
        """Whether no rule can match ``path`` or its trailing-slash variant,
        so that the answer is a plain 404 without asking Werkzeug."""
        if (
            self.everything_contested
            or self.wildcards
            or "//" in path
            or not path.isascii()
            or not path.startswith("/")
        ):
            return False
        segment = _first_segment(path)
        if segment in self.contested or segment in self.dynamic:
            return False
        other = path[:-1] if path.endswith("/") else f"{path}/"
        return path not in self.static and other not in self.static
