"""The application's configuration: a dict with loaders.

:class:`Config` is an ordinary :class:`dict` whose keys are the configuration
names (by convention ``UPPERCASE``). Its ``from_*`` methods fill it from a
Python file, an object or module, a data file, a mapping or the environment.
Names and behaviour match Flask's ``flask.config`` module, so an app that
configures Flask configures jigger the same way.

>>> config = Config("/srv/app", {"DEBUG": False})
>>> config.from_mapping(SECRET_KEY="dev", lower_case_is_ignored=1)
True
>>> sorted(config)
['DEBUG', 'SECRET_KEY']
"""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t

from werkzeug.utils import import_string

__all__ = ["Config", "ConfigAttribute"]

T = t.TypeVar("T")


class _HasConfig(t.Protocol):
    """What :class:`ConfigAttribute` needs from the object it is attached to."""

    @property
    def config(self) -> dict[str, t.Any]: ...


#: A loader for :meth:`Config.from_file`, such as ``json.load``: it reads an
#: open file and returns a mapping.
_Loader = t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]]


class ConfigAttribute(t.Generic[T]):
    """A descriptor that forwards an attribute to a configuration key.

    Put it on a class whose instances have a ``config`` mapping; reading the
    attribute reads ``obj.config[name]`` and assigning to it writes there. The
    type parameter tells a type checker what the attribute holds.

    :param name: The configuration key to forward to.
    :param get_converter: Called on the stored value when the attribute is
        read, for example to turn seconds into a :class:`~datetime.timedelta`.

    >>> class Holder:
    ...     testing = ConfigAttribute[bool]("TESTING")
    ...     def __init__(self) -> None:
    ...         self.config = {"TESTING": False}
    >>> holder = Holder()
    >>> holder.testing = True
    >>> holder.config
    {'TESTING': True}
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        self.get_converter = get_converter
        # Named like a function, so that docs tools show the key.
        self.__name__ = name

    @t.overload
    def __get__(self, obj: None, owner: type[t.Any] | None = None) -> t.Self: ...

    @t.overload
    def __get__(self, obj: _HasConfig, owner: type[t.Any] | None = None) -> T: ...

    def __get__(
        self, obj: _HasConfig | None, owner: type[t.Any] | None = None
    ) -> T | t.Self:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: _HasConfig, value: t.Any) -> None:
        obj.config[self.__name__] = value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__name__!r}>"


class Config(dict[str, t.Any]):
    """A :class:`dict` of configuration values, with methods that load them.

    Only names written in upper case are taken from files, objects and
    mappings, so a configuration file can use lower-case helper variables
    freely. Relative file names are resolved against ``root_path``, which an
    application sets to its own root folder.

    :param root_path: The folder relative file names are resolved against.
    :param defaults: Initial values.

    >>> config = Config(".", defaults={"DEBUG": False})
    >>> config["DEBUG"]
    False
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__({} if defaults is None else defaults)
        # The folder relative file names are read from.
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable.

        This is :meth:`from_pyfile` with the file name taken from
        ``os.environ[variable_name]``.

        :param variable_name: The environment variable holding the file name.
        :param silent: Return ``False`` instead of raising when the variable is
            unset or the file is missing.
        :return: ``True`` if a file was loaded.
        :raises RuntimeError: The variable is not set (and ``silent`` is false).
        """
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of"
                " a configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "JIGGER", *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every environment variable whose name starts with ``PREFIX_``.

        The prefix and its underscore are removed to give the key. Each value
        is parsed with ``loads`` (JSON by default, so ``1``, ``true`` and
        ``[1, 2]`` become an int, a bool and a list); a value it cannot parse
        is kept as the raw string. A double underscore in the key reaches into
        nested dicts: ``JIGGER_DB__HOST=x`` sets ``config["DB"]["HOST"]``,
        creating ``config["DB"]`` if needed. Variables are applied in sorted
        order.

        Pass ``prefix="FLASK"`` to read the ``FLASK_*`` variables an existing
        Flask deployment sets.

        :param prefix: The prefix, without the trailing underscore.
        :param loads: Parses each value.
        :return: Always ``True``.
        :raises TypeError: A nested key reaches through a value that is not a
            dict.

        >>> import os
        >>> os.environ["DOCTEST_RETRIES"] = "3"
        >>> config = Config(".")
        >>> config.from_prefixed_env("DOCTEST")
        True
        >>> config["RETRIES"]
        3
        >>> del os.environ["DOCTEST_RETRIES"]
        """
        start = f"{prefix}_"
        for variable in sorted(os.environ):
            if not variable.startswith(start):
                continue
            raw = os.environ[variable]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            key = variable[len(start) :]
            *parents, leaf = key.split("__")
            target: dict[str, t.Any] = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                child = target[part]
                if not isinstance(child, dict):
                    raise TypeError(
                        f"Environment variable {variable!r} sets a key inside"
                        f" {part!r}, but that key already holds a"
                        f" {type(child).__name__}, not a dict."
                    )
                target = child
            target[leaf] = value
        return True

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Run a Python file and load its upper-case names.

        The file runs like a module of its own; afterwards its upper-case
        globals are copied in, as :meth:`from_object` does.

        :param filename: The file, relative to :attr:`root_path` or absolute.
        :param silent: Return ``False`` instead of raising when the file is
            missing.
        :return: ``True`` if the file was loaded.
        :raises OSError: The file cannot be read; the message names the full
            path and the reason.
        :raises SyntaxError: The file is not valid Python; the error names the
            file and line.
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, mode="rb") as config_file:
                source = config_file.read()
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the upper-case attributes of an object or module.

        ``obj`` may be an import string such as ``"myapp.settings"`` or
        ``"myapp.settings:Production"``, which is imported first. Classes work
        too, which allows configuration by inheritance.

        :param obj: The object, or an import string naming it.
        :raises werkzeug.utils.ImportStringError: The import string cannot be
            imported; the message says which part failed.

        >>> class Production:
        ...     DEBUG = False
        ...     DATABASE = "postgresql:///app"
        ...     helper = "not copied"
        >>> config = Config(".")
        >>> config.from_object(Production)
        >>> sorted(config)
        ['DATABASE', 'DEBUG']
        """
        source = import_string(obj) if isinstance(obj, str) else obj
        self._take_upper((name, getattr(source, name)) for name in dir(source))

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: _Loader,
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with a loader function, then :meth:`from_mapping`.

        :param filename: The file, relative to :attr:`root_path` or absolute.
        :param load: Reads the open file and returns a mapping, for example
            :func:`json.load` or :func:`tomllib.load` (with ``text=False``).
        :param silent: Return ``False`` instead of raising when the file is
            missing.
        :param text: Open the file in text mode; ``False`` opens it in binary.
        :return: ``True`` if the file was loaded.
        :raises OSError: The file cannot be read; the message names the full
            path and the reason.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as data_file:
                data = load(data_file)
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        return self.from_mapping(data)

    def from_mapping(
        self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Copy the upper-case keys of a mapping and of keyword arguments.

        :param mapping: Values to copy; keyword arguments are applied after it.
        :return: Always ``True``.
        """
        # dict() takes a mapping or (key, value) pairs, as Flask allows.
        merged = dict(mapping or (), **kwargs)
        self._take_upper(merged.items())
        return True

    def _take_upper(self, pairs: t.Iterable[tuple[str, t.Any]]) -> None:
        """Set the pairs whose key is upper case (the rest are helpers of a
        config module or object, not options), through ``self[key]``."""
        for key, value in pairs:
            if key.isupper():
                self[key] = value

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """Return the options whose keys start with ``namespace``, as a new dict.

        Handy for passing a group of settings as keyword arguments.

        :param namespace: The key prefix, usually ending in ``_``.
        :param lowercase: Lower-case the resulting keys.
        :param trim_namespace: Remove the prefix from the resulting keys.

        >>> config = Config(".")
        >>> config.from_mapping(IMAGE_STORE_TYPE="fs", IMAGE_STORE_PATH="/img")
        True
        >>> config.get_namespace("IMAGE_STORE_")
        {'type': 'fs', 'path': '/img'}
        """
        found: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            if lowercase:
                name = name.lower()
            found[name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
